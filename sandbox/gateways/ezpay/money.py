"""EzPay money and time: minor units, fees, balances, daily limits, merchant-zone times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sandbox.gateways.ezpay.channels import MINOR_PLACES
from sandbox.gateways.ezpay.merchant import EzPayMerchant
from sandbox.gateways.orders import heads_created_between
from sandbox.store import Store
from sandbox.store.balances import adjust_balance, get_balance

GATEWAY = "ezpay"
_WHOLE = Decimal(1)


def scale(currency: str) -> Decimal:
    return Decimal(10) ** MINOR_PLACES.get(currency, 2)


def to_major(minor: Decimal | int, currency: str) -> Decimal:
    """Minor units (the API's integers) as a major-unit Decimal with the currency's places."""
    places = MINOR_PLACES.get(currency, 2)
    return (Decimal(minor) / scale(currency)).quantize(Decimal(1).scaleb(-places))


def to_minor(major: Decimal, currency: str) -> Decimal:
    return (major * scale(currency)).quantize(_WHOLE, rounding=ROUND_HALF_UP)


def half_up(value: Decimal) -> Decimal:
    return value.quantize(_WHOLE, rounding=ROUND_HALF_UP)


def payment_fee(merchant: EzPayMerchant, paid: Decimal) -> Decimal:
    """The payment fee in minor units: 2.5 % of 500 → 13 (half-up)."""
    return half_up(paid * merchant.fees.payment_rate / 100)


def payout_fee(merchant: EzPayMerchant, amount: Decimal, currency: str) -> Decimal:
    """1 % of the amount plus the fixed part per currency (PHP 500.00 → 500 + 1000)."""
    fee = merchant.fees.payout.get(currency)
    if fee is None:
        return Decimal(0)
    return half_up(amount * fee.rate / 100) + to_minor(fee.fixed, currency)


def fee_refunded(
    fee: Decimal, paid: Decimal, refunded_before: Decimal, returned: Decimal, amount: Decimal
) -> Decimal:
    """The cumulative proportional share of the fee for a refund of `amount`."""
    if paid <= 0:
        return Decimal(0)
    total = refunded_before + amount
    if total >= paid:
        return fee - returned
    return max(Decimal(0), half_up(fee * total / paid) - returned)


def balance_minor(store: Store, merchant: str, currency: str) -> Decimal:
    found = get_balance(store, GATEWAY, merchant, currency)
    return Decimal(0) if found is None else to_minor(found.available, currency)


def balance_text(store: Store, merchant: str, currency: str) -> str:
    """The documented balance string: major units, exactly 2 decimals (IDR too)."""
    found = get_balance(store, GATEWAY, merchant, currency)
    value = Decimal(0) if found is None else found.available
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"


def move(store: Store, merchant: str, currency: str, minor: Decimal, now: datetime) -> None:
    """Credit (positive) or debit (negative) minor units."""
    if minor:
        adjust_balance(store, GATEWAY, merchant, currency, to_major(minor, currency), now)


# -- merchant time zone -----------------------------------------------------------------------


def zone(merchant: EzPayMerchant) -> timezone:
    text = merchant.time_zone
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def fmt_time(moment: datetime, merchant: EzPayMerchant) -> str:
    """`yyyy-MM-dd HH:mm:ss` in the merchant's zone."""
    return moment.astimezone(zone(merchant)).strftime("%Y-%m-%d %H:%M:%S")


def day_bounds(moment_or_day: datetime, merchant: EzPayMerchant) -> tuple[datetime, datetime]:
    """The UTC start and end of the merchant-zone calendar day that contains the instant."""
    local = moment_or_day.astimezone(zone(merchant))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


# -- daily limits (21022 / 21027) -------------------------------------------------------------

_COUNTED = ("payment", "payout", "static")
_VOLUME = ("payment", "payout")


def daily_totals(
    store: Store, merchant: str, currency: str, now: datetime, tz_merchant: EzPayMerchant
) -> tuple[int, Decimal]:
    """(transactions created today, today's amount in `currency`, minor units) — merchant zone."""
    start, end = day_bounds(now, tz_merchant)
    heads = heads_created_between(store, GATEWAY, merchant, _COUNTED, start, end)
    volume = sum(
        (h.amount for h in heads if h.kind in _VOLUME and h.currency == currency), Decimal(0)
    )
    return len(heads), volume
