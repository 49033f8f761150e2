"""Persisted order timers: they run at their sandbox due time, once, and survive a restart."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.clock import Clock
from sandbox.gateways.timers import Due, Timers, register_action
from sandbox.store import open_store

START = datetime(2026, 3, 12, 8, 30, tzinfo=UTC)
ran: list[tuple[str, dict[str, Any], datetime]] = []


def record(sandbox: Any, due: Due) -> None:
    ran.append((due.subject, due.args, due.due_at))


register_action("test.record", record)


@pytest.fixture(autouse=True)
def _clear() -> None:
    ran.clear()


def make_timers(path: str) -> Timers:
    timers = Timers(open_store(path), Clock(start=START, mode="manual"))
    timers.sandbox = object()  # type: ignore[assignment]  # actions receive it; unused here
    return timers


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
