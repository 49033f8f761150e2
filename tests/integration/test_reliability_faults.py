"""Merchant faults the delivery engine must survive, and `kill -9` of the real process with
callbacks pending and in flight: after a restart every callback is delivered, none lost.

(Refused, slow, 500, garbage, huge and reset replies are covered one by one in
`test_delivery_attempts.py`; this file adds a reply that hangs mid-response, callback targets
refused by SANDBOX_CALLBACK_ALLOW, and the kill.)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from support.callbacks import request, submit
from support.receiver import Receiver, Reply, run_receiver
from support.serve import spawn_serve
from support.server import run_sandbox

pytestmark = pytest.mark.postgres

MANUAL = {"clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}


@contextmanager
def hanging_merchant() -> Iterator[str]:
    """A merchant that sends a status line and headers, then never finishes the body."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.recv(65536)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"par')
            held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/notify"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def test_a_reply_that_hangs_mid_body_is_a_timeout_and_retried(db_flags: dict[str, str]) -> None:
    with hanging_merchant() as url, run_sandbox({**db_flags, **MANUAL}) as running:
        [mid] = submit(running, request(url))
        message = running.admin("GET", f"callbacks/{mid}").json()
        [attempt] = message["attempts"]
        assert attempt["error"] == "timeout", attempt
        assert message["state"] == "pending"


def test_callback_allow_refuses_other_targets_without_contacting_them(
    db_flags: dict[str, str],
) -> None:
    with run_receiver() as receiver:
        allowed_url = receiver.url + "/ok"
        blocked_url = receiver.url.replace("127.0.0.1", "localhost") + "/internal"
        with run_sandbox(
            {**db_flags, **MANUAL, "callback_allow": "127.0.0.0/8,example.test"}
        ) as running:
            [ok_id] = submit(running, request(allowed_url, order_id="A1"))
            assert running.admin("GET", f"callbacks/{ok_id}").json()["state"] == "acked"
        with run_sandbox({**db_flags, **MANUAL, "callback_allow": "example.test"}) as running:
            [blocked] = submit(running, request(blocked_url, order_id="A2"))
            message = running.admin("GET", f"callbacks/{blocked}").json()
            [attempt] = message["attempts"]
            assert attempt["error"] == "invalid-url"
            assert "not an allowed callback target" in json.dumps(attempt)
        assert [r.path for r in receiver.requests] == ["/ok"]


def _start(db: str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    process, url, _banner = spawn_serve("--db", db, "--clock", "manual", *extra)
    return process, url


def _trigger(url: str, notify: str, order_no: str) -> None:
    response = httpx.post(
        f"{url}/_sandbox/trigger",
        json={
            "gateway": "trustpay",
            "merchant_id": 8820250900009,
            "type": 0,
            "status": 5,
            "order_amount": "5.00",
            "currency": "USD",
            "notify_url": notify,
            "api_version": "v4",
            "order_no": order_no,
        },
    )
    assert response.status_code == 201, response.text


def _acked_orders(receiver: Receiver) -> set[str]:
    orders = set()
    for received in receiver.requests:
        body = json.loads(received.body)
        orders.add(str(body.get("order_no")))
    return orders


def test_kill_9_with_callbacks_pending_and_in_flight_loses_none(
    tmp_path: Path, db_flags: dict[str, str]
) -> None:
    db = db_flags.get("db", str(tmp_path / "kill.db"))
    # On PostgreSQL the restarted process takes the killed one's attempts over once their lease
    # expires: a lease just past the hanging replies keeps the wait short.
    lease = ("--lease-seconds", "9") if "db" in db_flags else ()
    with run_receiver() as receiver:
        # 10 first attempts fail (retry pending), 5 hang past the kill (in flight), then 200.
        receiver.reply(*[Reply(500)] * 10, *[Reply(200, delay=8.0)] * 5)
        process, url = _start(db, *lease)
        try:
            orders = [f"KILL-{n}" for n in range(20)]
            for order_no in orders:
                _trigger(url, receiver.url + "/notify", order_no)
            httpx.post(f"{url}/_sandbox/clock/advance", json={"seconds": 0}, timeout=1.5)
        except httpx.TimeoutException:
            pass  # the advance waits for the hanging attempts: the kill comes first
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        receiver.reply()  # from now on the merchant answers 200 at once
        receiver.default = Reply(200)
        with receiver.lock:
            receiver.script.clear()
        process, url = _start(db, *lease)
        try:
            advanced = httpx.post(
                f"{url}/_sandbox/clock/advance", json={"seconds": 3600}, timeout=60
            )
            assert advanced.status_code == 200, advanced.text
            listed = httpx.get(f"{url}/_sandbox/callbacks", params={"page_size": 500}).json()
        finally:
            process.terminate()
            process.wait(timeout=15)
        states = [item["state"] for item in listed["items"]]
        assert states == ["acked"] * len(orders), states  # one message per order, none lost
        # Each order reached the merchant; an in-flight one may have arrived twice (at least once).
        assert _acked_orders(receiver) == set(orders)
        assert len(orders) <= len(receiver.requests) <= len(orders) + 10 + 5
