"""The engine's due queue: order of due attempts, `advance` waiting for a burst, messages not yet
written when a reset or a restart comes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support.callbacks import on_loop, request, submit
from support.receiver import Receiver
from support.server import run_sandbox

from sandbox.runtime import ResetScope

pytestmark = pytest.mark.postgres

MANUAL = {"clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}


def body(order: str) -> bytes:
    return b'{"order":"%s"}' % order.encode()


def test_due_attempts_go_out_in_due_order(db_flags: dict[str, str], receiver: Receiver) -> None:
    with run_sandbox({**db_flags, **MANUAL, "delivery_concurrency": "1"}) as running:
        for order, delay in (("C", 30), ("A", 10), ("B", 20), ("D", 30)):
            callback = request(receiver.url, body=body(order), delay=timedelta(seconds=delay))
            assert submit(running, callback)
        assert receiver.requests == []
        running.advance(60)
        assert receiver.bodies == [body("A"), body("B"), body("C"), body("D")]


def test_advance_returns_after_a_whole_burst(db_flags: dict[str, str], receiver: Receiver) -> None:
    with run_sandbox({**db_flags, **MANUAL, "delivery_concurrency": "4"}) as running:

        async def burst() -> list[str]:
            ids = []
            for n in range(60):
                ids += running.sandbox.delivery.submit(
                    request(receiver.url, order_id=f"O{n}", body=body(f"O{n}"))
                )
            await running.sandbox.clock.advance(0)
            return ids

        ids = on_loop(running, burst)
        assert len(receiver.requests) == 60
        listing = running.admin("GET", "callbacks?state=acked&page_size=100").json()
        assert {m["id"] for m in listing["items"]} == set(ids)


def test_a_reset_forgets_callbacks_submitted_just_before(
    db_flags: dict[str, str], receiver: Receiver
) -> None:
    with run_sandbox({**db_flags, **MANUAL}) as running:

        async def submit_then_reset() -> list[str]:
            delivery = running.sandbox.delivery
            gone = delivery.submit(request(receiver.url, merchant="m-a", body=body("gone")))
            kept = delivery.submit(request(receiver.url, merchant="m-b", body=body("kept")))
            running.sandbox.reset(ResetScope(gateway="trustpay", merchant="m-a"))
            await running.sandbox.clock.advance(0)
            return gone + kept

        gone, kept = on_loop(running, submit_then_reset)
        assert receiver.bodies == [body("kept")]
        listing = running.admin("GET", "callbacks").json()
        assert [m["id"] for m in listing["items"]] == [kept]
        assert running.admin("GET", f"callbacks/{gone}").status_code == 404

        async def submit_then_reset_all() -> None:
            running.sandbox.delivery.submit(request(receiver.url, body=body("also gone")))
            running.sandbox.reset(ResetScope())
            await running.sandbox.clock.advance(0)

        on_loop(running, submit_then_reset_all)
        assert receiver.bodies == [body("kept")]
        assert running.admin("GET", "callbacks").json()["total"] == 0


def test_a_callback_submitted_right_before_stopping_goes_out_after_the_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    flags = {**MANUAL, "db": str(tmp_path / "sandbox.db")}
    with run_sandbox(flags) as first:

        async def submit_only() -> list[str]:
            return first.sandbox.delivery.submit(
                request(receiver.url, body=body("later"), delay=timedelta(seconds=30))
            )

        [later] = on_loop(first, submit_only)
    with run_sandbox(flags) as second:
        second.advance(30)
        assert receiver.bodies == [body("later")]
        assert second.admin("GET", f"callbacks/{later}").json()["state"] == "acked"
        [fresh] = submit(second, request(receiver.url, body=body("fresh")))
    assert int(fresh.removeprefix("cb_")) > int(later.removeprefix("cb_"))  # ids never reused
