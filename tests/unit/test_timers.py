"""Persisted order timers: they run at their sandbox due time, once, and survive a restart."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.clock import Clock
from sandbox.store import open_store
from sandbox.timers import BATCH, Due, Timers

START = datetime(2026, 3, 12, 8, 30, tzinfo=UTC)
ran: list[tuple[str, dict[str, Any], datetime]] = []


def record(sandbox: Any, due: Due) -> None:
    ran.append((due.subject, due.args, due.due_at))


@pytest.fixture(autouse=True)
def _clear() -> None:
    ran.clear()


def make_timers(path: str, batch: int = BATCH) -> Timers:
    # Actions receive the context (the running sandbox in the product); unused here.
    clock = Clock(start=START, mode="manual")
    actions = {"test.record": record}
    return Timers(open_store(path), clock, context=object(), actions=actions, batch=batch)


def test_a_timer_runs_once_at_its_due_time_and_leaves_no_row() -> None:
    async def scenario() -> None:
        timers = make_timers(":memory:")
        timers.schedule("trustpay", "m1", "test.record", "p1", START + timedelta(days=1), {"n": 1})
        await timers.clock.advance(timedelta(hours=23))
        assert ran == []
        await timers.clock.advance(timedelta(hours=1))
        assert ran == [("p1", {"n": 1}, START + timedelta(days=1))]
        assert timers.pending() == []
        await timers.clock.advance(timedelta(days=2))
        assert len(ran) == 1

    asyncio.run(scenario())


def test_cancel_and_unknown_actions() -> None:
    async def scenario() -> None:
        timers = make_timers(":memory:")
        timers.schedule("trustpay", "m1", "test.record", "p1", START + timedelta(minutes=30))
        timers.schedule("trustpay", "m1", "test.record", "p2", START + timedelta(minutes=30))
        assert timers.cancel("test.record", "p1") == 1
        await timers.clock.advance(timedelta(hours=1))
        assert [subject for subject, _, _ in ran] == ["p2"]
        with pytest.raises(ValueError, match="no timer action"):
            timers.schedule("trustpay", "m1", "test.nothing", "p3", START)

    asyncio.run(scenario())


def test_a_rolled_back_schedule_never_runs() -> None:
    async def scenario() -> None:
        timers = make_timers(":memory:")
        with pytest.raises(RuntimeError), timers.store.transaction():
            timers.schedule("trustpay", "m1", "test.record", "p1", START + timedelta(seconds=5))
            raise RuntimeError("the request failed after scheduling")
        await timers.clock.advance(timedelta(seconds=10))
        assert ran == []

    asyncio.run(scenario())


def test_timers_survive_a_restart_with_a_file_database(tmp_path: Path) -> None:
    path = str(tmp_path / "sandbox.db")

    async def before() -> None:
        timers = make_timers(path)
        timers.schedule("trustpay", "m1", "test.record", "p1", START + timedelta(minutes=30))
        timers.store.close()

    async def after() -> None:
        timers = make_timers(path)
        timers.restore()
        assert [d.subject for d in timers.pending()] == ["p1"]
        await timers.clock.advance(timedelta(minutes=30))
        assert [subject for subject, _, _ in ran] == ["p1"]

    asyncio.run(before())
    assert ran == []
    asyncio.run(after())


def test_only_the_next_due_timers_are_held_in_memory_and_all_run_in_due_order() -> None:
    async def scenario() -> None:
        timers = make_timers(":memory:", batch=8)
        timers.restore()
        # Scheduled out of order, with ties: one-day settlements interleaved with 30 min expiries.
        for n in range(200):
            due = START + (timedelta(days=1) if n % 2 else timedelta(minutes=30 + n % 7))
            timers.schedule("trustpay", "m1", "test.record", f"p{n}", due, {"n": n})
            assert timers.in_memory <= 16
        assert len(timers.pending()) == 200
        await timers.clock.advance(timedelta(days=2))
        assert len(ran) == 200
        assert [at for _, _, at in ran] == sorted(at for _, _, at in ran)
        # Ties run in the order they were scheduled.
        day = [args["n"] for _, args, at in ran if at == START + timedelta(days=1)]
        assert day == sorted(day)
        assert timers.pending() == [] and timers.in_memory == 0

    asyncio.run(scenario())


def test_a_restart_loads_the_first_batch_and_the_rest_follows_from_the_store(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "sandbox.db")

    async def before() -> None:
        timers = make_timers(path, batch=4)
        for n in range(30):
            timers.schedule("trustpay", "m1", "test.record", f"p{n}", START + timedelta(hours=n))
        timers.store.close()

    async def after() -> None:
        timers = make_timers(path, batch=4)
        timers.restore()
        assert timers.in_memory == 4
        await timers.clock.advance(timedelta(hours=10))
        assert [subject for subject, _, _ in ran] == [f"p{n}" for n in range(11)]
        assert timers.in_memory <= 8
        await timers.clock.advance(timedelta(days=1))
        assert [subject for subject, _, _ in ran] == [f"p{n}" for n in range(30)]

    asyncio.run(before())
    asyncio.run(after())


def test_a_cancel_rolled_back_with_its_transaction_still_runs_the_timer() -> None:
    async def scenario() -> None:
        timers = make_timers(":memory:")
        timers.schedule("trustpay", "m1", "test.record", "p1", START + timedelta(minutes=5))
        with pytest.raises(RuntimeError), timers.store.transaction():
            assert timers.cancel("test.record", "p1") == 1
            raise RuntimeError("the request failed after cancelling")
        await timers.clock.advance(timedelta(minutes=5))
        assert [subject for subject, _, _ in ran] == ["p1"]

    asyncio.run(scenario())
