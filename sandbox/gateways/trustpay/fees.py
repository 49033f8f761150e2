"""TrustPay fees: the one fee formula, and the Fee Query endpoint.

`fee = max(round_half_up(amount * fee_rate / 100, 2) + fee_fixed, fee_min)`, rates in percent
. Pay-in fees are charged on the paid amount, payout fees on the payout amount, refund fees
on the refund amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from starlette.responses import Response

from sandbox.gateways.trustpay.merchant import FeeSchedule, TrustPayMerchant
from sandbox.gateways.trustpay.pipeline import Call, trustpay_route

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PAYIN = 0  # business_type / type_id
PAYOUT = 1
FEE_OVERVIEW_MESSAGE = "Fee overview retrieved successfully"


def cents(value: Decimal) -> Decimal:
    """Two decimal places, half up: the form every TrustPay amount takes."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fee_for(
    amount: Decimal, rate: Decimal, fixed: Decimal = ZERO, minimum: Decimal = ZERO
) -> Decimal:
    """The.6 formula; `rate` is a percentage (3.5 = 3.5 %)."""
    return cents(max(cents(amount * rate / 100) + fixed, minimum))


def _scheduled_fee(schedule: FeeSchedule | None, amount: Decimal) -> Decimal:
    if schedule is None:
        return ZERO
    return fee_for(amount, schedule.fee_rate, schedule.fee_fixed, schedule.fee_min)


def payin_fee(merchant: TrustPayMerchant, currency: str, paid_amount: Decimal) -> Decimal:
    """The pay-in fee on `paid_amount`; `0.00` for a currency not enabled for pay-in."""
    return _scheduled_fee(merchant.payin.get(currency), paid_amount)


def payout_fee(merchant: TrustPayMerchant, currency: str, amount: Decimal) -> Decimal:
    """The payout fee on `amount`; `0.00` for a currency not enabled for payout."""
    return _scheduled_fee(merchant.payout.get(currency), amount)


def refund_fee(merchant: TrustPayMerchant, amount: Decimal) -> Decimal:
    """The refund fee on `amount` (the merchant's `refund_fee` rate and fixed part)."""
    return fee_for(amount, merchant.refund_fee.rate, merchant.refund_fee.fixed)


def rate_number(rate: Decimal) -> Decimal:
    """A rate as the shortest decimal (`3.5`, `1.5`, `0`), never in exponent form."""
    if rate == rate.to_integral_value():
        return rate.quantize(Decimal(1))
    return rate.normalize()


# -- Fee Query: POST /v4/fee-overview (operation `fee`) -------------------------------------


def fee_overview(merchant: TrustPayMerchant) -> dict[str, Any]:
    """`data` of Fee Query: one `fee_configs` entry per enabled currency and business type,
    one `dispute_configs` entry per pay-in currency."""
    fee_configs: list[dict[str, Any]] = []
    for business_type, schedules in ((PAYIN, merchant.payin), (PAYOUT, merchant.payout)):
        for currency, schedule in schedules.items():
            fee_configs.append(
                {
                    "channel_id": schedule.channel_id,
                    "currency_id": currency,
                    "business_type": business_type,
                    "fee_rate": rate_number(schedule.fee_rate),
                    "fee_fixed_amount": cents(schedule.fee_fixed),
                    "fee_min_amount": cents(schedule.fee_min),
                }
            )
    dispute_configs = [
        {
            "channel_id": schedule.channel_id,
            "currency_id": currency,
            "chargeback_fee": cents(merchant.chargeback_fee),
            "refund_fee_rate": rate_number(merchant.refund_fee.rate),
            "refund_fee_fixed_amount": cents(merchant.refund_fee.fixed),
        }
        for currency, schedule in merchant.payin.items()
    ]
    return {"fee_configs": fee_configs, "dispute_configs": dispute_configs}


async def fee_query(call: Call) -> Response:
    """Request: `sign`, optional `merchant_id` (checked by the pipeline). No business rules."""
    plan = call.plan_for()
    data = fee_overview(call.merchant)
    return await call.answer(plan, lambda: call.success(data, FEE_OVERVIEW_MESSAGE))


ROUTES = [trustpay_route("/v4/fee-overview", "fee", "v4", fee_query)]
