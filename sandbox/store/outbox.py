"""Callback messages and their delivery attempts (the `callbacks` and `callback_attempts` tables).

Rows go in and come out as plain values in `CALLBACK_COLUMNS` order; the delivery engine turns
them into its messages. Every list is filtered through `MessageFilter` and ordered by `seq`, and
each filter combination the admin API offers has an index (migration 5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.store.database import Row, Store

CALLBACK_COLUMNS = (
    "gateway",
    "merchant_id",
    "order_id",
    "merchant_order_id",
    "event",
    "url",
    "original_url",
    "body",
    "headers",
    "ack",
    "policy",
    "tag",
    "state",
    "created_at",
    "due_at",
    "finished_at",
    "copy",
    "copies",
    "redelivery_of",
    "redeliver_after",
    "failures",
    "attempts",
)
ATTEMPT_COLUMNS = (
    "seq",
    "number",
    "due_at",
    "started_at",
    "finished_at",
    "latency_ms",
    "status",
    "response",
    "response_truncated",
    "error",
    "error_detail",
    "acked",
    "resend",
)
_COLUMNS = ", ".join(CALLBACK_COLUMNS)
_MARKS = ", ".join("?" for _ in CALLBACK_COLUMNS)


@dataclass(frozen=True)
class MessageFilter:
    gateway: str | None = None
    merchant: str | None = None
    order: str | None = None  # the order's platform id or the merchant's order id
    states: tuple[str, ...] = ()
    event: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.gateway is not None:
            clauses.append("gateway = ?")
            params.append(self.gateway)
        if self.merchant is not None:
            clauses.append("merchant_id = ?")
            params.append(self.merchant)
        if self.order is not None:
            clauses.append("(order_id = ? OR merchant_order_id = ?)")
            params += [self.order, self.order]
        if self.states:
            clauses.append(f"state IN ({', '.join('?' for _ in self.states)})")
            params += list(self.states)
        if self.event is not None:
            clauses.append("event = ?")
            params.append(self.event)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def insert_message(store: Store, values: Sequence[Any]) -> int:
    """Store one message (values in `CALLBACK_COLUMNS` order); returns its `seq`."""
    return store.insert(f"INSERT INTO callbacks ({_COLUMNS}) VALUES ({_MARKS})", values)


def insert_numbered_messages(store: Store, rows: Sequence[Sequence[Any]]) -> None:
    """Store messages whose `seq` the caller chose (each row: seq, then `CALLBACK_COLUMNS`)."""
    store.executemany(f"INSERT INTO callbacks (seq, {_COLUMNS}) VALUES (?, {_MARKS})", rows)


def last_message_seq(store: Store) -> int:
    """The highest `seq` ever given to a message (SQLite; deleted ones count: never reused)."""
    row = store.fetchone(
        "SELECT MAX(COALESCE((SELECT MAX(seq) FROM callbacks), 0), "
        "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'callbacks'), 0)) AS n"
    )
    return int(row["n"]) if row else 0


# PostgreSQL types of the attempt columns: values in a SELECT list need them spelled out.
_ATTEMPT_TYPES = (
    "BIGINT",
    "BIGINT",
    "TEXT",
    "TEXT",
    "TEXT",
    "DOUBLE PRECISION",
    "BIGINT",
    "BYTEA",
    "BIGINT",
    "TEXT",
    "TEXT",
    "BIGINT",
    "BIGINT",
)
_SQLITE_WRITE_ATTEMPTS = (
    f"INSERT OR REPLACE INTO callback_attempts ({', '.join(ATTEMPT_COLUMNS)}) "
    f"SELECT {', '.join('?' for _ in ATTEMPT_COLUMNS)} "
    "WHERE EXISTS (SELECT 1 FROM callbacks WHERE seq = ?)"
)
_POSTGRES_WRITE_ATTEMPTS = (
    f"INSERT INTO callback_attempts ({', '.join(ATTEMPT_COLUMNS)}) "
    f"SELECT {', '.join(f'CAST(? AS {kind})' for kind in _ATTEMPT_TYPES)} "
    "WHERE EXISTS (SELECT 1 FROM callbacks WHERE seq = ?) "
    "ON CONFLICT (seq, number) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in ATTEMPT_COLUMNS[2:])
)


def write_attempts(store: Store, rows: Sequence[Sequence[Any]]) -> None:
    """Store attempts (values in `ATTEMPT_COLUMNS` order); an attempt whose message is gone
    (reset, trimming) is dropped with it."""
    store.executemany(
        _POSTGRES_WRITE_ATTEMPTS if store.dialect == "postgresql" else _SQLITE_WRITE_ATTEMPTS,
        [(*row, row[0]) for row in rows],
    )


def update_states(store: Store, rows: Sequence[Sequence[Any]]) -> None:
    """(state, due_at, finished_at, failures, attempts, seq) per message; its lease ends."""
    store.executemany(
        "UPDATE callbacks SET state = ?, due_at = ?, finished_at = ?, failures = ?, "
        "attempts = ?, lease_owner = NULL, lease_until = NULL WHERE seq = ?",
        rows,
    )


def drop_oldest_finished(store: Store, count: int) -> int:
    """Delete the `count` oldest messages that are no longer pending (attempts go by cascade);
    how many were deleted."""
    return store.execute(
        "DELETE FROM callbacks WHERE seq IN (SELECT seq FROM callbacks "
        "WHERE state != 'pending' ORDER BY seq LIMIT ?)",
        (count,),
    )


def count_messages(store: Store) -> int:
    row = store.fetchone("SELECT COUNT(*) AS n FROM callbacks")
    return int(row["n"]) if row else 0


def message_row(store: Store, seq: int) -> Row | None:
    return store.fetchone(f"SELECT seq, {_COLUMNS} FROM callbacks WHERE seq = ?", (seq,))


def pending_rows(store: Store) -> list[Row]:
    return store.fetchall(
        f"SELECT seq, {_COLUMNS} FROM callbacks WHERE state = 'pending' ORDER BY seq"
    )


def pending_seqs(store: Store) -> set[int]:
    rows = store.fetchall("SELECT seq FROM callbacks WHERE state = 'pending'")
    return {int(r["seq"]) for r in rows}


def find_rows(
    store: Store, where: MessageFilter, limit: int, offset: int = 0, newest_first: bool = True
) -> tuple[list[Row], int]:
    """A page of messages matching `where` and the total matching."""
    clause, params = where.where()
    total = store.fetchone(f"SELECT COUNT(*) AS n FROM callbacks{clause}", params)
    order = "DESC" if newest_first else "ASC"
    rows = store.fetchall(
        f"SELECT seq, {_COLUMNS} FROM callbacks{clause} ORDER BY seq {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return rows, int(total["n"]) if total else 0


def attempt_rows(store: Store, seq: int | None) -> list[Row]:
    return store.fetchall("SELECT * FROM callback_attempts WHERE seq = ? ORDER BY number", (seq,))
