"""Orders of every gateway in one table (DESIGN §6): the shared columns plus a JSON `data` column.

A gateway keeps its own status values (TrustPay `5`, EzPay `SUCCESS`, GoldenPay `60`) as text
and its other fields in `data`; amounts are Decimal text in the units the gateway's API uses.
Every lookup is scoped by gateway and merchant, so one merchant never sees another's orders.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.clock import format_instant, parse_instant
from sandbox.store import Store


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


def new_order(
    gateway: str,
    merchant: str,
    kind: str,
    *,
    platform_id: str,
    merchant_order_id: str,
    amount: Decimal,
    currency: str,
    status: str,
    now: datetime,
    data: dict[str, Any] | None = None,
    parent_id: str | None = None,
    plan: dict[str, Any] | None = None,
) -> Order:
    """A new order, created and last updated `now`, not stored yet (`insert_order` stores it).

    `plan` is the journal summary of the scenario plan that created it (`Plan.to_json()`).
    """
    return Order(
        gateway=gateway,
        merchant=merchant,
        kind=kind,
        platform_id=platform_id,
        merchant_order_id=merchant_order_id,
        amount=amount,
        currency=currency,
        status=status,
        created_at=now,
        updated_at=now,
        data={} if data is None else data,
        parent_id=parent_id,
        plan=plan,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_instant(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dump_json(value: Any) -> str:
    """Compact JSON for store columns; Decimal as text, instants as ISO 8601."""
    return json.dumps(value, separators=(",", ":"), default=_json_default, ensure_ascii=False)


def insert_order(store: Store, order: Order) -> Order:
    cursor = store.execute(
        "INSERT INTO orders (gateway, merchant_id, kind, platform_id, merchant_order_id, "
        "parent_id, amount, currency, status, plan, created_at, updated_at, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
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
        ),
    )
    order.seq = cursor.lastrowid
    return order


def save_order(store: Store, order: Order) -> None:
    """Write back the mutable parts: amount, status, updated_at and data."""
    store.execute(
        "UPDATE orders SET amount = ?, status = ?, updated_at = ?, data = ? "
        "WHERE gateway = ? AND platform_id = ?",
        (
            str(order.amount),
            order.status,
            format_instant(order.updated_at),
            dump_json(order.data),
            order.gateway,
            order.platform_id,
        ),
    )


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
    _kind_clause(kind, clauses, params)
    row = store.fetchone(
        f"SELECT * FROM orders WHERE {' AND '.join(clauses)} ORDER BY seq DESC LIMIT 1", params
    )
    return None if row is None else order_from_row(row)


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


def _kind_clause(kind: str | Iterable[str] | None, clauses: list[str], params: list[Any]) -> None:
    if kind is None:
        return
    kinds = [kind] if isinstance(kind, str) else list(kind)
    clauses.append(f"kind IN ({', '.join('?' for _ in kinds)})")
    params.extend(kinds)


def order_from_row(row: sqlite3.Row) -> Order:
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
    )
