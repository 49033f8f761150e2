"""Leased work for replicas sharing one database: due callback messages and due timers.

A replica claims due rows with `FOR UPDATE SKIP LOCKED` (two replicas never claim the same row,
and neither waits for the other) and stamps them with its owner id and a lease expiry in database
time, so every replica reads one clock for leases whatever its own wall clock says. A finished
attempt clears the lease (`outbox.write_shared`), and only while that lease still holds the row:
a replica whose lease expired mid-attempt records its attempt but no longer sets the state. A
finished timer deletes its row. A replica that dies keeps its leases until they expire, then
any replica takes the work over: delivery is at least once, never lost.

SQLite has the same statements without the row locks (one process there never needs them).
"""

from __future__ import annotations

from sandbox.store.database import Row, Store
from sandbox.store.dialects import Dialect
from sandbox.store.outbox import CALLBACK_COLUMNS

# Seconds since the epoch, read from the database server (one clock for every replica).
_DB_NOW: dict[Dialect, str] = {
    "postgresql": "EXTRACT(EPOCH FROM clock_timestamp())",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}
_SKIP_LOCKED: dict[Dialect, str] = {"postgresql": " FOR UPDATE SKIP LOCKED", "sqlite": ""}
_RETURNED = ", ".join(f"callbacks.{column}" for column in CALLBACK_COLUMNS)


def database_time(store: Store) -> float:
    """The database server's wall time, in epoch seconds."""
    row = store.fetchone(f"SELECT {_DB_NOW[store.dialect]} AS now")
    return float(row["now"]) if row is not None else 0.0


def claim_messages(store: Store, owner: str, now: str, lease_s: float, limit: int) -> list[Row]:
    """Lease up to `limit` pending messages due by sandbox time `now` that nobody holds (or
    whose lease expired); rows carry the message columns, `seq` and `previous_owner` (the
    replica whose lease expired, or None)."""
    db_now = _DB_NOW[store.dialect]
    return store.fetchall(
        f"UPDATE callbacks SET lease_owner = ?, lease_until = {db_now} + ? "
        "FROM (SELECT seq AS due_seq, lease_owner AS previous_owner FROM callbacks "
        "WHERE state = 'pending' AND due_at <= ? "
        f"AND (lease_until IS NULL OR lease_until < {db_now}) "
        f"ORDER BY due_at, seq LIMIT ?{_SKIP_LOCKED[store.dialect]}) AS due "
        f"WHERE callbacks.seq = due.due_seq RETURNING callbacks.seq, {_RETURNED}, "
        "due.previous_owner",
        (owner, lease_s, now, limit),
    )


def holds_message(store: Store, seq: int, lease: str) -> bool:
    """Whether the message `seq` is still held under the lease named `lease`."""
    row = store.fetchone(
        "SELECT 1 AS held FROM callbacks WHERE seq = ? AND lease_owner = ?", (seq, lease)
    )
    return row is not None


def claim_timers(store: Store, owner: str, now: str, lease_s: float, limit: int) -> list[Row]:
    """Lease up to `limit` timers due by sandbox time `now` that nobody holds."""
    db_now = _DB_NOW[store.dialect]
    return store.fetchall(
        f"UPDATE timers SET lease_owner = ?, lease_until = {db_now} + ? "
        "FROM (SELECT seq AS due_seq FROM timers WHERE due_at <= ? "
        f"AND (lease_until IS NULL OR lease_until < {db_now}) "
        f"ORDER BY due_at, seq LIMIT ?{_SKIP_LOCKED[store.dialect]}) AS due "
        "WHERE timers.seq = due.due_seq RETURNING timers.seq, timers.gateway, "
        "timers.merchant_id, timers.action, timers.subject, timers.due_at, timers.args",
        (owner, lease_s, now, limit),
    )


def next_claimable(store: Store) -> str | None:
    """The earliest due time (sandbox time) of a message or timer nobody holds."""
    db_now = _DB_NOW[store.dialect]
    row = store.fetchone(
        "SELECT MIN(due) AS due FROM ("
        "SELECT MIN(due_at) AS due FROM callbacks WHERE state = 'pending' "
        f"AND (lease_until IS NULL OR lease_until < {db_now}) "
        "UNION ALL SELECT MIN(due_at) AS due FROM timers "
        f"WHERE lease_until IS NULL OR lease_until < {db_now}) AS next_due"
    )
    return None if row is None or row["due"] is None else str(row["due"])


def outstanding(store: Store, now: str) -> int:
    """Messages and timers due by sandbox time `now` that have not run yet (held or not)."""
    row = store.fetchone(
        "SELECT (SELECT COUNT(*) FROM callbacks WHERE state = 'pending' AND due_at <= ?) "
        "+ (SELECT COUNT(*) FROM timers WHERE due_at <= ?) AS n",
        (now, now),
    )
    return int(row["n"]) if row is not None else 0
