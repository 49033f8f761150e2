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
_WRITE_ATTEMPTS = (
    f"INSERT OR REPLACE INTO callback_attempts ({', '.join(ATTEMPT_COLUMNS)}) "
    f"SELECT {', '.join('?' for _ in ATTEMPT_COLUMNS)} "
    "WHERE EXISTS (SELECT 1 FROM callbacks WHERE seq = ?)"
)


def write_attempts(store: Store, rows: Sequence[Sequence[Any]]) -> None:
    """Store attempts (values in `ATTEMPT_COLUMNS` order) on a database of one process (replicas
    use `write_shared`); an attempt whose message is gone (reset, trimming) is dropped with it."""
    store.executemany(_WRITE_ATTEMPTS, [(*row, row[0]) for row in rows])


def update_states(store: Store, rows: Sequence[Sequence[Any]]) -> None:
    """(state, due_at, finished_at, failures, attempts, seq) per message, on a database of one
    process (replicas use `write_shared`)."""
    store.executemany(
        "UPDATE callbacks SET state = ?, due_at = ?, finished_at = ?, failures = ?, "
        "attempts = ?, lease_owner = NULL, lease_until = NULL WHERE seq = ?",
        rows,
    )


# Replicas on one database (PostgreSQL only): an attempt takes the next free number of its
# message, so a late attempt of a replica whose lease expired lands beside the taker's attempts
# rather than over one of them.
_APPEND_ATTEMPT = (
    f"INSERT INTO callback_attempts ({', '.join(ATTEMPT_COLUMNS)}) "
    "SELECT CAST(? AS BIGINT), COALESCE(MAX(number), 0) + 1, "
    + ", ".join(f"CAST(? AS {kind})" for kind in _ATTEMPT_TYPES[2:])
    + " FROM callback_attempts WHERE seq = ? "
    "HAVING EXISTS (SELECT 1 FROM callbacks WHERE seq = ?)"
)
# The state changes only while the lease it was attempted under (None: no lease) still holds.
_UPDATE_HELD_STATE = (
    "UPDATE callbacks SET state = ?, due_at = ?, finished_at = ?, failures = ?, "
    "lease_owner = NULL, lease_until = NULL "
    "WHERE seq = ? AND lease_owner IS NOT DISTINCT FROM CAST(? AS TEXT)"
)


def write_shared(
    store: Store, attempts: Sequence[Sequence[Any]], updates: Sequence[Sequence[Any]]
) -> None:
    """On a database replicas share, in the caller's transaction: attempts (`ATTEMPT_COLUMNS`
    order; the number is replaced by the message's next free one) and message states
    (state, due_at, finished_at, failures, attempts, seq, lease) where `lease` still holds the
    message; a state whose lease was lost is dropped. Each message's `attempts` becomes the
    count of its stored attempts."""
    seqs = sorted({row[0] for row in attempts} | {row[5] for row in updates})
    if not seqs:
        return
    # Row locks first, in one order: the next free number is read after any other writer of
    # the same message committed.
    store.fetchall("SELECT seq FROM callbacks WHERE seq = ANY(?) ORDER BY seq FOR UPDATE", (seqs,))
    store.executemany(_APPEND_ATTEMPT, [(row[0], *row[2:], row[0], row[0]) for row in attempts])
    store.executemany(_UPDATE_HELD_STATE, [(*row[:4], row[5], row[6]) for row in updates])
    store.execute(
        "UPDATE callbacks SET attempts = (SELECT COALESCE(MAX(number), 0) "
        "FROM callback_attempts WHERE callback_attempts.seq = callbacks.seq) "
        "WHERE seq = ANY(?)",
        (seqs,),
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
