import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.clock import Clock, format_instant, parse_instant

START = datetime(2026, 3, 12, 8, 30, tzinfo=UTC)


class FakeMonotonic:
    """Wall time for the clock under test (a unit test of the clock itself, not of the app)."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def test_real_mode_runs_at_scale() -> None:
    wall = FakeMonotonic()
    clock = Clock(START, "real", scale=60, monotonic=wall)
    wall.value += 2
    assert clock.now() == START + timedelta(minutes=2)
    assert clock.wall_seconds_until(START + timedelta(minutes=3)) == pytest.approx(1.0)


def test_manual_mode_stands_still_and_mode_switch_never_jumps() -> None:
    wall = FakeMonotonic()
    clock = Clock(START, "manual", monotonic=wall)
    wall.value += 100
    assert clock.now() == START
    assert clock.wall_seconds_until(START + timedelta(seconds=1)) is None
    clock.set_mode("real", 10)
    wall.value += 1
    assert clock.now() == START + timedelta(seconds=10)
    clock.set_mode("manual")
    wall.value += 50
    assert clock.now() == START + timedelta(seconds=10)


def test_bad_scale_and_backwards_advance_are_refused() -> None:
    with pytest.raises(ValueError):
        Clock(START, "real", scale=0)
    clock = Clock(START, "manual")
    with pytest.raises(ValueError):
        asyncio.run(clock.advance(-1))


def test_advance_steps_through_due_times_in_order() -> None:
    async def scenario() -> list[tuple[str, datetime]]:
        clock = Clock(START, "manual")
        ran: list[tuple[str, datetime]] = []

        def job(name: str):
            async def run() -> None:
                ran.append((name, clock.now()))
                if name == "first":  # a job may schedule more; due ones run in the same advance
                    clock.call_later(timedelta(seconds=30), job("chained"))

            return run

        clock.call_at(START + timedelta(seconds=90), job("second"))
        clock.call_at(START + timedelta(seconds=60), job("first"))
        clock.call_at(START + timedelta(seconds=500), job("later"))
        cancelled = clock.call_at(START + timedelta(seconds=10), job("cancelled"))
        cancelled.cancel()
        await clock.advance(120)
        assert clock.now() == START + timedelta(seconds=120)
        assert clock.pending_timers() == 1
        return ran

    ran = asyncio.run(scenario())
    assert ran == [
        ("first", START + timedelta(seconds=60)),
        ("second", START + timedelta(seconds=90)),
        ("chained", START + timedelta(seconds=90)),
    ]


def test_due_jobs_run_at_once_in_manual_mode_and_failures_do_not_stop_the_loop() -> None:
    async def scenario() -> list[str]:
        clock = Clock(START, "manual")
        loop_task = asyncio.create_task(clock.run())
        await asyncio.sleep(0)
        ran: list[str] = []
        done = asyncio.Event()

        async def broken() -> None:
            raise RuntimeError("boom")

        async def fine() -> None:
            ran.append("fine")
            done.set()

        clock.call_at(START, broken)
        clock.call_at(START - timedelta(seconds=5), fine)
        await asyncio.wait_for(done.wait(), 2)
        loop_task.cancel()
        return ran

    assert asyncio.run(scenario()) == ["fine"]


def test_real_mode_loop_wakes_for_due_jobs() -> None:
    async def scenario() -> float:
        clock = Clock(datetime.now(UTC), "real", scale=100)
        loop_task = asyncio.create_task(clock.run())
        fired = asyncio.Event()

        async def job() -> None:
            fired.set()

        due = clock.now() + timedelta(seconds=5)  # 50 ms of real time at scale 100
        clock.call_at(due, job)
        await asyncio.wait_for(fired.wait(), 2)
        late = (clock.now() - due).total_seconds()
        loop_task.cancel()
        return late

    assert 0 <= asyncio.run(scenario()) < 5


def test_instant_text_round_trip() -> None:
    text = format_instant(datetime(2026, 3, 12, 8, 30, 0, 118207, tzinfo=UTC))
    assert text == "2026-03-12T08:30:00.118207Z"
    assert parse_instant(text) == datetime(2026, 3, 12, 8, 30, 0, 118207, tzinfo=UTC)
    assert parse_instant("2026-03-12T08:30:00") == datetime(2026, 3, 12, 8, 30, tzinfo=UTC)


def test_advance_lets_running_jobs_finish_at_the_current_instant_first() -> None:
    # A callback attempt in flight when an advance starts must time its retry from now.
    async def scenario() -> list[tuple[str, datetime]]:
        clock = Clock(START, "manual")
        loop_task = asyncio.create_task(clock.run())
        release = asyncio.Event()
        ran: list[tuple[str, datetime]] = []

        async def attempt() -> None:
            await release.wait()  # still "on the wire" when the advance begins
            ran.append(("attempt done", clock.now()))

            async def retry() -> None:
                ran.append(("retry", clock.now()))

            clock.call_later(timedelta(seconds=60), retry)

        clock.call_at(START, attempt)
        await asyncio.sleep(0)  # the loop starts the due job
        advancing = asyncio.create_task(clock.advance(60))
        await asyncio.sleep(0)
        release.set()
        await advancing
        loop_task.cancel()
        return ran

    assert asyncio.run(scenario()) == [
        ("attempt done", START),
        ("retry", START + timedelta(seconds=60)),
    ]
