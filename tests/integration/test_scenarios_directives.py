"""Every scenario directive end to end, through the test gateway (tests/support/testgateway.py),
the real server, the sandbox clock (manual) and the real delivery engine to a real receiver."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.testgateway import routes, sign

pytestmark = pytest.mark.postgres

TP_DEMO = "8820250900009"


@pytest.fixture
def gw(db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    flags = {**db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    with run_sandbox(flags, routes=routes()) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with run_receiver(Reply(200, b'{"code":"ok"}')) as running:
        yield running


def use(server: RunningSandbox, rules: str) -> None:
    """Upload a one-off scenario for trustpay and make it the only active one."""
    text = f"name: case\ngateway: trustpay\nrules:\n{rules}"
    uploaded = server.client.post("/_sandbox/scenarios", content=text)
    assert uploaded.status_code == 201, uploaded.text
    server.client.put("/_sandbox/scenarios/active", json={"names": ["case"]})


def create(
    server: RunningSandbox, order_no: str, receiver: Receiver | None = None, **extra: Any
) -> httpx.Response:
    body = {"merchant": TP_DEMO, "order_no": order_no, "amount": "10.00", **extra}
    if receiver is not None:
        body["notify_url"] = receiver.url + "/notify"
    return server.client.post("/testgw/trustpay/create", json=body)


def order(server: RunningSandbox, order_no: str) -> httpx.Response:
    return server.client.get(f"/testgw/trustpay/orders/{order_no}", params={"merchant": TP_DEMO})


def wait_callbacks(server: RunningSandbox, count: int, **filters: Any) -> list[dict[str, Any]]:
    params = {"count": count, "timeout": 5, **filters}
    response = server.admin("GET", "callbacks/wait", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def received(server: RunningSandbox, receiver: Receiver, count: int) -> list[dict[str, Any]]:
    """The callbacks the receiver got, once everything due now has run (no sleeping)."""
    server.advance(0)
    assert len(receiver.requests) >= count
    return [json.loads(r.body) for r in receiver.requests]


# -- respond ----------------------------------------------------------------------------------


def test_respond_error_is_answered_and_nothing_is_stored(gw: RunningSandbox) -> None:
    use(gw, "  - respond: {error: 880005, message: custom}\n")
    answer = create(gw, "r-1")
    assert answer.json() == {"code": 880005, "message": "custom"}
    assert order(gw, "r-1").status_code == 404


def test_respond_error_list_cycles_and_reset_rewinds(gw: RunningSandbox) -> None:
    use(gw, "  - respond: {error: [880003, 880004]}\n")
    codes = [create(gw, f"c-{i}").json()["code"] for i in range(3)]
    assert codes == [880003, 880004, 880003]
    gw.client.post("/_sandbox/reset")
    gw.client.put("/_sandbox/scenarios/active", json={"names": ["case"]})
    assert create(gw, "c-9").json()["code"] == 880003


def test_respond_http_status_and_body(gw: RunningSandbox) -> None:
    use(gw, "  - respond: {http_status: 503, body: down for maintenance}\n")
    answer = create(gw, "h-1")
    assert answer.status_code == 503 and answer.text == "down for maintenance"
    assert order(gw, "h-1").status_code == 404


def test_respond_delay_answers_late_but_normally(gw: RunningSandbox) -> None:
    use(gw, "  - respond: {delay: 400ms}\n")
    started = time.monotonic()
    answer = create(gw, "d-1")
    assert time.monotonic() - started >= 0.4
    assert answer.json()["code"] == "ok"
    assert order(gw, "d-1").status_code == 200


def test_respond_drop_closes_the_connection_without_an_answer(gw: RunningSandbox) -> None:
    use(
        gw,
        "  - when: {order_no: {prefix: C-}}\n    respond: {drop: true, commit: true}\n"
        "  - respond: {drop: true}\n",
    )
    with pytest.raises(httpx.TransportError):
        create(gw, "n-1")
    assert order(gw, "n-1").status_code == 404  # nothing created
    with pytest.raises(httpx.TransportError):
        create(gw, "C-1")
    assert order(gw, "C-1").status_code == 200  # committed: created, then dropped


# -- outcome ----------------------------------------------------------------------------------


def test_outcome_after_and_paid_amount_on_the_sandbox_clock(gw: RunningSandbox) -> None:
    use(gw, '  - outcome: {status: success, after: 10s, paid_amount: "order_amount - 1.00"}\n')
    assert create(gw, "o-1").json()["status"] == "pending"
    gw.advance(9)
    assert order(gw, "o-1").json()["status"] == "pending"
    gw.advance(1)
    done = order(gw, "o-1").json()
    assert done["status"] == "success" and done["paid_amount"] == "9.00"


def test_outcome_percent_rounds_half_up(gw: RunningSandbox) -> None:
    use(gw, '  - outcome: {status: success, paid_amount: "50%"}\n')
    create(gw, "o-2", amount="10.01")
    assert order(gw, "o-2").json()["paid_amount"] == "5.01"


def test_default_scenario_applies_when_nothing_is_selected(gw: RunningSandbox) -> None:
    answer = create(gw, "x-1", card_number="4000000000000002")
    assert answer.json()["status"] == "failed"
    assert create(gw, "E880022-1").json()["code"] == 880022


# -- callbacks and delivery ------------------------------------------------------------------


def test_callbacks_copies_are_identical_and_spaced(gw: RunningSandbox, receiver: Receiver) -> None:
    use(gw, "  - outcome: {status: success}\n    callbacks: {copies: 3, spacing: 1s}\n")
    create(gw, "k-1", receiver)
    assert len(received(gw, receiver, 1)) == 1
    gw.advance(1)
    gw.advance(1)
    bodies = [r.body for r in receiver.requests]
    assert len(bodies) == 3 and len(set(bodies)) == 1
    assert json.loads(bodies[0])["status"] == "success"


def test_callbacks_sequence_in_the_given_order(gw: RunningSandbox, receiver: Receiver) -> None:
    use(
        gw,
        "  - outcome: {status: success}\n"
        "    callbacks: {sequence: [success, pending], spacing: 1s}\n",
    )
    create(gw, "s-1", receiver)
    gw.advance(1)
    statuses = [b["status"] for b in received(gw, receiver, 2)]
    assert statuses == ["success", "pending"]
    assert order(gw, "s-1").json()["status"] == "success"


@pytest.mark.parametrize("signature", ["valid", "invalid", "missing"])
def test_callbacks_signature(gw: RunningSandbox, receiver: Receiver, signature: str) -> None:
    use(gw, f"  - outcome: {{status: success}}\n    callbacks: {{signature: {signature}}}\n")
    create(gw, "g-1", receiver)
    [body] = received(gw, receiver, 1)
    fields = {k: v for k, v in body.items() if k != "sign"}
    if signature == "valid":
        assert body["sign"] == sign(fields)
    elif signature == "invalid":
        assert body["sign"] != sign(fields)
    else:
        assert "sign" not in body


def test_callbacks_tamper_changes_fields_after_signing(
    gw: RunningSandbox, receiver: Receiver
) -> None:
    use(gw, '  - outcome: {status: success}\n    callbacks: {tamper: {paid_amount: "1.00"}}\n')
    create(gw, "t-1", receiver)
    [body] = received(gw, receiver, 1)
    assert body["paid_amount"] == "1.00"
    fields = {k: v for k, v in body.items() if k != "sign"}
    assert body["sign"] != sign(fields)
    assert body["sign"] == sign({**fields, "paid_amount": "10.00"})


def test_neutral_tamper_keys_map_to_gateway_fields(gw: RunningSandbox, receiver: Receiver) -> None:
    text = (
        "name: neutral-case\ngateway: '*'\nrules:\n  - outcome: {status: success}\n"
        "    callbacks: {tamper: {status: failed}}\n"
    )
    assert gw.client.post("/_sandbox/scenarios", content=text).status_code == 201
    body = {"merchant": TP_DEMO, "order_no": "t-2", "amount": "5", "notify_url": receiver.url}
    gw.client.post(
        "/testgw/trustpay/create", json=body, headers={"X-Sandbox-Scenario": "neutral-case"}
    )
    [received_body] = received(gw, receiver, 1)
    assert received_body["status"] == "failed"


def test_callbacks_send_false_and_delay(gw: RunningSandbox, receiver: Receiver) -> None:
    use(
        gw,
        "  - when: {order_no: {prefix: quiet-}}\n    outcome: {status: success}\n"
        "    callbacks: {send: false}\n"
        "  - outcome: {status: success}\n    callbacks: {delay: 1h}\n",
    )
    create(gw, "quiet-1", receiver)
    create(gw, "late-1", receiver)
    gw.advance(3599)
    assert receiver.requests == []
    gw.advance(1)
    [body] = received(gw, receiver, 1)
    assert body["order_no"] == "late-1"
    assert order(gw, "quiet-1").json()["status"] == "success"


def test_callbacks_redeliver_after(gw: RunningSandbox, receiver: Receiver) -> None:
    use(gw, "  - outcome: {status: success}\n    callbacks: {redeliver_after: 60s}\n")
    create(gw, "rd-1", receiver)
    gw.advance(59)
    assert len(receiver.requests) == 1
    gw.advance(1)
    received(gw, receiver, 2)
    bodies = [r.body for r in receiver.requests]
    assert len(bodies) == 2 and bodies[0] == bodies[1]


def test_delivery_override_retries_and_ack(gw: RunningSandbox, receiver: Receiver) -> None:
    # the test gateway's own ack rule wants {"code": "ok"}; any-2xx accepts a bare 200
    receiver.reply(Reply(500, b"no"), Reply(200, b"fine"))
    use(
        gw,
        "  - outcome: {status: success}\n"
        "    delivery: {retries: [5s], ack: any-2xx, timeout: 2s}\n",
    )
    create(gw, "dl-1", receiver)
    gw.advance(4)
    assert len(receiver.requests) == 1
    gw.advance(1)
    received(gw, receiver, 2)
    [message] = wait_callbacks(gw, 1, order="dl-1", state="acked")
    assert message["attempt_count"] == 2


def test_delivery_profile(gw: RunningSandbox, receiver: Receiver) -> None:
    receiver.reply(Reply(500, b"no"))
    use(gw, "  - outcome: {status: success}\n    delivery: {profile: goldenpay-legacy}\n")
    create(gw, "dp-1", receiver)
    gw.advance(30)  # goldenpay-legacy retries every 30 s (the default here would be 60 s)
    received(gw, receiver, 2)
