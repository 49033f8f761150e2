"""GET /_sandbox/events (server-sent events from the event hub) and `sandbox tail`, over real
sockets: filters, the admin token, text and JSON lines, and `--forward-to` relaying a callback
byte for byte."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import IO, Any

import httpx
import pytest
from support.server import RunningSandbox, run_sandbox

from sandbox.signing.values import compact_json
from sandbox.tail_cli import sse_events
from sandbox.testing.receiver import run_receiver

pytestmark = pytest.mark.postgres

TP_KEY, TP_MERCHANT = "tp_test_0b1c2d3e4f5a6b7c", "8820250900009"
SANDBOX = [sys.executable, "-m", "sandbox"]


@pytest.fixture
def running(db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox({**db_flags, "clock": "manual"}) as server:
        yield server


def bad_balance(running: RunningSandbox, path: str = "/v4/balance") -> None:
    body = compact_json({"currency_id": "USD", "sign": "0" * 32}).encode()
    headers = {"X-Api-Key": TP_KEY}
    assert running.client.post(path, content=body, headers=headers).status_code == 200


def trigger(running: RunningSandbox, notify_url: str, order_no: str) -> None:
    body = {
        "gateway": "trustpay",
        "merchant": TP_MERCHANT,
        "kind": "payin",
        "status": "success",
        "amount": "7.00",
        "notify_url": notify_url,
        "order_no": order_no,
    }
    assert running.admin("POST", "trigger", json=body).status_code == 201


class Stream:
    """`GET /_sandbox/events` read on a thread; `subscribed` is set once the stream is open."""

    def __init__(self, running: RunningSandbox, **params: str) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.subscribed = threading.Event()
        self.thread = threading.Thread(target=self._read, args=(running.url, params), daemon=True)
        self.thread.start()
        assert self.subscribed.wait(20), "the stream did not open"

    def _read(self, url: str, params: dict[str, str]) -> None:
        with httpx.stream("GET", url + "/_sandbox/events", params=params, timeout=30) as answer:
            for kind, data in sse_events(answer.iter_lines()):
                if kind == "subscribed":
                    self.subscribed.set()
                else:
                    self.events.append((kind, data))

    def finish(self) -> list[tuple[str, dict[str, Any]]]:
        self.thread.join(20)
        assert not self.thread.is_alive(), "the stream did not end"
        return self.events


def test_events_are_filtered_by_gateway_and_kind(running: RunningSandbox) -> None:
    stream = Stream(running, gateway="trustpay", kind="request,order", limit="2")
    running.client.post("/api/v1/mch/balance", content=b"{}")  # GoldenPay: filtered out
    bad_balance(running)
    with run_receiver() as receiver:
        trigger(running, receiver.url, "EVENTS-1")  # an order (and an attempt: filtered out)
    [(kind, request), (other, order)] = stream.finish()
    assert (kind, request["gateway"], request["merchant"]) == ("request", "trustpay", TP_MERCHANT)
    assert (request["method"], request["path"], request["operation"]) == (
        "POST",
        "/v4/balance",
        "balance",
    )
    assert (request["status"], request["signature"], request["note"]) == (
        200,
        "bad",
        "880011 unauthorized",
    )
    assert other == "order"
    assert (order["merchant_order_id"], order["kind"], order["amount"]) == (
        "EVENTS-1",
        "payin",
        "7.00",
    )


def test_bad_kind_and_the_admin_token(db_flags: dict[str, str]) -> None:
    with run_sandbox({**db_flags, "admin_token": "s3cret"}) as server:
        assert server.client.get("/_sandbox/events").status_code == 401
        auth = {"Authorization": "Bearer s3cret"}
        bad = server.client.get("/_sandbox/events", params={"kind": "nope"}, headers=auth)
        assert bad.status_code == 400
        assert (
            "kind: 'nope' is not one of request, order, attempt" in bad.json()["error"]["message"]
        )
        ended = server.client.get("/_sandbox/events", params={"timeout": "0"}, headers=auth)
        assert ended.status_code == 200
        assert ended.headers["content-type"].startswith("text/event-stream")
        assert "event: subscribed" in ended.text


def start_tail(running: RunningSandbox, *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [*SANDBOX, "tail", "--url", running.url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    first = _line_within(process.stderr, 30)
    assert first.startswith(f"listening to {running.url}"), first
    return process, first


def _line_within(stream: IO[str], seconds: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    return lines.get(timeout=seconds)


def test_tail_prints_a_line_per_event(running: RunningSandbox) -> None:
    process, _ = start_tail(running, "--kind", "request", "--kind", "order", "--limit", "2")
    bad_balance(running)
    with run_receiver() as receiver:
        trigger(running, receiver.url, "TAIL-TEXT-1")
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    request, order = out.splitlines()
    assert request == (
        f"request  trustpay/{TP_MERCHANT} POST /v4/balance balance 200 880011 unauthorized sign=bad"
    )
    assert order.startswith(f"order    trustpay/{TP_MERCHANT} ")
    assert order.endswith("(TAIL-TEXT-1) payin 1 7.00 USD")  # as created, then paid


def test_tail_forwards_each_callback_exactly(running: RunningSandbox) -> None:
    with run_receiver() as merchant, run_receiver() as laptop:
        merchant.fail(500)  # the configured URL refuses; the relayed copy still goes out
        process, _ = start_tail(
            running,
            *("--forward-to", laptop.url + "/hook", "--format", "json"),
            *("--kind", "attempt", "--limit", "1"),
        )
        trigger(running, merchant.url + "/notify", "TAIL-FWD-1")
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        attempt, forwarded = (json.loads(line) for line in out.splitlines())
        [sent] = merchant.requests
        [relayed] = laptop.requests
    assert (attempt["kind"], attempt["status"], attempt["verdict"]) == ("attempt", 500, "retry")
    assert attempt["url"] == merchant.url + "/notify"
    assert relayed.body == sent.body  # byte for byte
    for name, value in sent.headers.items():
        if name not in ("host", "content-length", "connection", "user-agent", "accept",
                        "accept-encoding"):  # fmt: skip
            assert relayed.headers[name] == value, name
    assert (relayed.method, relayed.path) == ("POST", "/hook")
    assert forwarded == {
        "kind": "forwarded",
        "callback": attempt["callback"],
        "to": laptop.url + "/hook",
        "status": 200,
        "response": "ok",
        "latency_ms": forwarded["latency_ms"],
    }


def test_nobody_listening_costs_no_event(running: RunningSandbox) -> None:
    hub = running.sandbox.events
    assert not hub.listening
    published: list[str] = []
    hub.publish("request", "trustpay", TP_MERCHANT, lambda: published.append("built") or {})
    assert published == []  # the event's data is never built
