"""Pay-in business rules 1-8 of.1 (duplicates, currency, amount limits, card failures).

Rules 5-7 count this merchant's pay-ins in the currency created in the current UTC day / month
of the sandbox clock, statuses 3 and 4 excluded. Summing those on every request would scan
the day's orders, so `PayinTotals` keeps the sums in memory: computed from the store the first
time a day or month is asked for, then kept up to date as orders are added and fail. The store
stays the truth: a restart or a reset simply recomputes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox.gateways.orders import count_with_data, heads_created_between
from sandbox.gateways.trustpay.cardprivacy import card_fingerprint
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.gateways.trustpay.ordering import limit_for, order_no_taken

if TYPE_CHECKING:
    from sandbox.gateways.orders import Order
    from sandbox.runtime import ResetScope, Sandbox

GATEWAY = "trustpay"
DUPLICATE = 880012
NO_CHANNEL = 880024
AMOUNT_RULE = 880015
ACCOUNT_LIMIT = 880019
DAILY_AMOUNT = 880020
DAILY_COUNT = 880021
TRANSACTION_LIMIT = 880022
CARD_FAILURES = 880018

MESSAGES = {
    DUPLICATE: "order_already_exists",
    NO_CHANNEL: "no_channel_available",
    AMOUNT_RULE: "amount_rule_violation",
    ACCOUNT_LIMIT: "account_limit_exceeded",
    DAILY_AMOUNT: "daily_amount_limit_exceeded",
    DAILY_COUNT: "daily_transaction_count_limit_exceeded",
    TRANSACTION_LIMIT: "transaction_amount_limit_exceeded",
    CARD_FAILURES: "card_failure_limit_exceeded",
}
_NOT_COUNTED = ("3", "4")
_CARD_FAILURE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class EffectiveLimits:
    min_amount: Decimal
    max_amount: Decimal
    per_transaction: Decimal
    daily_amount: Decimal
    daily_count: int
    monthly_amount: Decimal
    card_failures_24h: int


LimitsMemo = dict[tuple[int, str], tuple[TrustPayMerchant, EffectiveLimits]]


def limits_for(sandbox: Sandbox, merchant: TrustPayMerchant, currency: str) -> EffectiveLimits:
    """The merchant's limits in `currency` (per-currency values over the general ones), worked
    out once per merchant object and currency in this sandbox."""
    memo: LimitsMemo = sandbox.state("trustpay.limits", dict)
    key = (id(merchant), currency)
    found = memo.get(key)
    if found is not None and found[0] is merchant:
        return found[1]
    limits = _read_limits(merchant, currency)
    memo[key] = (merchant, limits)
    return limits


def _read_limits(merchant: TrustPayMerchant, currency: str) -> EffectiveLimits:
    def pick(name: str) -> str:
        return str(limit_for(merchant, currency, name))

    return EffectiveLimits(
        min_amount=Decimal(pick("min_amount")),
        max_amount=Decimal(pick("max_amount")),
        per_transaction=Decimal(pick("per_transaction")),
        daily_amount=Decimal(pick("daily_amount")),
        daily_count=int(pick("daily_count")),
        monthly_amount=Decimal(pick("monthly_amount")),
        card_failures_24h=int(pick("card_failures_24h")),
    )


def day_start(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def month_start(moment: datetime) -> datetime:
    return day_start(moment).replace(day=1)


def _next_month(start: datetime) -> datetime:
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


Bucket = tuple[str, str, str, datetime]  # merchant, currency, "D" | "M", period start


class PayinTotals:
    """Counted pay-ins (count, amount) per merchant, currency and UTC day / month."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._totals: dict[Bucket, tuple[int, Decimal]] = {}

    def _buckets(self, merchant: str, currency: str, created: datetime) -> tuple[Bucket, Bucket]:
        return (
            (merchant, currency, "D", day_start(created)),
            (merchant, currency, "M", month_start(created)),
        )

    def _load(self, bucket: Bucket) -> tuple[int, Decimal]:
        found = self._totals.get(bucket)
        if found is not None:
            return found
        merchant, currency, period, start = bucket
        end = start + timedelta(days=1) if period == "D" else _next_month(start)
        heads = heads_created_between(
            self.sandbox.store, GATEWAY, merchant, ("payin",), start, end, currency=currency
        )
        counted = [h.amount for h in heads if h.status not in _NOT_COUNTED]
        total = (len(counted), sum(counted, Decimal("0.00")))
        self._totals[bucket] = total
        return total

    def day(self, merchant: str, currency: str, now: datetime) -> tuple[int, Decimal]:
        return self._load(self._buckets(merchant, currency, now)[0])

    def month(self, merchant: str, currency: str, now: datetime) -> tuple[int, Decimal]:
        return self._load(self._buckets(merchant, currency, now)[1])

    def added(self, order: Order) -> None:
        """A new counted pay-in (call inside the transaction that stores it)."""
        for bucket in self._buckets(order.merchant, order.currency, order.created_at):
            if bucket in self._totals:
                count, amount = self._totals[bucket]
                self._totals[bucket] = (count + 1, amount + order.amount)

    def forget(self, order: Order) -> None:
        """The order's buckets are recomputed on next use (it failed or timed out)."""
        for bucket in self._buckets(order.merchant, order.currency, order.created_at):
            self._totals.pop(bucket, None)

    def clear(self, _scope: ResetScope | None = None) -> None:
        self._totals.clear()


def payin_totals(sandbox: Sandbox) -> PayinTotals:
    """This sandbox's totals (cleared on reset and whenever a transaction rolls back)."""

    def make() -> PayinTotals:
        totals = PayinTotals(sandbox)
        sandbox.reset_hooks.append(totals.clear)
        return totals

    return sandbox.state("trustpay.payin_totals", make)


CARD_ATTEMPT = "card_attempt"  # an 880014 card attempt: no order, but it counts for rule 8
CARD_ATTEMPT_STATUS = "880014"  # the status every card attempt is stored with


def card_failures(sandbox: Sandbox, merchant: str, card_number: str, now: datetime) -> int:
    """Rule 8: this card's failed attempts in the last 24 h (status 3 card pay-ins and 880014
    attempts). Card pay-ins keep the card's fingerprint in `data.card.fingerprint`."""
    return count_with_data(
        sandbox.store,
        GATEWAY,
        merchant,
        "card.fingerprint",
        card_fingerprint(sandbox, card_number),
        updated_since=now - _CARD_FAILURE_WINDOW,
        kinds=(("payin", "3"), (CARD_ATTEMPT, CARD_ATTEMPT_STATUS)),
    )


def check_payin_rules(
    sandbox: Sandbox,
    merchant: TrustPayMerchant,
    *,
    order_no: str,
    amount: Decimal,
    currency: str,
    card_number: str | None = None,
) -> tuple[int, str] | None:
    """Rules 1-7 (and 8 for card pay-ins) in the documented order: the first broken (code, message)."""
    merchant_id = str(merchant.merchant_id)
    if order_no_taken(sandbox.store, merchant_id, order_no):
        return DUPLICATE, MESSAGES[DUPLICATE]
    if currency not in merchant.payin:
        return NO_CHANNEL, MESSAGES[NO_CHANNEL]
    limits = limits_for(sandbox, merchant, currency)
    if amount < limits.min_amount or amount > limits.max_amount:
        return AMOUNT_RULE, MESSAGES[AMOUNT_RULE]
    if amount > limits.per_transaction:
        return TRANSACTION_LIMIT, MESSAGES[TRANSACTION_LIMIT]
    now = sandbox.clock.now()
    totals = payin_totals(sandbox)
    day_count, day_amount = totals.day(merchant_id, currency, now)
    if day_amount + amount > limits.daily_amount:
        return DAILY_AMOUNT, MESSAGES[DAILY_AMOUNT]
    if day_count + 1 > limits.daily_count:
        return DAILY_COUNT, MESSAGES[DAILY_COUNT]
    _, month_amount = totals.month(merchant_id, currency, now)
    if month_amount + amount > limits.monthly_amount:
        return ACCOUNT_LIMIT, MESSAGES[ACCOUNT_LIMIT]
    if card_number is not None:
        failures = card_failures(sandbox, merchant_id, card_number, now)
        if failures >= limits.card_failures_24h:
            return CARD_FAILURES, MESSAGES[CARD_FAILURES]
    return None
