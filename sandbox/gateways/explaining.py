"""Explaining a refused signature, shared by the gateways' authenticate steps (called only
when a signature is refused): the other keys it is tried against ("you signed with merchant X's
key"), and a guard so that explaining can never change the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sandbox.merchant_kinds import MerchantKind
from sandbox.runtime import Sandbox
from sandbox.signing.explain import Explanation

log = logging.getLogger("sandbox.gateways")


def safely(explain: Callable[[], Explanation]) -> Explanation | None:
    """The explanation, or None if building it fails: a refusal is answered as the gateway
    answers it whatever happens here."""
    try:
        return explain()
    except Exception:
        log.exception("explaining a refused signature failed")
        return None


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
