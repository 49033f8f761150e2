"""GoldenPay facts every module needs: statuses, currencies and channels, amounts, times, ids."""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from sandbox.gateways.goldenpay.merchant import GoldenPayMerchant
from sandbox.gateways.orders import platform_ids_between
from sandbox.store import Store
from sandbox.store.sequences import forget_counters, take_next

if TYPE_CHECKING:
    from sandbox.runtime import Sandbox

GATEWAY = "goldenpay"
_SEQUENCES = "goldenpay."  # shared counters' names: "goldenpay.C20260504"

# Order kinds in the shared orders table.
COLLECT = "collect"
PAYOUT = "payout"

#
PROCESSING = "20"
SUCCESS = "60"
CANCELED = "50"  # payouts
FAILED = "30"  # collect orders
FINAL = frozenset({SUCCESS, CANCELED, FAILED})

# neutral outcome → status, per order kind.
COLLECT_STATUS = {
    "success": SUCCESS,
    "failed": FAILED,
    "expired": FAILED,
    "canceled": FAILED,
    "pending": PROCESSING,
}
PAYOUT_STATUS = {
    "success": SUCCESS,
    "failed": CANCELED,
    "expired": CANCELED,
    "canceled": CANCELED,
    "pending": PROCESSING,
}

COLLECT_EXPIRY = timedelta(minutes=30)
PAYOUT_COMPLETION = timedelta(seconds=5)
COLLECT_MAX = Decimal("50000000000")

# which currencies each channel accepts (`mock`: all of them).
CURRENCIES = ("PHP", "THB", "VND", "USDT")
CHANNEL_CURRENCIES: dict[str, frozenset[str]] = {
    "mock": frozenset(CURRENCIES),
    "bank": frozenset({"VND", "THB"}),
    "momo": frozenset({"VND"}),
    "zalo": frozenset({"VND"}),
    "scratch": frozenset({"VND"}),
    "viettel": frozenset({"VND"}),
    "truemoney": frozenset({"THB"}),
    "gcash": frozenset({"PHP"}),
    "grab": frozenset({"PHP"}),
    "maya": frozenset({"PHP"}),
    "phqr": frozenset({"PHP"}),
    "usdt.trc20": frozenset({"USDT"}),
}


_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


def amount_format_ok(text: str, currency: str) -> bool:
    """PHP/THB/USDT up to 2 decimals, VND whole numbers (ASCII digits only)."""
    return (_WHOLE if currency == "VND" else _DECIMAL).fullmatch(text) is not None


def places(currency: str) -> int:
    """Decimal places of amounts in `currency` (spec.5: VND whole numbers)."""
    return 0 if currency == "VND" else 2


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-places(currency))


def amount_text(amount: Decimal, currency: str) -> str:
    """The canonical text of responses and callbacks: `"100.00"`, VND `"500000"`."""
    return f"{amount.quantize(quantum(currency), rounding=ROUND_HALF_UP):f}"


def fee(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """`amount * rate`, half-up to the currency's precision."""
    return (amount * rate).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def zone(merchant: GoldenPayMerchant) -> timezone:
    return _zone(merchant.time_zone)


@functools.cache
def _zone(offset: str) -> timezone:
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset[1:].split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def time_text(moment: datetime, merchant: GoldenPayMerchant) -> str:
    """`YYYY-MM-DD HH:MM:SS` in the merchant's time zone."""
    return moment.astimezone(zone(merchant)).strftime("%Y-%m-%d %H:%M:%S")


def next_order_id(sandbox: Sandbox, prefix: str, now: datetime, merchant: GoldenPayMerchant) -> str:
    """`C`/`P` + `yyyymmdd` + a 4-digit daily sequence shared by every merchant, continuing from
    the highest id stored that day and widening past 9999."""
    day = prefix + now.astimezone(zone(merchant)).strftime("%Y%m%d")
    store = sandbox.store
    if store.shared:  # replicas on one database: the counter is a row they all take from
        number = take_next(store, _SEQUENCES + day, lambda: _highest_stored(store, day) + 1)
        return f"{day}{number:04d}"
    # The last sequence handed out per prefix and day (`C20260504`); a reset forgets them.
    sequences: dict[str, int] = sandbox.state("goldenpay.sequences", dict)
    last = sequences.get(day)
    if last is None:
        last = _highest_stored(sandbox.store, day)
    sequences[day] = last + 1
    return f"{day}{last + 1:04d}"


def forget_sequences(sandbox: Sandbox) -> None:
    sandbox.gateway_state.pop("goldenpay.sequences", None)
    if sandbox.store.shared:
        forget_counters(sandbox.store, _SEQUENCES)


def _highest_stored(store: Store, day: str) -> int:
    ids = platform_ids_between(store, GATEWAY, day, day + ":")  # ":" sorts right after digits
    tails = (platform_id[len(day) :] for platform_id in ids)
    return max((int(tail) for tail in tails if tail.isdigit()), default=0)
