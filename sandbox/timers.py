"""Scheduled order transitions that survive a restart (expiry, settlement, payout completion...).

A gateway names its actions in its plug (`timer_actions={"trustpay.payin.settle": settle}`); a
sandbox's `Timers` runs those of the gateways it serves, and a gateway schedules one per order with
`Timers.schedule`. The row is the truth and lives in the store; the clock holds
jobs for the next due timers only, at most about `2 * batch` of them, plus one refill job at the
last loaded position (the horizon) that loads the next batch in due order. So a day's worth of
pending settlements costs rows, not memory. At start-up `restore()` loads the first batch: with
a file database a timer due while the sandbox was stopped runs at the first tick after restart.

Actions receive the `context` the timers were built with (the running sandbox) and the `Due`.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from sandbox.clock import Clock, Timer
from sandbox.store import Store
from sandbox.store.orders import OrderMovedOn
from sandbox.store.shared import WORK_CHANNEL, announce
from sandbox.store.timers import Due, delete_timers, insert_timer, next_due, take_timer, timers_for

__all__ = ["BATCH", "Due", "TimerAction", "Timers"]

log = logging.getLogger("sandbox.timers")

BATCH = 256

TimerAction = Callable[[Any, Due], Awaitable[None] | None]

Position = tuple[datetime, int]


class Timers:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        context: object,
        actions: Mapping[str, TimerAction],
        batch: int = BATCH,
    ) -> None:
        self.store = store
        self.clock = clock
        self.context = context
        # By name (`"<gateway>.<what>"`); names are stored with each timer, so they stay stable.
        self.actions = actions
        self.batch = batch
        # Invariant: every stored timer at or before `_horizon` has a clock job here, none after
        # it has; `_horizon is None` means every stored timer has one.
        self._armed: dict[int, tuple[Due, Timer]] = {}
        self._horizon: Position | None = None
        self._refill: Timer | None = None
        # Leased (replicas on one database): no window here; whichever replica claims a due row
        # runs it (`run_claimed`), and this one only announces new timers.
        self.leased = store.shared
        self.work_added: Callable[[], None] = lambda: None

    @property
    def in_memory(self) -> int:
        """How many timers have a clock job now (bounded by about twice the batch)."""
        return len(self._armed)

    def schedule(
        self,
        gateway: str,
        merchant: str,
        action: str,
        subject: str,
        due: datetime,
        args: dict[str, Any] | None = None,
    ) -> int:
        """Store one timer, joining the caller's transaction if one is open."""
        if action not in self.actions:
            raise ValueError(f"no timer action named {action!r} in this sandbox")
        stored = insert_timer(self.store, gateway, merchant, action, subject, due, args or {})
        if self.leased:
            announce(self.store, WORK_CHANNEL)
            self.work_added()
            return stored.seq
        if self._horizon is None or stored.key <= self._horizon:
            self._arm(stored)
            if len(self._armed) > 2 * self.batch:
                self._shrink()
        return stored.seq

    def cancel(self, action: str, subject: str) -> int:
        """Cancel every pending `action` for `subject` (e.g. an expiry once the payer paid)."""
        # A clock job of a cancelled timer finds no row and does nothing; it is left alone so a
        # cancel the caller's transaction rolls back still runs its timer.
        return len(delete_timers(self.store, action, subject))

    def pending(self, subject: str | None = None) -> list[Due]:
        return timers_for(self.store, subject)

    def restore(self) -> None:
        """Load the first batch from the store (start-up)."""
        self._reload()

    def after_reset(self, _scope: object = None) -> None:
        """Rows were deleted behind our back (reset): start again from the store."""
        self._reload()

    # -- the window ------------------------------------------------------------------------

    def _reload(self) -> None:
        for _, handle in self._armed.values():
            handle.cancel()
        self._armed.clear()
        if not self.leased:
            self._load(after=None)

    def _load(self, after: Position | None) -> None:
        batch = next_due(self.store, after, self.batch)
        for due in batch:
            self._arm(due)
        self._set_horizon(batch[-1].key if len(batch) == self.batch else None)

    def _shrink(self) -> None:
        """Keep the earliest `batch` jobs; the store keeps the rest until their turn."""
        ordered = sorted(self._armed.values(), key=lambda entry: entry[0].key)
        for due, handle in ordered[self.batch :]:
            handle.cancel()
            del self._armed[due.seq]
        self._set_horizon(ordered[self.batch - 1][0].key)

    def _set_horizon(self, horizon: Position | None) -> None:
        if self._refill is not None:
            self._refill.cancel()
            self._refill = None
        self._horizon = horizon
        if horizon is None:
            return

        async def refill() -> None:
            if self._horizon == horizon:
                self._refill = None
                self._load(after=horizon)

        self._refill = self.clock.call_at(horizon[0], refill)

    def _arm(self, due: Due) -> None:
        async def job() -> None:
            await self._run(due)

        self._armed[due.seq] = (due, self.clock.call_at(due.due_at, job))

    async def _run(self, due: Due) -> None:
        entry = self._armed.get(due.seq)
        if entry is None or entry[0] is not due:
            return  # cancelled, or its row was rolled back and the seq reused since
        del self._armed[due.seq]
        if not take_timer(self.store, due.seq):
            return
        await self._act(due)

    async def run_claimed(self, due: Due) -> None:
        """Run a due timer this replica leased; its row goes once the action has run (a replica
        stopped midway leaves it to be taken over when the lease expires)."""
        try:
            await self._act(due)
        finally:
            take_timer(self.store, due.seq)

    async def _act(self, due: Due) -> None:
        action = self.actions.get(due.action)
        if action is None:
            log.warning("timer %s: no action %r served here; dropped", due.seq, due.action)
            return
        try:
            result = action(self.context, due)
            if inspect.isawaitable(result):
                await result
        except OrderMovedOn as moved:
            # Another request or replica moved the order first; the action's writes rolled back.
            log.info("timer %s (%s): %s; nothing to do", due.seq, due.action, moved)
