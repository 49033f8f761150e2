"""Delivery against a real local receiver, on the manual clock: acks, retries, errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from support.callbacks import FAST, request, submit
from support.gateways import profile
from support.receiver import Receiver, Reply, refused_port
from support.server import RunningSandbox

from sandbox.delivery import body_equals_text, json_field_equals

pytestmark = pytest.mark.postgres


def detail(server: RunningSandbox, message_id: str) -> dict[str, Any]:
    response = server.admin("GET", f"callbacks/{message_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_acked_on_first_try(manual_server: RunningSandbox, receiver: Receiver) -> None:
    [mid] = submit(manual_server, request(receiver.url + "/notify"))
    message = detail(manual_server, mid)
    assert message["state"] == "acked"
    assert message["attempt_count"] == 1
    [attempt] = message["attempts"]
    assert attempt["status"] == 200 and attempt["response"]["text"] == "ok"
    [received] = receiver.requests
    assert received.path == "/notify"
    assert received.body == b'{"order_no":"ORDER-1","status":5}'
    assert received.headers["content-type"] == "application/json"
    assert received.headers["x-sandbox-callback-id"] == mid
    assert message["request"]["body"]["text"] == received.body.decode()


def test_500_then_200_retries_exactly_60_s_after_the_failure(
    manual_server: RunningSandbox, receiver: Receiver
) -> None:
    receiver.reply(Reply(500, b"oops"))
    [mid] = submit(manual_server, request(receiver.url))
    first = detail(manual_server, mid)
    assert first["state"] == "pending"
    assert first["attempts"][0]["status"] == 500
    assert first["attempts"][0]["response"]["text"] == "oops"
    manual_server.advance(59)
    assert len(receiver.requests) == 1
    manual_server.advance(1)
    assert len(receiver.requests) == 2
    message = detail(manual_server, mid)
    assert message["state"] == "acked"
    one, two = message["attempts"]
    assert (one["acked"], two["acked"]) == (False, True)
    assert one["finished_at"] == "2026-03-12T08:30:00.000000Z"
    assert two["due_at"] == two["started_at"] == "2026-03-12T08:31:00.000000Z"


def test_receiver_slower_than_timeout_is_a_timeout_and_retried(
    manual_server: RunningSandbox, receiver: Receiver
) -> None:
    receiver.reply(Reply(200, b"late", delay=1.5))
    [mid] = submit(manual_server, request(receiver.url, policy=FAST))  # 0.5 s timeout
    attempt = detail(manual_server, mid)["attempts"][0]
    assert attempt["error"] == "timeout"
    assert attempt["status"] is None
    assert attempt["latency_ms"] >= 490  # the timeout; asyncio may fire a hair early
    manual_server.advance(60)
    message = detail(manual_server, mid)
    assert [a["acked"] for a in message["attempts"]] == [False, True]
    assert message["state"] == "acked"


def test_refused_port(manual_server: RunningSandbox) -> None:
    [mid] = submit(manual_server, request(f"http://127.0.0.1:{refused_port()}/cb"))
    attempt = detail(manual_server, mid)["attempts"][0]
    assert attempt["error"] == "refused"
    assert detail(manual_server, mid)["state"] == "pending"


def test_unknown_host_is_a_dns_error(manual_server: RunningSandbox) -> None:
    [mid] = submit(manual_server, request("http://no-such-host.invalid/cb"))
    assert detail(manual_server, mid)["attempts"][0]["error"] == "dns"


def test_garbage_and_reset_replies(manual_server: RunningSandbox, receiver: Receiver) -> None:
    receiver.reply(Reply(kind="garbage"), Reply(kind="reset"))
    [mid] = submit(manual_server, request(receiver.url))
    manual_server.advance(60)
    manual_server.advance(300)
    one, two, three = detail(manual_server, mid)["attempts"]
    assert one["error"] == "invalid-response"
    assert two["error"] == "reset"
    assert three["acked"] is True


def test_huge_reply_is_cut_at_64_kib(manual_server: RunningSandbox, receiver: Receiver) -> None:
    receiver.reply(Reply(200, b"x" * (300 * 1024)))
    [mid] = submit(manual_server, request(receiver.url))
    attempt = detail(manual_server, mid)["attempts"][0]
    assert attempt["acked"] is True
    assert attempt["response"]["truncated"] is True
    assert attempt["response"]["bytes"] == 64 * 1024


def test_redirect_is_a_failure(manual_server: RunningSandbox, receiver: Receiver) -> None:
    receiver.reply(Reply(302, b"", headers=(("Location", receiver.url + "/elsewhere"),)))
    [mid] = submit(manual_server, request(receiver.url + "/cb"))
    attempt = detail(manual_server, mid)["attempts"][0]
    assert (attempt["status"], attempt["acked"]) == (302, False)
    assert [r.path for r in receiver.requests] == ["/cb"]


def test_goldenpay_rule_one_retry_then_failed_and_gateway_told(
    manual_server: RunningSandbox, receiver: Receiver
) -> None:
    outcomes: list[tuple[str, str]] = []
    manual_server.sandbox.delivery.on_outcome(
        "goldenpay", lambda o: outcomes.append((o.message.id, o.state))
    )
    receiver.reply(Reply(200, b"SUCCESS"), Reply(200, b'"success"'))
    golden = request(
        receiver.url,
        gateway="goldenpay",
        ack=body_equals_text("success"),
        policy=profile("goldenpay"),
    )
    [mid] = submit(manual_server, golden)
    manual_server.advance(59)
    assert len(receiver.requests) == 1
    manual_server.advance(1)
    assert len(receiver.requests) == 2
    assert detail(manual_server, mid)["state"] == "failed"
    assert outcomes == [(mid, "failed")]
    manual_server.advance(3600)
    assert len(receiver.requests) == 2

    receiver.reply(Reply(200, b"  success\n"))
    [ok] = submit(manual_server, golden)
    assert detail(manual_server, ok)["state"] == "acked"
    assert outcomes[-1] == (ok, "acked")


def test_ezpay_rule(manual_server: RunningSandbox, receiver: Receiver) -> None:
    ezpay = request(
        receiver.url, gateway="ezpay", ack=json_field_equals("code", 10000, "10000"), policy=FAST
    )
    receiver.reply(Reply(200, b'{"code":1,"message":"no"}'))
    [mid] = submit(manual_server, ezpay)
    assert detail(manual_server, mid)["state"] == "pending"
    receiver.reply(Reply(200, b'{"code":10000,"message":"Success"}'))
    manual_server.advance(60)
    assert detail(manual_server, mid)["state"] == "acked"


def test_copies_arrive_byte_identical_spacing_apart(
    manual_server: RunningSandbox, receiver: Receiver
) -> None:
    body = '{"msg":"ünïcode","n":1}'.encode()
    ids = submit(
        manual_server, request(receiver.url, body=body, copies=3, spacing=_s(10), delay=_s(5))
    )
    assert len(ids) == 3 and receiver.requests == []
    manual_server.advance(5)
    assert len(receiver.requests) == 1
    manual_server.advance(20)
    assert receiver.bodies == [body, body, body]
    copies = [detail(manual_server, i) for i in ids]
    assert [c["copy"] for c in copies] == [1, 2, 3]
    assert {c["copies"] for c in copies} == {3}
    assert [c["attempts"][0]["started_at"][11:19] for c in copies] == [
        "08:30:05",
        "08:30:15",
        "08:30:25",
    ]


def test_redelivery_after_ack(manual_server: RunningSandbox, receiver: Receiver) -> None:
    [mid] = submit(manual_server, request(receiver.url, redeliver_after=_s(120)))
    manual_server.advance(119)
    assert len(receiver.requests) == 1
    manual_server.advance(1)
    assert receiver.bodies[0] == receiver.bodies[1]
    listing = manual_server.admin("GET", "callbacks?order=P0001").json()
    assert listing["total"] == 2
    newest = listing["items"][0]
    assert newest["redelivery_of"] == mid and newest["state"] == "acked"


def _s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)
