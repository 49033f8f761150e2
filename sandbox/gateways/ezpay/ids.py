"""EzPay ids: `C`/`D`/`S` + 19 digits, refunds 19 digits.

Drawn from the sandbox's seeded generator, so `SANDBOX_SEED` reproduces them; unique per gateway.
"""

from __future__ import annotations

from sandbox.gateways.orders import get_order
from sandbox.runtime import Sandbox


def new_id(sandbox: Sandbox, prefix: str) -> str:
    while True:
        candidate = prefix + str(sandbox.rng.randint(10**18, 10**19 - 1))
        if get_order(sandbox.store, "ezpay", candidate) is None:
            return candidate
