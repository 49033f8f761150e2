"""The keys a refused signature is tried against, to say "you signed with merchant X's key".

Shared by the gateways' authenticate steps, called only when a signature is refused.
"""

from __future__ import annotations

from sandbox.merchant_kinds import MerchantKind
from sandbox.runtime import Sandbox


def other_keys(
    sandbox: Sandbox, kind: MerchantKind, key: str, merchant: object
) -> list[tuple[str, str]]:
    """(who, key text) of the demo merchant and every other merchant of the gateway."""
    keys: list[tuple[str, str]] = []
    seen = {str(getattr(merchant, key))}
    demo = kind.demo.get(key)
    if demo is not None and str(demo) not in seen:
        seen.add(str(demo))
        keys.append(("the demo merchant", str(demo)))
    for other in sandbox.merchants.by_gateway.get(kind.gateway, ()):
        text = str(getattr(other, key))
        if other is merchant or text in seen:
            continue
        seen.add(text)
        keys.append((f"merchant {kind.merchant_id(other)}", text))
    return keys
