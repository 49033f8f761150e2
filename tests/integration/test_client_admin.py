"""`SandboxClient` and `AsyncSandboxClient` against a real server, through the plugin's own
`sandbox` and `callback_receiver` fixtures (every method, over real sockets)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from sandbox.client import AsyncSandboxClient, CallbackTimeout, SandboxClient, SandboxError
from sandbox.testing.plugin import SandboxServer
from sandbox.testing.receiver import Receiver

pytestmark = pytest.mark.postgres

TP = "8820250900009"
SCENARIO = """name: ci-client-test
gateway: trustpay
description: answers every balance call with 880007
rules:
  - when: {operation: balance}
    respond: {error: 880007}
"""


def trigger(client: SandboxClient, url: str, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "gateway": "trustpay",
        "merchant": TP,
        "kind": "payin",
        "status": "success",
        "amount": "25.00",
        "notify_url": url,
        **extra,
    }
    return client.trigger(**fields)


def test_health_ready_merchants_openapi(sandbox: SandboxClient) -> None:
    assert sandbox.health()["status"] == "ok"
    ready = sandbox.ready()
    assert ready["ready"] is True and ready["checks"]["store"] == "ok"
    gateways = {m["gateway"] for m in sandbox.merchants()}
    assert gateways == {"trustpay", "ezpay", "goldenpay"}
    assert [m["merchant"] for m in sandbox.merchants("goldenpay")] == ["10001"]
    assert "/_sandbox/trigger" in sandbox.openapi()["paths"]


def test_clock_advance_and_set_clock(sandbox: SandboxClient) -> None:
    start = sandbox.clock()
    assert start["mode"] == "manual" and start["now"] == "2026-03-12T08:30:00.000000Z"
    assert sandbox.advance(90)["now"] == "2026-03-12T08:31:30.000000Z"
    assert sandbox.advance("0.5")["now"] == "2026-03-12T08:31:30.500000Z"
    try:
        assert sandbox.set_clock(mode="real", scale=2)["mode"] == "real"
        assert sandbox.clock()["scale"] == 2
    finally:
        sandbox.set_clock(mode="manual", scale=1)
    assert sandbox.reset(clock=True)["clock"] is True
    assert sandbox.clock()["now"] == "2026-03-12T08:30:00.000000Z"


def test_trigger_orders_complete_and_reset(sandbox: SandboxClient) -> None:
    order = trigger(sandbox, "http://127.0.0.1:9/none", status="pending", order_no="CLI-1")
    assert order["status"] == "1"
    assert [o["id"] for o in sandbox.orders(gateway="trustpay")] == [order["id"]]
    assert sandbox.order("CLI-1", gateway="trustpay", merchant=TP)["id"] == order["id"]
    done = sandbox.complete(order["id"], status="success", paid_amount="25.00")
    assert done["status"] == "5"
    assert sandbox.orders(status="5")[0]["id"] == order["id"]
    assert sandbox.reset(gateway="trustpay", merchant=TP)["merchant"] == TP
    assert sandbox.orders() == []


def test_errors_carry_the_api_code_and_message(sandbox: SandboxClient) -> None:
    with pytest.raises(SandboxError) as caught:
        sandbox.order("NO-SUCH-ORDER")
    assert (caught.value.status, caught.value.code) == (404, "not_found")
    assert "NO-SUCH-ORDER" in caught.value.message
    with pytest.raises(SandboxError) as bad:
        sandbox.reset(gateway="trustpay")
    assert (bad.value.status, bad.value.code) == (400, "bad_request")
    assert bad.value.message == "gateway and merchant go together"


def test_callbacks_wait_resend(sandbox: SandboxClient, callback_receiver: Receiver) -> None:
    order = trigger(sandbox, callback_receiver.url + "/notify")
    [acked] = sandbox.wait_callbacks(order=order["id"], state="acked")
    assert acked["order_id"] == order["id"] and acked["attempt_count"] == 1
    assert [c["id"] for c in sandbox.callbacks(gateway="trustpay")] == [acked["id"]]
    detail = sandbox.callback(acked["id"])
    assert detail["attempts"][0]["status"] == 200
    assert detail["request"]["url"] == callback_receiver.url + "/notify"
    again = sandbox.resend(acked["id"])
    assert again["attempt"]["acked"] is True
    assert len(callback_receiver.requests) == 2
    assert callback_receiver.requests[0].body == callback_receiver.requests[1].body


def test_wait_callbacks_timeout_lists_what_arrived(
    sandbox: SandboxClient, callback_receiver: Receiver
) -> None:
    order = trigger(sandbox, callback_receiver.url)
    sandbox.wait_callbacks(order=order["id"])
    started = time.monotonic()
    with pytest.raises(CallbackTimeout) as caught:
        sandbox.wait_callbacks(count=2, timeout=0.3, order=order["id"])
    assert time.monotonic() - started < 5
    error = caught.value
    assert (error.status, error.code, error.wanted) == (408, "timeout", 2)
    assert [item["order_id"] for item in error.arrived] == [order["id"]]
    assert "1 of 2 callback(s) matched" in error.message
    assert f"order={order['id']} state=acked" in error.message


def test_requests_journal(sandbox: SandboxClient) -> None:
    from sandbox.client import TrustPayClient

    with TrustPayClient(sandbox.url) as trustpay:
        trustpay.balance("USD")
    [entry] = sandbox.requests(gateway="trustpay")
    assert (entry["operation"], entry["status"]) == ("balance", 200)
    assert sandbox.requests(operation="payin.card") == []


def test_scenarios_upload_activate_and_use(sandbox: SandboxClient) -> None:
    from sandbox.client import TrustPayClient

    uploaded = sandbox.upload_scenario(SCENARIO, file="ci-client.yaml")
    assert (uploaded["name"], uploaded["status"]) == ("ci-client-test", "ok")
    assert "ci-client-test" in {s["name"] for s in sandbox.scenarios("trustpay")}
    with pytest.raises(SandboxError) as invalid:
        sandbox.upload_scenario("name: broken\ngateway: nowhere\nrules: 3\n")
    assert invalid.value.status == 422 and invalid.value.code == "invalid_scenario"
    with TrustPayClient(sandbox.url) as trustpay:
        with sandbox.use_scenario("ci-client-test"):
            assert sandbox.selection()["global"] == ["ci-client-test"]
            assert int(trustpay.balance()["code"]) == 880007
        assert sandbox.selection()["global"] == []
        assert int(trustpay.balance()["code"]) == 880001
        sandbox.activate(["happy-path"])
        with sandbox.use_scenario("ci-client-test", gateway="trustpay", merchant=TP) as chosen:
            assert chosen["merchants"] == [
                {"gateway": "trustpay", "merchant": TP, "names": ["ci-client-test"]}
            ]
            assert int(trustpay.balance()["code"]) == 880007
        assert sandbox.selection() == {"global": ["happy-path"], "merchants": []}


def test_async_client_has_the_same_calls(
    sandbox_server: SandboxServer, sandbox: SandboxClient, callback_receiver: Receiver
) -> None:
    async def scenario() -> None:
        async with AsyncSandboxClient(sandbox_server.url, sandbox_server.admin_token) as client:
            assert (await client.health())["status"] == "ok"
            assert (await client.ready())["ready"] is True
            assert len(await client.merchants("trustpay")) == 1
            assert (await client.clock())["mode"] == "manual"
            assert (await client.advance(60))["now"] == "2026-03-12T08:31:00.000000Z"
            assert (await client.set_clock(scale=1))["scale"] == 1
            order = await client.trigger(
                gateway="goldenpay",
                merchant="10001",
                kind="payin",
                status="pending",
                currency="THB",
                amount="10.00",
                notify_url=callback_receiver.url,
            )
            assert (await client.orders(gateway="goldenpay"))[0]["id"] == order["id"]
            assert (await client.order(order["id"]))["status"] == "20"
            await client.complete(order["id"], status="success")
            [callback] = await client.wait_callbacks(order=order["id"], state="acked")
            assert (await client.callbacks(order=order["id"]))[0]["id"] == callback["id"]
            assert (await client.callback(callback["id"]))["attempts"][0]["acked"] is True
            assert (await client.resend(callback["id"]))["attempt"]["acked"] is True
            with pytest.raises(CallbackTimeout):
                await client.wait_callbacks(count=5, timeout=0.2, order=order["id"])
            assert await client.requests(gateway="goldenpay") == []
            assert "happy-path" in {s["name"] for s in await client.scenarios()}
            await client.upload_scenario(SCENARIO)
            async with client.use_scenario("ci-client-test"):
                assert (await client.selection())["global"] == ["ci-client-test"]
            assert (await client.activate(["happy-path"]))["global"] == ["happy-path"]
            assert "paths" in await client.openapi()
            assert (await client.reset())["reset"] is True
            with pytest.raises(SandboxError) as caught:
                await client.order("nope")
            assert caught.value.status == 404

    asyncio.run(scenario())
    assert callback_receiver.requests[0].json()["status"] == 60


def test_receiver_scripts_slow_and_wrong_ack(
    sandbox: SandboxClient, callback_receiver: Receiver
) -> None:
    callback_receiver.slow(0.3)
    callback_receiver.wrong_ack()
    slow = trigger(sandbox, callback_receiver.url + "/slow")
    [acked] = sandbox.wait_callbacks(order=slow["id"], state="acked")
    assert sandbox.callback(acked["id"])["attempts"][0]["latency_ms"] >= 300
    wrong = sandbox.trigger(
        gateway="ezpay", merchant="8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c", kind="payin",
        status="success", amount=2500, currency="PHP", notify_url=callback_receiver.url + "/ez",
    )  # fmt: skip
    sandbox.advance(0)
    [pending] = sandbox.callbacks(order=wrong["id"])
    [attempt] = sandbox.callback(pending["id"])["attempts"]
    assert (attempt["status"], attempt["acked"]) == (200, False)  # EzPay wants code 10000
    sandbox.advance(60)
    [retried] = sandbox.wait_callbacks(order=wrong["id"], state="acked")
    assert retried["attempt_count"] == 2  # the default reply is EzPay's own acknowledgement
    assert [r.path for r in callback_receiver.requests] == ["/slow", "/ez", "/ez"]
