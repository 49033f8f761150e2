"""Scheduled order transitions that survive a restart (expiry, settlement, payout completion...).

A gateway registers an action once (`register_action("trustpay.settle", settle)`) and schedules
it per order with `Timers.schedule`; the row lives in the store and the job on the sandbox clock.
With a file database, `restore()` at start-up puts every stored timer back on the clock, so an
order due to expire while the sandbox was stopped expires at the first tick after the restart.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sandbox.clock import Clock, Timer, format_instant, parse_instant
from sandbox.store import Store

if TYPE_CHECKING:
    from sandbox.runtime import ResetScope, Sandbox

log = logging.getLogger("sandbox.timers")


@dataclass(frozen=True)
class Due:
    """A stored timer that fell due, as handed to its action."""

    seq: int
    gateway: str
    merchant: str
    action: str
    subject: str
    due_at: datetime
    args: dict[str, Any]


TimerAction = Callable[["Sandbox", Due], Awaitable[None] | None]
_ACTIONS: dict[str, TimerAction] = {}


def register_action(name: str, action: TimerAction) -> None:
    """Name an action (`"<gateway>.<what>"`); names are stored, so keep them stable."""
    _ACTIONS[name] = action


class Timers:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.sandbox: Sandbox | None = None  # set by the runtime; actions receive it
        self._handles: dict[int, Timer] = {}

    def schedule(
        self,
        gateway: str,
        merchant: str,
        action: str,
        subject: str,
        due: datetime,
        args: dict[str, Any] | None = None,
    ) -> int:
        """Store and schedule one job; joins the caller's transaction if one is open."""
        if action not in _ACTIONS:
            raise ValueError(f"no timer action registered as {action!r}")
        arguments = args or {}
        cursor = self.store.execute(
            "INSERT INTO timers (gateway, merchant_id, action, subject, due_at, args) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (gateway, merchant, action, subject, format_instant(due), json.dumps(arguments)),
        )
        seq = int(cursor.lastrowid or 0)
        self._arm(Due(seq, gateway, merchant, action, subject, due, arguments))
        return seq

    def cancel(self, action: str, subject: str) -> int:
        """Cancel every pending `action` for `subject` (e.g. an expiry once the payer paid)."""
        rows = self.store.fetchall(
            "SELECT seq FROM timers WHERE action = ? AND subject = ?", (action, subject)
        )
        for row in rows:
            handle = self._handles.pop(int(row["seq"]), None)
            if handle is not None:
                handle.cancel()
        self.store.execute("DELETE FROM timers WHERE action = ? AND subject = ?", (action, subject))
        return len(rows)

    def pending(self, subject: str | None = None) -> list[Due]:
        sql = "SELECT * FROM timers"
        params: tuple[Any, ...] = ()
        if subject is not None:
            sql += " WHERE subject = ?"
            params = (subject,)
        return [_due(row) for row in self.store.fetchall(sql + " ORDER BY due_at, seq", params)]

    def restore(self) -> None:
        """Put every stored timer back on the clock (start-up)."""
        for due in self.pending():
            if due.seq not in self._handles:
                self._arm(due)

    def after_reset(self, scope: ResetScope) -> None:
        """The rows are gone (reset empties `timers`); drop the clock jobs of the ones that were."""
        alive = {int(r["seq"]) for r in self.store.fetchall("SELECT seq FROM timers")}
        for seq in list(self._handles):
            if seq not in alive:
                self._handles.pop(seq).cancel()

    def _arm(self, due: Due) -> None:
        async def job() -> None:
            await self._run(due)

        self._handles[due.seq] = self.clock.call_at(due.due_at, job)

    async def _run(self, due: Due) -> None:
        self._handles.pop(due.seq, None)
        still_there = self.store.fetchone("SELECT seq FROM timers WHERE seq = ?", (due.seq,))
        if still_there is None:
            return
        self.store.execute("DELETE FROM timers WHERE seq = ?", (due.seq,))
        action = _ACTIONS.get(due.action)
        if action is None or self.sandbox is None:
            log.warning("timer %s: no action %r registered; dropped", due.seq, due.action)
            return
        result = action(self.sandbox, due)
        if inspect.isawaitable(result):
            await result


def _due(row: Any) -> Due:
    return Due(
        seq=int(row["seq"]),
        gateway=row["gateway"],
        merchant=row["merchant_id"],
        action=row["action"],
        subject=row["subject"],
        due_at=parse_instant(row["due_at"]),
        args=json.loads(row["args"]),
    )
