"""Counted orders per merchant, kind, currency and period, shared by replicas on one database
(rows of `order_totals`, migration 14): TrustPay's daily and monthly pay-in limits.

A change is one statement that adds to the row under its lock and returns the new total, so
the totals two replicas write at once add up and a limit checked on the returned total is
checked with every other pay-in of that period counted. A row that does not exist yet starts
from `first()`, the total the stored orders give (the caller's change included): the first
write of a period, or of a database from before migration 14. Amounts add as PostgreSQL
`NUMERIC` (exact); one process on SQLite keeps such totals in memory and never calls these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sandbox.store.database import Row, Store

Total = tuple[int, Decimal]  # orders counted, their amount


@dataclass(frozen=True)
class TotalKey:
    gateway: str
    merchant: str
    kind: str
    currency: str
    period: str  # "2026-03-12" (a UTC day) or "2026-03" (a month)

    def params(self) -> tuple[str, str, str, str, str]:
        return (self.gateway, self.merchant, self.kind, self.currency, self.period)


_WHERE = "gateway = ? AND merchant_id = ? AND kind = ? AND currency = ? AND period = ?"
_ADD = (
    "orders = order_totals.orders + ?, "
    "amount = CAST(CAST(order_totals.amount AS NUMERIC) + CAST(? AS NUMERIC) AS TEXT)"
)


def _total(row: Row) -> Total:
    return int(row["orders"]), Decimal(row["amount"])


def read_totals(
    store: Store, gateway: str, merchant: str, kind: str, currency: str, periods: Sequence[str]
) -> dict[str, Total]:
    """The stored totals of these periods (a period without a row is left out)."""
    marks = ", ".join("?" for _ in periods)
    rows = store.fetchall(
        "SELECT period, orders, amount FROM order_totals WHERE gateway = ? AND merchant_id = ? "
        f"AND kind = ? AND currency = ? AND period IN ({marks})",
        (gateway, merchant, kind, currency, *periods),
    )
    return {str(r["period"]): _total(r) for r in rows}


def add_to_total(
    store: Store, key: TotalKey, orders: int, amount: Decimal, first: Callable[[], Total]
) -> Total:
    """Add (`orders`, `amount`) to the total, negative to take away; returns the new total.
    Call inside the transaction that wrote the change: the row stays locked until it ends.
    A missing row starts from `first()`, which reads the change from the stored orders."""
    row = store.fetchone(
        f"UPDATE order_totals SET {_ADD} WHERE {_WHERE} RETURNING orders, amount",
        (orders, str(amount), *key.params()),
    )
    if row is None:  # a replica starting the row at the same time makes this an addition
        start_orders, start_amount = first()
        row = store.fetchone(
            "INSERT INTO order_totals (gateway, merchant_id, kind, currency, period, orders, "
            "amount) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (gateway, merchant_id, kind, currency, period) "
            f"DO UPDATE SET {_ADD} RETURNING orders, amount",
            (*key.params(), start_orders, str(start_amount), orders, str(amount)),
        )
    assert row is not None, "an upsert with RETURNING returns its row"
    return _total(row)
