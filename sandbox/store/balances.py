"""Merchant balances per account and currency, as Decimal text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sandbox.clock import format_instant
from sandbox.merchant_kinds import OpeningBalance
from sandbox.merchants import MerchantBook
from sandbox.store.database import Store


@dataclass(frozen=True)
class Balance:
    currency: str
    available: Decimal
    reserve: Decimal


def seed_opening_balances(
    store: Store,
    book: MerchantBook,
    now: datetime,
    *,
    overwrite: bool,
    only: tuple[str, str] | None = None,
) -> None:
    """Write every merchant's opening balances; `overwrite=False` keeps balances already stored."""
    conflict = (
        "DO UPDATE SET available = excluded.available, reserve = excluded.reserve, "
        "updated_at = excluded.updated_at"
        if overwrite
        else "DO NOTHING"
    )
    rows = []
    for kind, merchant in book.all():
        merchant_id = kind.merchant_id(merchant)
        if only is not None and (kind.gateway, merchant_id) != only:
            continue
        opening: OpeningBalance
        for opening in kind.opening_balances(merchant):
            rows.append(
                (
                    kind.gateway,
                    merchant_id,
                    opening.account,
                    opening.currency,
                    str(opening.available),
                    str(opening.reserve),
                    format_instant(now),
                )
            )
    with store.transaction():
        store.executemany(
            "INSERT INTO balances (gateway, merchant_id, account, currency, available, reserve, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            f"ON CONFLICT (gateway, merchant_id, account, currency) {conflict}",
            rows,
        )


def get_balance(
    store: Store, gateway: str, merchant_id: str, currency: str, account: str = "main"
) -> Balance | None:
    row = store.fetchone(
        "SELECT available, reserve FROM balances "
        "WHERE gateway = ? AND merchant_id = ? AND account = ? AND currency = ?",
        (gateway, merchant_id, account, currency),
    )
    if row is None:
        return None
    return Balance(currency, Decimal(row["available"]), Decimal(row["reserve"]))


def list_balances(
    store: Store, gateway: str, merchant_id: str, account: str = "main"
) -> list[Balance]:
    rows = store.fetchall(
        "SELECT currency, available, reserve FROM balances "
        "WHERE gateway = ? AND merchant_id = ? AND account = ? ORDER BY currency",
        (gateway, merchant_id, account),
    )
    return [Balance(r["currency"], Decimal(r["available"]), Decimal(r["reserve"])) for r in rows]


def adjust_balance(
    store: Store,
    gateway: str,
    merchant_id: str,
    currency: str,
    delta: Decimal,
    now: datetime,
    account: str = "main",
    reserve_delta: Decimal = Decimal("0"),
) -> Balance:
    """Add `delta` (negative to debit) to a balance, creating it at zero; returns the new one."""
    if store.shared:
        return _adjust_locked(
            store, (gateway, merchant_id, account, currency), delta, reserve_delta, now
        )
    with store.transaction():
        current = get_balance(store, gateway, merchant_id, currency, account)
        available = (current.available if current else Decimal("0.00")) + delta
        reserve = (current.reserve if current else Decimal("0.00")) + reserve_delta
        store.execute(
            "INSERT INTO balances (gateway, merchant_id, account, currency, available, reserve, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (gateway, merchant_id, account, currency) DO UPDATE SET "
            "available = excluded.available, reserve = excluded.reserve, "
            "updated_at = excluded.updated_at",
            (
                gateway,
                merchant_id,
                account,
                currency,
                str(available),
                str(reserve),
                format_instant(now),
            ),
        )
    return Balance(currency, available, reserve)


def _adjust_locked(
    store: Store,
    key: tuple[str, str, str, str],
    delta: Decimal,
    reserve_delta: Decimal,
    now: datetime,
) -> Balance:
    """The same, when other processes write balances too: the row is locked from the read to
    the write (`FOR UPDATE`), so concurrent adjustments add up instead of overwriting."""
    stamp = format_instant(now)
    where = "WHERE gateway = ? AND merchant_id = ? AND account = ? AND currency = ?"
    with store.transaction():
        store.execute(
            "INSERT INTO balances (gateway, merchant_id, account, currency, available, reserve, "
            "updated_at) VALUES (?, ?, ?, ?, '0.00', '0.00', ?) "
            "ON CONFLICT (gateway, merchant_id, account, currency) DO NOTHING",
            (*key, stamp),
        )
        row = store.fetchone(f"SELECT available, reserve FROM balances {where} FOR UPDATE", key)
        assert row is not None  # inserted just above if it was missing
        available = Decimal(row["available"]) + delta
        reserve = Decimal(row["reserve"]) + reserve_delta
        store.execute(
            f"UPDATE balances SET available = ?, reserve = ?, updated_at = ? {where}",
            (str(available), str(reserve), stamp, *key),
        )
    return Balance(key[3], available, reserve)
