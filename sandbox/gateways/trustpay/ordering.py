"""Small pieces every TrustPay order-creating endpoint needs.

- `new_platform_order_no`: 24 characters `[A-Za-z0-9]` from the seeded generator;
- `order_no_taken`: the merchant's pay-ins and payouts share one order-number space;
- the number spaces (`Order.number_space`) the database keeps unique, and `order_exists`, the
  880012 answer when a number is taken;
- `limit_for`: a risk limit for a currency, with the per-currency override when configured;
- `outcome_reason`: a scenario outcome's reason text, `<code>: <reason>` when it has a code;
"""

from __future__ import annotations

import string
from typing import Any

from sandbox.gateways.orders import find_order
from sandbox.gateways.trustpay.codes import TrustPayError
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import PlannedOutcome
from sandbox.store import Store

GATEWAY = "trustpay"
PLATFORM_ORDER_NO_LENGTH = 24
_ALPHABET = string.ascii_letters + string.digits

# Where a merchant's numbers are unique: pay-ins and payouts share one space (`order_no`),
# refunds (`merchant_refund_no`) and card orders (`order_no`) have their own.
PAYIN_PAYOUT_NUMBERS = "payin_payout"
REFUND_NUMBERS = "refund"
CARD_ORDER_NUMBERS = "card_order"


def order_exists() -> TrustPayError:
    """880012: the merchant already used this number in its space."""
    return TrustPayError(880012, "order_already_exists")


def new_platform_order_no(sandbox: Sandbox) -> str:
    return "".join(sandbox.rng.choices(_ALPHABET, k=PLATFORM_ORDER_NO_LENGTH))


def order_no_taken(store: Store, merchant_id: str, order_no: str) -> bool:
    """Is `order_no` already a pay-in or payout of this merchant (any status)?"""
    found = find_order(
        store, GATEWAY, merchant_id, merchant_order_id=order_no, kind=("payin", "payout")
    )
    return found is not None


def limit_for(merchant: TrustPayMerchant, currency: str, name: str) -> Any:
    """`limits.<name>` for `currency`: the per-currency value when configured, else the default."""
    override = merchant.limits.currencies.get(currency)
    value = getattr(override, name, None) if override is not None else None
    return getattr(merchant.limits, name) if value is None else value


def outcome_reason(outcome: PlannedOutcome | None, default: str) -> str:
    """The reason a scenario outcome gives (else `default`), prefixed `<code>: ` when it has one."""
    reason = default if outcome is None or outcome.reason is None else outcome.reason
    if outcome is not None and outcome.code is not None:
        return f"{outcome.code}: {reason}"
    return reason
