"""One sandbox served by several processes on one database (the PostgreSQL backend).

Each process is a replica; nothing that decides an answer lives only in its memory:

- **Work is leased.** Due callback messages and timers are rows; a replica claims the due ones
  (`FOR UPDATE SKIP LOCKED`, with a lease that expires) and runs them, so each attempt is made by
  one replica. One that dies mid-attempt keeps its leases until they expire; then another takes
  the work over and records the lost attempt as its own (`abandoned`): at least once, never lost.
- **Wake-ups.** Storing work announces it (`NOTIFY`); every replica listens on a connection of
  its own and claims at once, and otherwise polls slowly (`IDLE_POLL_S`), which also catches
  expired leases.
- **Shared state.** The clock reading (mode, scale, sandbox time at a database instant), the
  scenario selection and uploaded scenarios are published to the store on every change; a
  replica looks at their version before each request and takes over what moved. The turns of
  cycling `respond.error` lists are counted in the store.
- **Advance.** `POST /_sandbox/clock/advance` on any replica steps through the due times of every
  replica's work and returns once all of it due by then has run, whoever ran it.

On SQLite (one process) none of this exists: the sandbox keeps its in-process schedule.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.clock import Clock, format_instant, parse_instant
from sandbox.scenarios.loader import ScenarioError
from sandbox.scenarios.selection import selection_from_json
from sandbox.store import Store, leases, shared
from sandbox.store.timers import claim_due
from sandbox.store.turns import TurnKey, take_turn

if TYPE_CHECKING:
    from sandbox.runtime import Sandbox

log = logging.getLogger("sandbox.replicas")

IDLE_POLL_S = 1.0  # how often an idle replica looks for due work nobody announced
SETTLE_POLL_S = 0.01  # while an advance waits for work another replica is running


@dataclass(frozen=True)
class StoredTurns:
    """Cycling `respond.error` lists, counted in the store so the cycle runs once across all
    replicas (emptied by a reset with the other merchant tables)."""

    store: Store

    def take_turn(self, key: TurnKey) -> int:
        return take_turn(self.store, key)


class Replicas:
    def __init__(self, sandbox: Sandbox, url: str, lease_s: float) -> None:
        self.sandbox = sandbox
        self.store = sandbox.store
        self.url = url
        self.lease_s = lease_s
        self.owner = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:6]}"
        self.capacity = sandbox.settings.delivery_concurrency
        self._seen: str | None = None
        self._applying = False
        self._applied_uploads = 0
        self._wake: asyncio.Event | None = None
        self._running: set[asyncio.Task[None]] = set()

    # -- wiring ----------------------------------------------------------------------------

    def install(self) -> None:
        """Join the shared sandbox (at start-up, before serving): take over the published
        clock and scenarios, or publish ours when this is the first replica."""
        sandbox = self.sandbox
        sandbox.clock.share(self)
        sandbox.scenarios.counters = StoredTurns(self.store)
        sandbox.delivery.work_added = self.wake
        sandbox.timers.work_added = self.wake
        if shared.shared_version(self.store) is None:
            self._publish_clock(sandbox.clock)
        else:
            self.refresh()
        sandbox.clock.on_change(self._publish_clock)
        sandbox.scenarios.listeners.append(self._publish_scenarios)

    def start(self) -> list[asyncio.Task[None]]:
        """The background tasks: the listener and the work loop."""
        from sandbox.store.wakeups import listen  # the optional driver, on use only

        self._wake = asyncio.Event()
        return [
            asyncio.create_task(listen(self.url, shared.CHANNELS, self._heard), name="listen"),
            asyncio.create_task(self._work(), name="leased-work"),
        ]

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _heard(self, channel: str) -> None:
        if channel in (shared.STATE_CHANNEL, ""):
            self.refresh()
        if channel in (shared.CHANGES_CHANNEL, ""):
            self.sandbox.delivery.changes.changed()
        if channel != shared.CHANGES_CHANNEL:  # recorded attempts bring no new work
            self.wake()

    # -- shared state ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Take over what another replica changed since we last looked (one small read)."""
        version = shared.shared_version(self.store)
        if version == self._seen:
            return
        self._seen = version
        self._applying = True
        try:
            self._adopt_clock()
            self._adopt_scenarios()
        finally:
            self._applying = False

    def _publish_clock(self, clock: Clock) -> None:
        if self._applying:
            return
        state = {
            "mode": clock.mode,
            "scale": clock.scale,
            "now": format_instant(clock.now()),
            "at": leases.database_time(self.store),
        }
        self._seen = shared.publish(self.store, {shared.CLOCK_KEY: json.dumps(state)})

    def _adopt_clock(self) -> None:
        text = self.store.get_meta(shared.CLOCK_KEY)
        if text is None:
            return
        state = json.loads(text)
        now = parse_instant(state["now"])
        if state["mode"] == "real":
            # Sandbox time ran on since it was published, at the scale, in database time.
            elapsed = (leases.database_time(self.store) - float(state["at"])) * state["scale"]
            now = now + timedelta(seconds=max(0.0, elapsed))
        self.sandbox.clock.adopt(state["mode"], float(state["scale"]), now)

    def _publish_scenarios(self) -> None:
        if self._applying:
            return
        scenarios = self.sandbox.scenarios
        values = {
            shared.SELECTION_KEY: json.dumps(scenarios.selection.to_json()),
            shared.UPLOADS_KEY: json.dumps(scenarios.uploads),
        }
        self._applied_uploads = len(scenarios.uploads)
        self._seen = shared.publish(self.store, values)

    def _adopt_scenarios(self) -> None:
        scenarios = self.sandbox.scenarios
        uploads = self.store.get_meta(shared.UPLOADS_KEY)
        for file, text in json.loads(uploads or "[]")[self._applied_uploads :]:
            try:
                scenarios.upload(text, file)
            except ScenarioError:  # accepted by the replica that published it
                log.exception("uploaded scenario %s refused here", file)
            self._applied_uploads += 1
        selection = self.store.get_meta(shared.SELECTION_KEY)
        if selection is not None:
            selection_from_json(scenarios.selection, json.loads(selection))

    # -- leased work -----------------------------------------------------------------------

    def _claim(self) -> int:
        """Lease due work up to our free capacity and start it; how many were started."""
        free = self.capacity - len(self._running)
        if free <= 0:
            return 0
        now = self.sandbox.clock.now()
        timers = claim_due(self.store, self.owner, now, self.lease_s, free)
        for due in timers:
            self._spawn(self.sandbox.timers.run_claimed(due))
        messages = self.sandbox.delivery.outbox.claim(
            self.owner, now, self.lease_s, free - len(timers)
        )
        for message, previous in messages:
            self._spawn(self.sandbox.delivery.run_claimed(message, previous))
        started = len(timers) + len(messages)
        if started == free:
            self.wake()  # there may be more
        return started

    def _spawn(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._running.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("leased work failed", exc_info=task.exception())
        self.wake()

    async def _work(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                self._claim()
                timeout = self._idle_timeout()
            except Exception:  # a failed round must not stop the replica's work
                log.exception("claiming due work failed")
                timeout = IDLE_POLL_S
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                pass

    def _idle_timeout(self) -> float:
        if len(self._running) >= self.capacity:
            return IDLE_POLL_S
        due = self.next_due()
        wait = None if due is None else self.sandbox.clock.wall_seconds_until(due)
        return IDLE_POLL_S if wait is None else min(IDLE_POLL_S, wait)

    # -- the clock's agenda ----------------------------------------------------------------

    def next_due(self) -> datetime | None:
        found = leases.next_claimable(self.store)
        return None if found is None else parse_instant(found)

    async def settle(self) -> None:
        """Return once every message and timer due by now has run, whichever replica ran it."""
        while True:
            self.sandbox.delivery.outbox.flush()
            self._claim()
            if self._running:
                await asyncio.gather(*list(self._running), return_exceptions=True)
                continue
            self.sandbox.delivery.outbox.flush()
            if leases.outstanding(self.store, format_instant(self.sandbox.clock.now())) == 0:
                return
            await asyncio.sleep(SETTLE_POLL_S)
