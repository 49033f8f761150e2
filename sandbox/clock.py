"""Sandbox time: the one clock every gateway timestamp and every scheduled action uses.

Modes:
- `real`: sandbox time runs at `scale` sandbox seconds per wall second (scale 60: a 60 s retry
  takes one real second);
- `manual`: sandbox time stands still until `advance()` moves it.

The clock also schedules: `call_at(when, job)` runs the coroutine function `job` once sandbox
time reaches `when`: right away if it already has, in every mode. `advance()` steps through every
due time on its way to the target, runs the jobs due at each step, and returns only when they
(and the jobs they started that fell due too) have finished, so a test can advance and then assert
with no sleeping.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

ClockMode = Literal["real", "manual"]
Job = Callable[[], Awaitable[None]]


class Agenda(Protocol):
    """Work scheduled outside this process (other replicas on one database) that `advance`
    steps through too: its earliest due time, and a wait until what is due has run."""

    def next_due(self) -> datetime | None: ...

    async def settle(self) -> None: ...


log = logging.getLogger("sandbox.clock")

COMPACT_EVERY = 1024  # jobs scheduled between two sweeps of the cancelled ones


def format_instant(moment: datetime) -> str:
    """RFC 3339 UTC, microseconds, fixed width (sorts as text): `2026-03-12T08:30:00.118207Z`."""
    # isoformat is several times faster than strftime; "+00:00" becomes "Z".
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_instant(text: str) -> datetime:
    """ISO 8601 with an offset (or `Z`); a value without one is taken as UTC."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(order=True)
class Timer:
    """A scheduled job; `cancel()` keeps it from running if it has not started."""

    due: datetime
    seq: int
    job: Job = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    def __init__(
        self,
        start: datetime,
        mode: ClockMode = "real",
        scale: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self._monotonic = monotonic
        self._mode: ClockMode = mode
        self._scale = scale
        self._anchor = start.astimezone(UTC)  # sandbox time at `_anchor_wall`
        self._anchor_wall = monotonic()
        self._timers: list[Timer] = []
        self._seq = itertools.count()
        self._running: set[asyncio.Task[None]] = set()
        self._wakeup: asyncio.Event | None = None
        self._advance_lock: asyncio.Lock | None = None
        self._listeners: list[Callable[[Clock], None]] = []
        self._agenda: Agenda | None = None

    # -- reading ---------------------------------------------------------------------------

    @property
    def mode(self) -> ClockMode:
        return self._mode

    @property
    def scale(self) -> float:
        return self._scale

    def now(self) -> datetime:
        if self._mode == "manual":
            return self._anchor
        elapsed = (self._monotonic() - self._anchor_wall) * self._scale
        return self._anchor + timedelta(seconds=elapsed)

    def wall_seconds_until(self, when: datetime) -> float | None:
        """Real seconds until sandbox time `when`; None in manual mode (only advances get there)."""
        if self._mode == "manual":
            return None
        return max(0.0, (when - self.now()).total_seconds() / self._scale)

    def snapshot(self) -> dict[str, Any]:
        return {"now": format_instant(self.now()), "mode": self._mode, "scale": self._scale}

    def on_change(self, listener: Callable[[Clock], None]) -> None:
        """Call `listener(clock)` after every mode change or jump (the store persists the clock)."""
        self._listeners.append(listener)

    def share(self, agenda: Agenda) -> None:
        """Step `advance` through `agenda` as well, and announce every step (replicas)."""
        self._agenda = agenda

    def adopt(self, mode: ClockMode, scale: float, now: datetime) -> None:
        """Take over a reading another replica published; sandbox time is shared, not moved."""
        self._mode = mode
        self._scale = scale
        self._reanchor(now.astimezone(UTC))
        if self._wakeup is not None:
            self._wakeup.set()

    # -- changing --------------------------------------------------------------------------

    def set_mode(self, mode: ClockMode | None = None, scale: float | None = None) -> None:
        """Switch mode and/or scale from this instant on; sandbox time does not jump."""
        if scale is not None and scale <= 0:
            raise ValueError("scale must be positive")
        self._reanchor(self.now())
        if mode is not None:
            self._mode = mode
        if scale is not None:
            self._scale = scale
        self._changed()

    def reset_to(self, moment: datetime) -> None:
        """Put the clock at `moment`, even backwards: only for a full reset of the sandbox."""
        self._reanchor(moment.astimezone(UTC))
        self._changed()

    async def advance(self, seconds: float | timedelta) -> datetime:
        """Move sandbox time forward; return once everything that fell due has run.

        `advance(0)` runs what is due now (and what is running) to completion, moving nothing.
        """
        delta = seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
        if delta < timedelta(0):
            raise ValueError("time never moves backwards")
        if self._advance_lock is None:
            self._advance_lock = asyncio.Lock()
        async with self._advance_lock:
            # Jobs already running finish at the current instant first: a callback attempt in
            # flight must time its retry from now, not from the end of the advance.
            await self._settle()
            target = self.now() + delta
            while (due := self._next_step()) is not None and due <= target:
                self._reanchor(max(due, self.now()))
                if self._agenda is not None:
                    self._changed()  # the other replicas step with us
                self._start_due_jobs()
                await self._settle()
            if self.now() < target:
                self._reanchor(target)
            if self._agenda is not None:
                self._changed()
            self._start_due_jobs()
            await self._settle()
            self._changed()
            return self.now()

    def _next_step(self) -> datetime | None:
        local = self._timers[0].due if self._timers else None
        shared = self._agenda.next_due() if self._agenda is not None else None
        if local is None or shared is None:
            return local or shared
        return min(local, shared)

    async def _settle(self) -> None:
        await self._drain()
        if self._agenda is not None:
            await self._agenda.settle()
            await self._drain()

    # -- scheduling ------------------------------------------------------------------------

    def call_at(self, when: datetime, job: Job) -> Timer:
        timer = Timer(when.astimezone(UTC), next(self._seq), job)
        if timer.seq % COMPACT_EVERY == 0:
            self._compact()
        heapq.heappush(self._timers, timer)
        if self._timers[0] is timer and self._wakeup is not None:
            self._wakeup.set()
        return timer

    def call_later(self, delay: timedelta, job: Job) -> Timer:
        return self.call_at(self.now() + delay, job)

    def _compact(self) -> None:
        # A cancelled job far in the future would otherwise stay in the heap (and keep what its
        # closure holds alive) until its due time; dropping them now and then keeps memory flat.
        live = [t for t in self._timers if not t.cancelled]
        if len(live) < len(self._timers):
            heapq.heapify(live)
            self._timers = live

    def pending_timers(self) -> int:
        return sum(1 for t in self._timers if not t.cancelled)

    async def run(self) -> None:
        """The background loop: start jobs as they fall due. Runs until cancelled."""
        self._wakeup = asyncio.Event()
        try:
            while True:
                self._start_due_jobs()
                self._wakeup.clear()
                wait = self._seconds_to_next_due()
                try:
                    async with asyncio.timeout(wait):
                        await self._wakeup.wait()
                except TimeoutError:
                    pass
        finally:
            self._wakeup = None

    async def idle(self) -> None:
        """Wait for the jobs now running (used on shutdown and by `advance`)."""
        await self._drain()

    # -- internals -------------------------------------------------------------------------

    def _reanchor(self, moment: datetime) -> None:
        self._anchor = moment
        self._anchor_wall = self._monotonic()

    def _changed(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()
        for listener in self._listeners:
            listener(self)

    def _seconds_to_next_due(self) -> float | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        if not self._timers:
            return None
        return self.wall_seconds_until(self._timers[0].due)

    def _start_due_jobs(self) -> None:
        now = self.now()
        while self._timers and self._timers[0].due <= now:
            timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            task = asyncio.get_running_loop().create_task(self._run_job(timer))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run_job(self, timer: Timer) -> None:
        try:
            await timer.job()
        except Exception:  # a failing job must never stop the clock
            log.exception("scheduled job failed")

    async def _drain(self) -> None:
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)
            # Jobs that finished may have scheduled more jobs that are already due.
            self._start_due_jobs()
