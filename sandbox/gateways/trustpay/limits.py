"""Pay-in business rules 1-8 of.1 (duplicates, currency, amount limits, card failures).

Rules 5-7 count this merchant's pay-ins in the currency created in the current UTC day / month
of the sandbox clock, statuses 3 and 4 excluded. Summing those on every request would scan
the day's orders, so the sums are kept: computed from the store the first time a day or month
is asked for, then kept up to date as orders are added and fail. A new pay-in is checked
before it is stored and again when it is counted, inside the transaction that stores it, so
a pay-in stored meanwhile (while risk control answered, or on another replica) counts too.

One process on its own store keeps the sums in memory (`PayinTotals`; the store stays the
truth: a restart or a reset simply recomputes). Replicas sharing a database keep them as rows
every replica adds to under the row's lock (`SharedPayinTotals`, `store/totals.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from sandbox.gateways.orders import claim_value, count_with_data, heads_created_between
from sandbox.gateways.trustpay.cardprivacy import card_fingerprint
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.gateways.trustpay.ordering import limit_for, order_no_taken
from sandbox.store.totals import TotalKey, add_to_total, read_totals

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
Total = tuple[int, Decimal]  # counted pay-ins, their amount
UNCOUNTED = "payin.uncounted"  # claimed by a counted pay-in's platform id when it fails


def _buckets(merchant: str, currency: str, created: datetime) -> tuple[Bucket, Bucket]:
    return (
        (merchant, currency, "D", day_start(created)),
        (merchant, currency, "M", month_start(created)),
    )


def _stored_total(sandbox: Sandbox, bucket: Bucket) -> Total:
    """The bucket's total as the stored orders give it (one look-up over the period's pay-ins)."""
    merchant, currency, period, start = bucket
    end = start + timedelta(days=1) if period == "D" else _next_month(start)
    heads = heads_created_between(
        sandbox.store, GATEWAY, merchant, ("payin",), start, end, currency=currency
    )
    counted = [h.amount for h in heads if h.status not in _NOT_COUNTED]
    return len(counted), sum(counted, Decimal("0.00"))


def _first_broken(limits: EffectiveLimits, day: Total, month: Total) -> tuple[int, str] | None:
    """Rules 5-7 on the totals with the new pay-in counted: the first broken (code, message)."""
    if day[1] > limits.daily_amount:
        return DAILY_AMOUNT, MESSAGES[DAILY_AMOUNT]
    if day[0] > limits.daily_count:
        return DAILY_COUNT, MESSAGES[DAILY_COUNT]
    if month[1] > limits.monthly_amount:
        return ACCOUNT_LIMIT, MESSAGES[ACCOUNT_LIMIT]
    return None


class PayinTotals:
    """Counted pay-ins (count, amount) per merchant, currency and UTC day / month, kept in this
    process's memory (one process on its own store)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._totals: dict[Bucket, Total] = {}

    def _load(self, bucket: Bucket) -> Total:
        found = self._totals.get(bucket)
        if found is None:
            found = self._totals[bucket] = _stored_total(self.sandbox, bucket)
        return found

    def day_and_month(self, merchant: str, currency: str, now: datetime) -> tuple[Total, Total]:
        day, month = _buckets(merchant, currency, now)
        return self._load(day), self._load(month)

    def count(self, order: Order, limits: EffectiveLimits | None) -> tuple[int, str] | None:
        """Count a pay-in just stored (inside its transaction); with `limits`, the first limit
        the totals then break (the caller refuses the pay-in and rolls back: nothing counted)."""
        totals = []
        for bucket in _buckets(order.merchant, order.currency, order.created_at):
            found = self._totals.get(bucket)
            # A bucket read from the store now already holds the order.
            totals.append(
                _stored_total(self.sandbox, bucket)
                if found is None
                else (found[0] + 1, found[1] + order.amount)
            )
        broken = None if limits is None else _first_broken(limits, totals[0], totals[1])
        if broken is None:
            buckets = _buckets(order.merchant, order.currency, order.created_at)
            for bucket, total in zip(buckets, totals, strict=True):
                self._totals[bucket] = total
        return broken

    def forget(self, order: Order) -> None:
        """The order's buckets are recomputed on next use (it failed or timed out)."""
        for bucket in _buckets(order.merchant, order.currency, order.created_at):
            self._totals.pop(bucket, None)

    def clear(self, _scope: ResetScope | None = None) -> None:
        self._totals.clear()


class SharedPayinTotals:
    """The same totals as rows every replica on the database adds to (`store/totals.py`): a
    pay-in is counted and checked against the limits in one statement per period, inside the
    transaction that stores it, so replicas taking pay-ins at once never pass a limit."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def _key(self, bucket: Bucket) -> TotalKey:
        merchant, currency, period, start = bucket
        text = start.strftime("%Y-%m-%d" if period == "D" else "%Y-%m")
        return TotalKey(GATEWAY, merchant, "payin", currency, text)

    def day_and_month(self, merchant: str, currency: str, now: datetime) -> tuple[Total, Total]:
        """Both totals in one read (a period without a row yet: from the stored orders)."""
        buckets = _buckets(merchant, currency, now)
        keys = [self._key(bucket) for bucket in buckets]
        found = read_totals(
            self.sandbox.store, GATEWAY, merchant, "payin", currency, [k.period for k in keys]
        )
        day, month = (
            found.get(key.period) or _stored_total(self.sandbox, bucket)
            for key, bucket in zip(keys, buckets, strict=True)
        )
        return day, month

    def _add(self, order: Order, sign: int) -> list[Total]:
        return [
            add_to_total(
                self.sandbox.store,
                self._key(bucket),
                sign,
                sign * order.amount,
                partial(_stored_total, self.sandbox, bucket),
            )
            for bucket in _buckets(order.merchant, order.currency, order.created_at)
        ]

    def count(self, order: Order, limits: EffectiveLimits | None) -> tuple[int, str] | None:
        """As `PayinTotals.count`; the rows stay locked until the transaction ends."""
        day, month = self._add(order, 1)
        return None if limits is None else _first_broken(limits, day, month)

    def forget(self, order: Order) -> None:
        """The failed order no longer counts; taken away once however many replicas fail it."""
        if claim_value(self.sandbox.store, GATEWAY, order.merchant, UNCOUNTED, order.platform_id):
            self._add(order, -1)

    def clear(self, _scope: ResetScope | None = None) -> None:
        """Nothing to forget: a reset empties the rows with the orders."""


def payin_totals(sandbox: Sandbox) -> PayinTotals | SharedPayinTotals:
    """This sandbox's totals: in memory on a store of its own (cleared on reset and whenever a
    transaction rolls back), rows of the database when replicas share it."""

    def make() -> PayinTotals | SharedPayinTotals:
        if sandbox.store.shared:
            return SharedPayinTotals(sandbox)
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
    """Rules 1-7 (and 8 for card pay-ins), in order: the first broken, as (code, message)."""
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
    (day_count, day_amount), (month_count, month_amount) = totals.day_and_month(
        merchant_id, currency, now
    )
    broken = _first_broken(
        limits, (day_count + 1, day_amount + amount), (month_count + 1, month_amount + amount)
    )
    if broken is not None:
        return broken
    if card_number is not None:
        failures = card_failures(sandbox, merchant_id, card_number, now)
        if failures >= limits.card_failures_24h:
            return CARD_FAILURES, MESSAGES[CARD_FAILURES]
    return None
