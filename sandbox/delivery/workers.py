"""Due attempts in order, run by a fixed pool of workers (one per concurrency slot).

Messages wait in one heap ordered by (due time, arrival). The clock holds at most one timer for
this queue: at the heap's earliest due time. When it fires, its job (the *pump*) hands every due
message to the workers and returns only once they have all been attempted and nothing else is
due, so the clock's `advance` (which waits for its jobs) still returns after every attempt that
fell due by then ran once. While the pump runs, newly due messages join it directly; the next
future due time gets the one timer again.

This replaces a clock timer and an asyncio task per attempt: at a few thousand callbacks a second
the timers, tasks and their wake-ups cost more than the bookkeeping they schedule.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime

from sandbox.clock import Clock, Timer

log = logging.getLogger("sandbox.delivery")

Run = Callable[[str], Awaitable[None]]


class DueQueue:
    def __init__(self, clock: Clock, size: int, run: Run) -> None:
        """`size` workers call `run(message_id)` for each message once it is due."""
        self._clock = clock
        self._size = size
        self._run = run
        self._heap: list[tuple[datetime, int, str]] = []
        self._arrivals = itertools.count()
        self._ready: deque[str] = deque()
        self._idle: deque[asyncio.Future[None]] = deque()  # workers waiting for work
        self._busy = 0
        self._workers: list[asyncio.Task[None]] = []
        self._armed: Timer | None = None
        self._pumping = False
        self._drained: asyncio.Future[None] | None = None  # the pump waits on it
        self._closing = False

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._closing = False
        self._workers = [
            loop.create_task(self._work(), name=f"delivery-worker-{n}") for n in range(self._size)
        ]
        self._arm()

    async def stop(self) -> None:
        """Stop the workers (an attempt in flight is cancelled); queued messages stay queued
        in the store, not here."""
        self._closing = True
        if self._armed is not None:
            self._armed.cancel()
            self._armed = None
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
        self._heap.clear()
        self._ready.clear()
        self._idle.clear()
        self._busy = 0
        self._release_pump()

    def add(self, due: datetime, message_id: str) -> None:
        """Attempt `message_id` once sandbox time reaches `due`."""
        heapq.heappush(self._heap, (due, next(self._arrivals), message_id))
        if self._pumping:
            self._dispatch()
        else:
            self._arm()

    def __len__(self) -> int:
        return len(self._heap) + len(self._ready) + self._busy

    # -- internals -------------------------------------------------------------------------

    def _arm(self) -> None:
        """Keep the one clock timer at the earliest due time still in the heap."""
        if not self._heap or self._closing:
            return
        head = self._heap[0][0]
        if self._armed is not None:
            if self._armed.due <= head:
                return
            self._armed.cancel()
        self._armed = self._clock.call_at(head, self._on_due)

    async def _on_due(self) -> None:
        self._armed = None
        if self._pumping:
            self._dispatch()
            return
        self._pumping = True
        try:
            loop = asyncio.get_running_loop()
            while not self._closing:
                self._dispatch()
                if not self._ready and self._busy == 0:
                    break
                self._drained = loop.create_future()
                await self._drained
        finally:
            self._pumping = False
            self._drained = None
            self._arm()

    def _dispatch(self) -> None:
        """Move every due message to the workers and wake as many as there is work for."""
        now = self._clock.now()
        heap = self._heap
        while heap and heap[0][0] <= now:
            self._ready.append(heapq.heappop(heap)[2])
        idle = self._idle
        woken = 0
        while idle and woken < len(self._ready):
            waiter = idle.popleft()
            if not waiter.done():
                waiter.set_result(None)
                woken += 1
        self._arm()

    def _release_pump(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        ready = self._ready
        while True:
            if not ready:
                waiter = loop.create_future()
                self._idle.append(waiter)
                await waiter
                continue
            message_id = ready.popleft()
            self._busy += 1
            try:
                await self._run(message_id)
            except Exception:  # one message's trouble must never stop a worker
                log.exception("callback %s: delivery failed", message_id)
            finally:
                self._busy -= 1
            if not ready and self._busy == 0:
                self._release_pump()
