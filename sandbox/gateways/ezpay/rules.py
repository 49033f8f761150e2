"""EzPay's business checks shared by the endpoints (the business-rule step): amounts, daily limits
and the not-found answer."""

from __future__ import annotations

from decimal import Decimal

from sandbox.gateways.ezpay.codes import EzPayError
from sandbox.gateways.ezpay.merchant import EzPayMerchant
from sandbox.gateways.ezpay.money import daily_totals, to_minor
from sandbox.gateways.ezpay.pipeline import Call

AMOUNT_INVALID = 21021
AMOUNT_EXCEEDED = 21010
VOLUME_LIMIT = 21022
COUNT_LIMIT = 21027


def not_found(merchant: EzPayMerchant) -> EzPayError:
    """21006, or the docs' `21010 transaction not found` with `not_found_code: 21010`."""
    if merchant.not_found_code == 21010:
        return EzPayError(21010, "transaction not found")
    return EzPayError(21006)


def check_amount(
    merchant: EzPayMerchant, amount: Decimal, currency: str, minimum: Decimal | None = None
) -> None:
    """≤ 0 or below the minimum → 21021; above `limits.max_amount` → 21010."""
    if amount <= 0 or (minimum is not None and amount < minimum):
        raise EzPayError(AMOUNT_INVALID)
    limit = merchant.limits.max_amount.get(currency)
    if limit is not None and amount > to_minor(limit, currency):
        raise EzPayError(AMOUNT_EXCEEDED)


def check_daily_limits(call: Call, amount: Decimal | None, currency: str) -> None:
    """`limits.daily_volume` (21022) and `limits.daily_count` (21027), per merchant-zone day."""
    limits = call.merchant.limits
    volume_limit = limits.daily_volume.get(currency) if amount is not None else None
    if volume_limit is None and limits.daily_count is None:
        return
    count, volume = daily_totals(
        call.sandbox.store, call.merchant_id, currency, call.now(), call.merchant
    )
    if (
        volume_limit is not None
        and amount is not None
        and volume + amount > to_minor(volume_limit, currency)
    ):
        raise EzPayError(VOLUME_LIMIT)
    if limits.daily_count is not None and count + 1 > limits.daily_count:
        raise EzPayError(COUNT_LIMIT)
