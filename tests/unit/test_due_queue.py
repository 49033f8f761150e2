"""The due queue on its own: due order, `advance` waiting for everything due, work that falls due
while other work runs, stopping in the middle."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sandbox.clock import Clock
from sandbox.delivery.workers import DueQueue

START = datetime(2026, 3, 12, 8, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def test_advance_runs_due_entries_in_due_order_and_waits_for_them() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        clock = Clock(START, "manual")
        ran: list[str] = []

        async def run(message_id: str) -> None:
            await asyncio.sleep(0.01)  # an attempt takes a while
            ran.append(message_id)

        queue = DueQueue(clock, 1, run)
        queue.start()
        queue.add(at(10), "late")
        queue.add(at(5), "first")
        queue.add(at(5), "second")  # same due time: arrival order
        queue.add(at(20), "later still")
        await clock.advance(10)
        after_ten = list(ran)
        await clock.advance(10)
        await queue.stop()
        return after_ten, ran

    after_ten, ran = asyncio.run(scenario())
    assert after_ten == ["first", "second", "late"]
    assert ran == ["first", "second", "late", "later still"]


def test_work_falling_due_during_a_run_joins_the_same_advance() -> None:
    async def scenario() -> list[str]:
        clock = Clock(START, "manual")
        ran: list[str] = []
        queue: DueQueue

        async def run(message_id: str) -> None:
            ran.append(message_id)
            if message_id == "a":
                queue.add(clock.now(), "retry of a")  # due at once
                queue.add(clock.now() + timedelta(seconds=3), "a in 3 s")

        queue = DueQueue(clock, 4, run)
        queue.start()
        queue.add(clock.now(), "a")
        await clock.advance(0)
        assert ran == ["a", "retry of a"]
        await clock.advance(2)
        assert ran == ["a", "retry of a"]
        await clock.advance(1)
        await queue.stop()
        return ran

    assert asyncio.run(scenario()) == ["a", "retry of a", "a in 3 s"]


def test_real_clock_entry_due_while_others_run_does_not_wait_for_them() -> None:
    async def scenario() -> list[str]:
        clock = Clock(datetime.now(UTC), "real")
        ticking = asyncio.create_task(clock.run())
        ran: list[str] = []
        release = asyncio.Event()

        async def run(message_id: str) -> None:
            if message_id == "slow":
                await release.wait()
            ran.append(message_id)
            if message_id == "soon":
                release.set()

        queue = DueQueue(clock, 2, run)
        queue.start()
        queue.add(clock.now(), "slow")
        queue.add(clock.now() + timedelta(seconds=0.05), "soon")
        await asyncio.wait_for(release.wait(), 10)
        await clock.advance(0)
        await queue.stop()
        ticking.cancel()
        return ran

    assert asyncio.run(scenario()) == ["soon", "slow"]


def test_stopping_in_the_middle_releases_advance() -> None:
    async def scenario() -> bool:
        clock = Clock(START, "manual")
        started = asyncio.Event()

        async def run(_message_id: str) -> None:
            started.set()
            await asyncio.Event().wait()  # a receiver that never answers

        queue = DueQueue(clock, 1, run)
        queue.start()
        queue.add(clock.now(), "stuck")
        advancing = asyncio.create_task(clock.advance(0))
        await asyncio.wait_for(started.wait(), 10)
        await queue.stop()
        await asyncio.wait_for(advancing, 10)
        return len(queue) == 0

    assert asyncio.run(scenario())
