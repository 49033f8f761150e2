"""Orders of every gateway in one table: the shared columns plus a JSON `data` column.

A gateway keeps its own status values (TrustPay `5`, EzPay `SUCCESS`, GoldenPay `60`) as text
and its other fields in `data`; amounts are Decimal text in the units the gateway's API uses.
Every lookup is scoped by gateway (and by merchant where the caller has one), so one merchant
never sees another's orders, and every lookup has an index (see `migrations.py`, version 5).

Look-ups by a field inside `data` name it with a path from `DATA_KEYS` only: each of those has
an expression index, so the lookup stays flat however many orders are stored. `_data_field` asks
`dialects.data_field_sql` for the expression, the one place each backend's JSON dialect is spelled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.clock import format_instant, parse_instant
from sandbox.store.database import Row, Store
from sandbox.store.dialects import data_field_sql, integer_type

# What is changing orders right now, for their state history: the HTTP request being served
# ("POST /v4/payin/create/order", set by the app), else a background job (a timer, a callback's
# outcome) run outside any request.
change_cause: ContextVar[str] = ContextVar("order_change_cause", default="background")


@dataclass
class Order:
    gateway: str
    merchant: str
    kind: str  # the gateway's order type: "payin", "payout", "refund", "static", ...
    platform_id: str
    merchant_order_id: str
    amount: Decimal
    currency: str
    status: str
    created_at: datetime
    updated_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    parent_id: str | None = None
    plan: dict[str, Any] | None = None
    seq: int | None = None  # set once stored
    # Where `merchant_order_id` must be unique for the merchant ("payin_payout", "refund"...);
    # None: the row takes no number (a card, an attempt). Migration 13's index enforces it.
    number_space: str | None = None
    # The status as last read or written: `save_order` records a history row when it changed.
    stored_status: str | None = field(default=None, compare=False, repr=False)


class DuplicateOrder(Exception):
    """The merchant's order number is already stored in that number space (another request,
    on this process or another replica, stored it since the caller's look-up). Nothing of the
    refused order was stored; the caller answers with its gateway's duplicate error."""

    def __init__(self, order: Order) -> None:
        super().__init__(
            f"{order.gateway} merchant {order.merchant}: order number "
            f"{order.merchant_order_id!r} is already used ({order.number_space})"
        )
        self.order = order


class OrderMovedOn(Exception):
    """The order's stored status is no longer the one the caller read (another request, on
    this process or another replica, changed it since): `save_order` wrote nothing. The caller
    lets its store transaction roll back and answers as for an order in its new status."""

    def __init__(self, order: Order) -> None:
        super().__init__(
            f"{order.gateway} order {order.platform_id} is no longer {order.stored_status!r}"
        )
        self.order = order


@dataclass(frozen=True)
class StatusChange:
    """One row of an order's state history."""

    at: datetime
    from_status: str | None
    to_status: str
    cause: str


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_instant(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dump_json(value: Any) -> str:
    """Compact JSON for store columns; Decimal as text, instants as ISO 8601."""
    return json.dumps(value, separators=(",", ":"), default=_json_default, ensure_ascii=False)


_INSERT_ORDER = (
    "INSERT INTO orders (gateway, merchant_id, kind, platform_id, merchant_order_id, "
    "parent_id, amount, currency, status, plan, created_at, updated_at, data, number_space) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# A number already taken in its space keeps the row out without an error: the transaction
# stays usable (PostgreSQL aborts one on a unique violation) and the caller rolls it back.
# The conflict target is migration 13's partial index, `orders_number`.
_INSERT_NEW_ORDER = (
    f"{_INSERT_ORDER} ON CONFLICT (gateway, merchant_id, number_space, merchant_order_id) "
    "WHERE number_space IS NOT NULL DO NOTHING"
)
_INSERT_HISTORY = (
    "INSERT INTO order_history (gateway, merchant_id, platform_id, at, from_status, "
    "to_status, cause) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _order_row(order: Order) -> tuple[Any, ...]:
    return (
        order.gateway,
        order.merchant,
        order.kind,
        order.platform_id,
        order.merchant_order_id,
        order.parent_id,
        str(order.amount),
        order.currency,
        order.status,
        None if order.plan is None else dump_json(order.plan),
        format_instant(order.created_at),
        format_instant(order.updated_at),
        dump_json(order.data),
        order.number_space,
    )


def _history_row(order: Order, before: str | None, cause: str) -> tuple[Any, ...]:
    at = format_instant(order.updated_at)
    return (order.gateway, order.merchant, order.platform_id, at, before, order.status, cause)


def insert_order(store: Store, order: Order) -> Order:
    """Store a new order; raises `DuplicateOrder` when its number is taken in its space."""
    seq = store.insert_unless_conflict(_INSERT_NEW_ORDER, _order_row(order))
    if seq is None:
        raise DuplicateOrder(order)
    order.seq = seq
    _record_status(store, order, None, f"created by {change_cause.get()}")
    if store.order_observer is not None:
        store.order_observer(order)
    return order


def insert_orders(store: Store, orders: Sequence[Order]) -> None:
    """Store many new orders in one statement each for the orders and their first status (a
    bulk load: no events are published, no `seq` is set on the objects; a number taken in its
    space fails the whole load with the driver's integrity error, not `DuplicateOrder`)."""
    store.executemany(_INSERT_ORDER, [_order_row(o) for o in orders])
    store.executemany(_INSERT_HISTORY, [_history_row(o, None, "created") for o in orders])
    for order in orders:
        order.stored_status = order.status


def order_event(order: Order) -> dict[str, Any]:
    """What a live view hears of an order (no `data`: it may hold card details)."""
    return {
        "gateway": order.gateway,
        "merchant": order.merchant,
        "order_id": order.platform_id,
        "merchant_order_id": order.merchant_order_id,
        "kind": order.kind,
        "status": order.status,
    }


def _record_status(store: Store, order: Order, before: str | None, cause: str) -> None:
    store.execute(_INSERT_HISTORY, _history_row(order, before, cause))
    order.stored_status = order.status


def status_history(store: Store, gateway: str, platform_id: str) -> list[StatusChange]:
    """The statuses the order took, oldest first."""
    rows = store.fetchall(
        "SELECT at, from_status, to_status, cause FROM order_history "
        "WHERE gateway = ? AND platform_id = ? ORDER BY seq",
        (gateway, platform_id),
    )
    return [
        StatusChange(parse_instant(r["at"]), r["from_status"], r["to_status"], r["cause"])
        for r in rows
    ]


def save_order(store: Store, order: Order, cause: str | None = None) -> None:
    """Write back the mutable parts: amount, status, updated_at and data; a status change is
    added to the order's history (`cause`: what made it; by default `change_cause`).

    The write lands only while the stored row still has the status it was read with, so the
    check a caller made on that status and this write are one step: when another request or
    replica moved the order since, nothing is written and `OrderMovedOn` is raised."""
    sql = (
        "UPDATE orders SET amount = ?, status = ?, updated_at = ?, data = ? "
        "WHERE gateway = ? AND platform_id = ?"
    )
    params: list[Any] = [
        str(order.amount),
        order.status,
        format_instant(order.updated_at),
        dump_json(order.data),
        order.gateway,
        order.platform_id,
    ]
    if order.stored_status is not None:
        sql += " AND status = ?"
        params.append(order.stored_status)
    if store.execute(sql, params) == 0 and order.stored_status is not None:
        raise OrderMovedOn(order)
    if order.status != order.stored_status:
        before = order.stored_status
        _record_status(store, order, before, change_cause.get() if cause is None else cause)
    if store.order_observer is not None:
        store.order_observer(order)


def find_order(
    store: Store,
    gateway: str,
    merchant: str,
    *,
    platform_id: str | None = None,
    merchant_order_id: str | None = None,
    kind: str | Iterable[str] | None = None,
) -> Order | None:
    """One merchant's order by platform id and/or merchant order id (newest when several)."""
    clauses = ["gateway = ?", "merchant_id = ?"]
    params: list[Any] = [gateway, merchant]
    if platform_id is not None:
        clauses.append("platform_id = ?")
        params.append(platform_id)
    if merchant_order_id is not None:
        clauses.append("merchant_order_id = ?")
        params.append(merchant_order_id)
    if platform_id is None and merchant_order_id is None:
        _kind_clause(kind, clauses, params)
        row = store.fetchone(
            f"SELECT * FROM orders WHERE {' AND '.join(clauses)} ORDER BY seq DESC LIMIT 1", params
        )
        return None if row is None else order_from_row(row)
    # The kind is matched here, not in SQL: with `kind = ?` in the WHERE clause SQLite's planner
    # prefers the (gateway, merchant_id, kind, seq) index, which walks every order of that kind
    # (the cost then grows with stored orders); the id columns' index finds the few rows at once.
    rows = store.fetchall(
        f"SELECT * FROM orders WHERE {' AND '.join(clauses)} ORDER BY seq DESC", params
    )
    kinds = None if kind is None else ({kind} if isinstance(kind, str) else set(kind))
    for row in rows:
        if kinds is None or row["kind"] in kinds:
            return order_from_row(row)
    return None


def get_order(store: Store, gateway: str, platform_id: str) -> Order | None:
    """By platform id alone (timers and hosted pages, which carry no merchant)."""
    row = store.fetchone(
        "SELECT * FROM orders WHERE gateway = ? AND platform_id = ?", (gateway, platform_id)
    )
    return None if row is None else order_from_row(row)


def child_orders(
    store: Store, gateway: str, parent_id: str, kind: str | None = None
) -> list[Order]:
    clauses = ["gateway = ?", "parent_id = ?"]
    params: list[Any] = [gateway, parent_id]
    _kind_clause(kind, clauses, params)
    rows = store.fetchall(
        f"SELECT * FROM orders WHERE {' AND '.join(clauses)} ORDER BY seq", params
    )
    return [order_from_row(r) for r in rows]


@dataclass(frozen=True)
class OrderFilter:
    gateway: str | None = None
    merchant: str | None = None
    order: str | None = None  # platform id or merchant order id
    status: str | None = None
    kind: str | Iterable[str] | None = None
    since: datetime | None = None  # created at or after (sandbox time)
    until: datetime | None = None  # created before


def list_orders(
    store: Store, where: OrderFilter, limit: int = 50, offset: int = 0, newest_first: bool = True
) -> tuple[list[Order], int]:
    """A page of orders and the total matching."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("gateway", where.gateway),
        ("merchant_id", where.merchant),
        ("status", where.status),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if where.order is not None:
        clauses.append("(platform_id = ? OR merchant_order_id = ?)")
        params.extend([where.order, where.order])
    if where.since is not None:
        clauses.append("created_at >= ?")
        params.append(format_instant(where.since))
    if where.until is not None:
        clauses.append("created_at < ?")
        params.append(format_instant(where.until))
    _kind_clause(where.kind, clauses, params)
    text = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    total = store.fetchone(f"SELECT COUNT(*) AS n FROM orders{text}", params)
    order = "DESC" if newest_first else "ASC"
    rows = store.fetchall(
        f"SELECT * FROM orders{text} ORDER BY seq {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [order_from_row(r) for r in rows], int(total["n"]) if total else 0


# Fields inside `data` that look-ups may name; migration 5 indexes each one.
DATA_KEYS = frozenset({"card.fingerprint", "card_number", "family", "idempotencyId", "payData"})


def _data_field(store: Store, path: str) -> str:
    if path not in DATA_KEYS:
        raise ValueError(f"data.{path} has no index; add it to DATA_KEYS and a migration")
    return data_field_sql(store.dialect, path)


@dataclass(frozen=True)
class OrderHead:
    """The shared columns of an order without its `data` (cheap to read many of)."""

    platform_id: str
    kind: str
    status: str
    amount: Decimal
    currency: str
    created_at: datetime
    updated_at: datetime


def _head(row: Row) -> OrderHead:
    return OrderHead(
        platform_id=row["platform_id"],
        kind=row["kind"],
        status=row["status"],
        amount=Decimal(row["amount"]),
        currency=row["currency"],
        created_at=parse_instant(row["created_at"]),
        updated_at=parse_instant(row["updated_at"]),
    )


_HEAD_COLUMNS = "platform_id, kind, status, amount, currency, created_at, updated_at"


def data_taken(
    store: Store,
    gateway: str,
    path: str,
    value: str,
    *,
    merchant: str | None = None,
    kind: str | None = None,
    statuses: Sequence[str] = (),
) -> bool:
    """Does an order hold `value` at `data.<path>` (of this merchant, kind, statuses)?"""
    clauses = [f"{_data_field(store, path)} = ?", "gateway = ?"]
    params: list[Any] = [value, gateway]
    if merchant is not None:
        clauses.append("merchant_id = ?")
        params.append(merchant)
    _kind_clause(kind, clauses, params)
    if statuses:
        clauses.append(f"status IN ({', '.join('?' for _ in statuses)})")
        params.extend(statuses)
    row = store.fetchone(f"SELECT 1 AS found FROM orders WHERE {' AND '.join(clauses)}", params)
    return row is not None


def heads_with_data(
    store: Store,
    gateway: str,
    merchant: str,
    path: str,
    value: str,
    *,
    updated_since: datetime | None = None,
) -> list[OrderHead]:
    """The merchant's orders holding `value` at `data.<path>` (e.g. one card's pay-ins)."""
    clauses = [f"{_data_field(store, path)} = ?", "gateway = ?", "merchant_id = ?"]
    params: list[Any] = [value, gateway, merchant]
    if updated_since is not None:
        clauses.append("updated_at >= ?")
        params.append(format_instant(updated_since))
    rows = store.fetchall(
        f"SELECT {_HEAD_COLUMNS} FROM orders WHERE {' AND '.join(clauses)}", params
    )
    return [_head(r) for r in rows]


def count_with_data(
    store: Store,
    gateway: str,
    merchant: str,
    path: str,
    value: str,
    *,
    updated_since: datetime,
    kinds: Sequence[tuple[str, str | None]],
) -> int:
    """How many of the merchant's orders hold `value` at `data.<path>`, updated since then,
    of these (kind, status) pairs (status None: any)."""
    # One count per (kind, status): each is a range of one index, so only the matching rows are
    # read (an OR of the pairs would read every row holding the value).
    total = 0
    since = format_instant(updated_since)
    for kind, status in kinds:
        clauses = f"{_data_field(store, path)} = ? AND gateway = ? AND merchant_id = ? AND kind = ?"
        params: list[Any] = [value, gateway, merchant, kind]
        if status is not None:
            clauses += " AND status = ?"
            params.append(status)
        row = store.fetchone(
            f"SELECT COUNT(*) AS n FROM orders WHERE {clauses} AND updated_at >= ?",
            [*params, since],
        )
        total += int(row["n"]) if row else 0
    return total


def heads_created_between(
    store: Store,
    gateway: str,
    merchant: str,
    kinds: Sequence[str],
    since: datetime,
    until: datetime,
    *,
    currency: str | None = None,
) -> list[OrderHead]:
    """The merchant's orders of `kinds` created in [since, until) (daily and monthly limits)."""
    clauses = ["gateway = ?", "merchant_id = ?", "created_at >= ?", "created_at < ?"]
    params: list[Any] = [gateway, merchant, format_instant(since), format_instant(until)]
    _kind_clause(kinds, clauses, params)
    if currency is not None:
        clauses.append("currency = ?")
        params.append(currency)
    rows = store.fetchall(
        f"SELECT {_HEAD_COLUMNS} FROM orders WHERE {' AND '.join(clauses)}", params
    )
    return [_head(r) for r in rows]


def page_of_orders(
    store: Store,
    gateway: str,
    merchant: str,
    kind: str,
    limit: int,
    offset: int = 0,
    *,
    parent_id: str | None = None,
    data_equals: tuple[str, str] | None = None,
) -> tuple[list[Order], int]:
    """One page of a merchant's orders of `kind`, newest first, and the total matching."""
    clauses = ["gateway = ?", "merchant_id = ?", "kind = ?"]
    params: list[Any] = [gateway, merchant, kind]
    if parent_id is not None:
        clauses.append("parent_id = ?")
        params.append(parent_id)
    if data_equals is not None:
        clauses.append(f"{_data_field(store, data_equals[0])} = ?")
        params.append(data_equals[1])
    where = " AND ".join(clauses)
    total = store.fetchone(f"SELECT COUNT(*) AS n FROM orders WHERE {where}", params)
    rows = store.fetchall(
        f"SELECT * FROM orders WHERE {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [order_from_row(r) for r in rows], int(total["n"]) if total else 0


def platform_ids_between(store: Store, gateway: str, low: str, high: str) -> list[str]:
    """The gateway's platform ids in [low, high) as text (ids with a date prefix)."""
    rows = store.fetchall(
        "SELECT platform_id FROM orders WHERE gateway = ? AND platform_id >= ? AND platform_id < ?",
        (gateway, low, high),
    )
    return [str(r["platform_id"]) for r in rows]


def highest_numeric_id(store: Store, gateway: str, kind: str) -> int:
    """The largest platform id of `kind` read as a whole number (0 when none)."""
    row = store.fetchone(
        f"SELECT MAX(CAST(platform_id AS {integer_type(store.dialect)})) AS n FROM orders "
        "WHERE gateway = ? AND kind = ?",
        (gateway, kind),
    )
    return int(row["n"] or 0) if row is not None else 0


def count_merchant_order_prefix(store: Store, gateway: str, merchant: str, prefix: str) -> int:
    """How many of the merchant's orders have a merchant order id starting with `prefix`."""
    row = store.fetchone(
        "SELECT COUNT(*) AS n FROM orders WHERE gateway = ? AND merchant_id = ? "
        "AND merchant_order_id >= ? AND merchant_order_id < ?",
        (gateway, merchant, prefix, prefix + "\U0010ffff"),
    )
    return int(row["n"]) if row else 0


def _kind_clause(kind: str | Iterable[str] | None, clauses: list[str], params: list[Any]) -> None:
    if kind is None:
        return
    kinds = [kind] if isinstance(kind, str) else list(kind)
    clauses.append(f"kind IN ({', '.join('?' for _ in kinds)})")
    params.extend(kinds)


def order_from_row(row: Row) -> Order:
    return Order(
        gateway=row["gateway"],
        merchant=row["merchant_id"],
        kind=row["kind"],
        platform_id=row["platform_id"],
        merchant_order_id=row["merchant_order_id"],
        amount=Decimal(row["amount"]),
        currency=row["currency"],
        status=row["status"],
        created_at=parse_instant(row["created_at"]),
        updated_at=parse_instant(row["updated_at"]),
        data=json.loads(row["data"]),
        parent_id=row["parent_id"],
        plan=None if row["plan"] is None else json.loads(row["plan"]),
        seq=row["seq"],
        stored_status=row["status"],
        number_space=row["number_space"],
    )
