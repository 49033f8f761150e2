"""Pending timers (the `timers` table): scheduled order transitions that survive a restart.

The table is read in due order, a batch at a time, through the `(due_at, seq)` index: only the
next batch ever has to be in memory however many timers are pending.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.clock import format_instant, parse_instant
from sandbox.store.database import Row, Store
from sandbox.store.leases import claim_timers


@dataclass(frozen=True)
class Due:
    """A stored timer, as handed to its action when it falls due."""

    seq: int
    gateway: str
    merchant: str
    action: str
    subject: str
    due_at: datetime
    args: dict[str, Any]

    @property
    def key(self) -> tuple[datetime, int]:
        """The position in due order (ties by scheduling order)."""
        return self.due_at, self.seq


def insert_timer(
    store: Store,
    gateway: str,
    merchant: str,
    action: str,
    subject: str,
    due: datetime,
    args: dict[str, Any],
) -> Due:
    seq = store.insert(
        "INSERT INTO timers (gateway, merchant_id, action, subject, due_at, args) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (gateway, merchant, action, subject, format_instant(due), json.dumps(args)),
    )
    return Due(seq, gateway, merchant, action, subject, due, args)


def delete_timers(store: Store, action: str, subject: str) -> list[int]:
    """Delete every `action` timer for `subject`; returns their seqs."""
    rows = store.fetchall(
        "SELECT seq FROM timers WHERE action = ? AND subject = ?", (action, subject)
    )
    if rows:
        store.execute("DELETE FROM timers WHERE action = ? AND subject = ?", (action, subject))
    return [int(r["seq"]) for r in rows]


def take_timer(store: Store, seq: int) -> bool:
    """Delete the timer `seq`; False when it was already gone (cancelled, reset)."""
    return store.execute("DELETE FROM timers WHERE seq = ?", (seq,)) > 0


def timers_for(store: Store, subject: str | None = None) -> list[Due]:
    """Every pending timer (of `subject`), in due order."""
    if subject is None:
        rows = store.fetchall("SELECT * FROM timers ORDER BY due_at, seq")
    else:
        rows = store.fetchall(
            "SELECT * FROM timers WHERE subject = ? ORDER BY due_at, seq", (subject,)
        )
    return [_due(r) for r in rows]


def next_due(store: Store, after: tuple[datetime, int] | None, limit: int) -> list[Due]:
    """Up to `limit` timers in due order, starting after position `after` (from the first)."""
    if after is None:
        rows = store.fetchall("SELECT * FROM timers ORDER BY due_at, seq LIMIT ?", (limit,))
    else:
        rows = store.fetchall(
            "SELECT * FROM timers WHERE (due_at, seq) > (?, ?) ORDER BY due_at, seq LIMIT ?",
            (format_instant(after[0]), after[1], limit),
        )
    return [_due(r) for r in rows]


def claim_due(store: Store, owner: str, now: datetime, lease_s: float, limit: int) -> list[Due]:
    """Lease due timers for this replica (see `leases`)."""
    return [_due(r) for r in claim_timers(store, owner, format_instant(now), lease_s, limit)]


def _due(row: Row) -> Due:
    return Due(
        seq=int(row["seq"]),
        gateway=row["gateway"],
        merchant=row["merchant_id"],
        action=row["action"],
        subject=row["subject"],
        due_at=parse_instant(row["due_at"]),
        args=json.loads(row["args"]),
    )
