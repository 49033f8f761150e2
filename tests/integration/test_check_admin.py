"""POST /_sandbox/check and `SandboxClient.check` / `AsyncSandboxClient.check`: the check run by
a real server (behind its admin token) against reference handlers on real loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from support.merchant_handlers import handler_app
from support.server import RunningSandbox, run_sandbox, serve_asgi

from sandbox.client import AsyncSandboxClient, SandboxClient, SandboxError

pytestmark = pytest.mark.postgres

TOKEN = "check-admin-token"


@pytest.fixture(scope="module")
def sandbox(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {
            **module_db_flags,
            "admin_token": TOKEN,
            "clock": "manual",
            "clock_start": "2026-03-12T08:30:00Z",
        }
    ) as running:
        yield running


@pytest.fixture(scope="module")
def handlers() -> Iterator[dict[str, str]]:
    """Base URLs of a correct TrustPay handler and a GoldenPay one answering the wrong ack."""
    with (
        serve_asgi(handler_app("trustpay")) as trustpay,
        serve_asgi(handler_app("goldenpay", "wrong-ack")) as goldenpay,
    ):
        yield {"trustpay": trustpay, "goldenpay": goldenpay}


def post_check(sandbox: RunningSandbox, body: Any) -> Any:
    return sandbox.admin("POST", "check", json=body)


def test_the_report_of_a_correct_handler(sandbox: RunningSandbox, handlers: dict[str, str]) -> None:
    url = handlers["trustpay"]
    body = {
        "gateway": "trustpay",
        "notify_url": f"{url}/notify",
        "state_url": f"{url}/orders/{{order_no}}",
        "only": ["valid", "duplicate", "payin.short-payment"],
    }
    response = post_check(sandbox, body)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["passed"] is True
    assert report["gateway"] == "trustpay" and report["merchant"] == "8820250900009"
    assert [r["id"] for r in report["results"]] == [
        "payin.valid",
        "payin.duplicate",
        "payin.short-payment",
        "payout.valid",
        "payout.duplicate",
        "refund.valid",
        "refund.duplicate",
    ]
    assert all(r["state_checked"] for r in report["results"])
    # The callbacks tell the sandbox clock's time (manual here, at its start).
    sent = report["results"][0]["exchanges"][0]["sent"]
    assert "2026-03-12 08:30:00" in sent


def test_a_failing_handler_is_a_report_not_an_error(
    sandbox: RunningSandbox, handlers: dict[str, str]
) -> None:
    body = {"gateway": "goldenpay", "notify_url": f"{handlers['goldenpay']}/notify"}
    response = post_check(sandbox, {**body, "only": ["valid"], "merchant": 10001})
    assert response.status_code == 200
    report = response.json()
    assert report["passed"] is False
    assert report["counts"] == {"pass": 0, "fail": 2, "info": 0, "skip": 0}
    assert report["results"][0]["message"].startswith("not acknowledged: HTTP 200 'SUCCESS'")
    assert report["state_not_verified"] == ["payin.valid", "payout.valid"]


def test_the_admin_token_is_required(sandbox: RunningSandbox, handlers: dict[str, str]) -> None:
    body = {"gateway": "trustpay", "notify_url": f"{handlers['trustpay']}/notify"}
    response = sandbox.client.post("/_sandbox/check", json=body)
    assert response.status_code == 401


URL = "http://127.0.0.1:9/notify"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "gateway: required"),
        ({"gateway": "paypal", "notify_url": URL}, 400, "gateway: unknown gateway 'paypal'"),
        ({"gateway": 7, "notify_url": URL}, 400, "gateway: required"),
        ({"gateway": "ezpay"}, 400, "notify_url: required"),
        ({"gateway": "ezpay", "notify_url": "ftp://x"}, 400, "notify_url: must be an http(s) URL"),
        ({"gateway": "ezpay", "notify_url": ["x"]}, 400, "notify_url: must be an http(s) URL"),
        ({"gateway": "ezpay", "notify_url": "http://[x/n"}, 400, "notify_url: is not a valid"),
        (
            {"gateway": "ezpay", "notify_url": URL, "state_url": "http:///{order_no}"},
            400,
            "state_url: must name a host",
        ),
        (
            {"gateway": "ezpay", "notify_url": URL, "state_url": "http://m/orders"},
            400,
            "state_url: must contain {order_no}",
        ),
        ({"gateway": "ezpay", "notify_url": URL, "only": "valid"}, 400, "only: must be a list"),
        ({"gateway": "ezpay", "notify_url": URL, "only": ["nope"]}, 400, "only: unknown case nope"),
        ({"gateway": "ezpay", "notify_url": URL, "merchant": True}, 400, "merchant: must be"),
        ({"gateway": "ezpay", "notify_url": URL, "kinds": "payin"}, 400, "kinds: must be a list"),
        ({"gateway": "goldenpay", "notify_url": URL, "kinds": ["refund"]}, 400, "kinds: unknown"),
        (
            {"gateway": "ezpay", "notify_url": URL, "kinds": ["payin"], "only": ["refund.valid"]},
            400,
            "only: no case left to run for ezpay: refund.valid",
        ),
        ({"gateway": "ezpay", "notify_url": URL, "merchant": "x"}, 422, "unknown ezpay merchant"),
        ({"gateway": "ezpay", "notify_url": URL, "timeout": 1}, 400, "unknown field(s): timeout"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(
    sandbox: RunningSandbox, body: dict[str, Any], status: int, message: str
) -> None:
    response = post_check(sandbox, body)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]["message"]


@pytest.mark.parametrize("raw", [b"", b"[1]", b"{not json", b'"text"'])
def test_a_body_that_is_no_json_object_is_a_400(sandbox: RunningSandbox, raw: bytes) -> None:
    response = sandbox.admin("POST", "check", content=raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_the_openapi_document_describes_the_body(sandbox: RunningSandbox) -> None:
    operation = sandbox.admin("GET", "openapi.json").json()["paths"]["/_sandbox/check"]["post"]
    assert operation["summary"].startswith("Run the conformance check")
    assert operation["security"] == [{"adminToken": []}, {}]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["gateway", "notify_url"]
    fields = {"gateway", "notify_url", "merchant", "only", "kinds", "state_url"}
    assert set(schema["properties"]) == fields


def test_sandbox_client_check(sandbox: RunningSandbox, handlers: dict[str, str]) -> None:
    with SandboxClient(sandbox.url, TOKEN) as client:
        url = handlers["trustpay"]
        report = client.check("trustpay", f"{url}/notify", only=["tampered-amount"])
        assert report["passed"] is True
        assert [r["verdict"] for r in report["results"]] == ["pass", "pass", "pass"]
        failing = client.check("goldenpay", f"{handlers['goldenpay']}/notify", only=["latency"])
        assert failing["passed"] is False
        with pytest.raises(SandboxError) as raised:
            client.check("goldenpay", f"{url}/notify", merchant="nobody")
    assert raised.value.status == 422 and "unknown goldenpay merchant" in raised.value.message


def test_async_sandbox_client_check(sandbox: RunningSandbox, handlers: dict[str, str]) -> None:
    url = handlers["trustpay"]

    async def run() -> dict[str, Any]:
        async with AsyncSandboxClient(sandbox.url, TOKEN) as client:
            return await client.check(
                "trustpay",
                f"{url}/notify",
                merchant="8820250900009",
                only=["late-failure"],
                kinds=["payin"],
                state_url=f"{url}/orders/{{order_no}}",
            )

    report = asyncio.run(run())
    (result,) = report["results"]
    assert result["verdict"] == "pass" and result["state"]["status"] == "paid"
