"""The foundation's admin API and cross-cutting HTTP rules, over a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.server import RunningSandbox, run_sandbox

from sandbox.store.balances import adjust_balance, get_balance

pytestmark = pytest.mark.postgres

TRUSTPAY_DEMO = "8820250900009"


def on_server_loop(running: RunningSandbox, fn: Any) -> Any:
    """Run `fn()` on the server's event-loop thread, where the store lives."""
    loop = running.sandbox.tasks[0].get_loop()

    async def call() -> Any:
        return fn()

    return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=10)


def test_every_response_carries_the_version(server: RunningSandbox) -> None:
    for path in ("/_sandbox/health", "/_sandbox/nope", "/v4/nope", "/"):
        assert server.client.get(path).headers["x-sandbox-version"] == "0.1.0"


def test_ready_reports_store_and_background(server: RunningSandbox) -> None:
    body = server.client.get("/_sandbox/ready").json()
    assert body["ready"] is True
    assert body["checks"]["store"] == "ok"
    assert body["checks"]["background"] == "running"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v4/payin/nope", {"code": 880002, "message": "unknown endpoint", "data": None}),
        ("/trustpay/v4/nope", {"code": 880002, "message": "unknown endpoint", "data": None}),
        (
            "/open-api/philippines/nope",
            {
                "code": 21002,
                "message": "Request param error: unknown endpoint /open-api/philippines/nope",
                "data": None,
            },
        ),
        ("/api/v1/mch/nope", {"code": 404, "errors": {"message": "Not Found"}}),
        ("/goldenpay/api/v1/mch/nope", {"code": 404, "errors": {"message": "Not Found"}}),
        (
            "/_sandbox/nope",
            {"error": {"code": "not_found", "message": "no such path: /_sandbox/nope"}},
        ),
        ("/elsewhere", {"error": {"code": "not_found", "message": "no such path: /elsewhere"}}),
    ],
)
def test_unknown_paths_get_the_owners_404(server: RunningSandbox, path: str, body: dict) -> None:
    response = server.client.post(path, json={})
    assert response.status_code == 404
    assert response.json() == body


def test_wrong_method_on_admin_path(server: RunningSandbox) -> None:
    response = server.client.delete("/_sandbox/clock")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/v4/balance",
            {"code": 880002, "message": "request body too large (limit 1 MiB)", "data": None},
        ),
        (
            "/open-api/philippines/payment/generate",
            {"code": 21002, "message": "Request param error: body larger than 1 MiB", "data": None},
        ),
        (
            "/api/v1/mch/pmt-orders",
            {"code": 413, "errors": {"message": "Request body too large (limit 1 MiB)"}},
        ),
    ],
)
def test_oversize_bodies_get_413_in_the_gateways_envelope(
    server: RunningSandbox, path: str, body: dict
) -> None:
    response = server.client.post(path, content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.json() == body


def test_oversize_streamed_body_without_length_gets_413(server: RunningSandbox) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"y" * 65536  # 1.25 MiB in all, sent chunked

    response = server.client.post("/_sandbox/reset", content=chunks())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    # Exactly 1 MiB is still accepted (and then refused as bad JSON, not as too large).
    response = server.client.post("/_sandbox/reset", content=b" " * (1024 * 1024 - 1) + b"x")
    assert response.status_code == 400


def test_admin_token_guards_admin_api_but_not_health_pages_or_reports() -> None:
    with run_sandbox({"admin_token": "s3cret"}) as running:
        client = running.client
        assert client.get("/_sandbox/merchants").status_code == 401
        wrong = client.get("/_sandbox/clock", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "unauthorized"
        assert running.admin("GET", "merchants").status_code == 200
        assert client.get("/_sandbox/health").status_code == 200
        assert client.get("/_sandbox/ready").status_code == 200
        # Hosted pages and downloads are reached without the token (404 here: none exist yet).
        assert client.get("/_sandbox/pay/trustpay/X").status_code == 404
        assert client.get("/_sandbox/reports/x.csv").status_code == 404
        # Gateway endpoints never need the admin token.
        assert client.post("/v4/nope").status_code == 404


def test_merchants_are_listed_with_credentials(server: RunningSandbox) -> None:
    body = server.client.get("/_sandbox/merchants").json()
    assert body["total"] == 3
    by_gateway = {item["gateway"]: item for item in body["items"]}
    assert by_gateway["trustpay"]["credentials"] == {
        "merchant_id": 8820250900009,
        "api_key": "tp_test_0b1c2d3e4f5a6b7c",
        "secret": "tp_test_secret_9f8e7d6c",
    }
    assert by_gateway["goldenpay"]["credentials"]["api_token"] == "gp_test_token_5e6f7a8b"
    ezpay = by_gateway["ezpay"]["credentials"]
    assert ezpay["app_id"] == "8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c"
    assert ezpay["merchant_public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert by_gateway["trustpay"]["settings"]["limits"]["min_amount"] == "1.00"

    only = server.client.get("/_sandbox/merchants", params={"gateway": "ezpay"}).json()
    assert [item["gateway"] for item in only["items"]] == ["ezpay"]
    page = server.client.get("/_sandbox/merchants", params={"page": 2, "page_size": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    bad = server.client.get("/_sandbox/merchants", params={"page_size": 501})
    assert bad.status_code == 400
    assert "page_size" in bad.json()["error"]["message"]
    assert server.client.get("/_sandbox/merchants", params={"gateway": "x"}).status_code == 400


def test_manual_clock_moves_only_by_advance(manual_server: RunningSandbox) -> None:
    client = manual_server.client
    assert client.get("/_sandbox/clock").json()["now"] == "2026-03-12T08:30:00.000000Z"
    assert client.get("/_sandbox/clock").json()["mode"] == "manual"
    moved = manual_server.advance(86400).json()
    assert moved["now"] == "2026-03-13T08:30:00.000000Z"
    moved = manual_server.advance(0.25).json()
    assert moved["now"] == "2026-03-13T08:30:00.250000Z"


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "clock/advance", {"seconds": -5}, "seconds: must be 0 or more"),
        ("POST", "clock/advance", {"seconds": "soon"}, "seconds: 'soon' is not a number"),
        ("POST", "clock/advance", {}, 'body must be {"seconds": N}'),
        ("POST", "clock/advance", [1], "body must be a JSON object"),
        ("PUT", "clock", {"mode": "sundial"}, "mode: 'sundial' is not 'real' or 'manual'"),
        ("PUT", "clock", {"scale": 0}, "scale: must be greater than 0"),
        ("PUT", "clock", {"speed": 2}, "unknown field(s): speed"),
    ],
)
def test_clock_input_errors(
    manual_server: RunningSandbox, method: str, path: str, body: Any, message: str
) -> None:
    response = manual_server.admin(method, path, json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert (
        manual_server.client.get("/_sandbox/clock").json()["now"] == "2026-03-12T08:30:00.000000Z"
    )


def test_clock_mode_switch_keeps_time_and_runs_at_scale(manual_server: RunningSandbox) -> None:
    switched = manual_server.admin("PUT", "clock", json={"mode": "real", "scale": 3600}).json()
    assert switched["mode"] == "real" and switched["scale"] == 3600
    assert switched["now"] >= "2026-03-12T08:30:00.000000Z"
    later = manual_server.client.get("/_sandbox/clock").json()["now"]
    assert later > switched["now"]  # an hour of sandbox time per real second
    back = manual_server.admin("PUT", "clock", json={"mode": "manual"}).json()
    assert manual_server.client.get("/_sandbox/clock").json()["now"] == back["now"]


def test_reset_restores_opening_balances(manual_server: RunningSandbox) -> None:
    sandbox = manual_server.sandbox

    def spend(gateway: str, merchant: str, currency: str) -> None:
        adjust_balance(
            sandbox.store, gateway, merchant, currency, Decimal("-5.00"), sandbox.clock.now()
        )

    def balance(gateway: str, merchant: str, currency: str) -> Decimal:
        found = get_balance(sandbox.store, gateway, merchant, currency)
        assert found is not None
        return found.available

    on_server_loop(manual_server, lambda: spend("trustpay", TRUSTPAY_DEMO, "USD"))
    on_server_loop(manual_server, lambda: spend("goldenpay", "10001", "PHP"))
    scoped = manual_server.admin(
        "POST", "reset", json={"gateway": "trustpay", "merchant": TRUSTPAY_DEMO}
    )
    assert scoped.status_code == 200
    assert on_server_loop(
        manual_server, lambda: balance("trustpay", TRUSTPAY_DEMO, "USD")
    ) == Decimal("10000.00")
    assert on_server_loop(manual_server, lambda: balance("goldenpay", "10001", "PHP")) == Decimal(
        "999995"
    )

    manual_server.advance(3600)
    assert manual_server.admin("POST", "reset").status_code == 200
    assert on_server_loop(manual_server, lambda: balance("goldenpay", "10001", "PHP")) == Decimal(
        "1000000"
    )
    # The clock is kept unless asked for.
    assert (
        manual_server.client.get("/_sandbox/clock").json()["now"] == "2026-03-12T09:30:00.000000Z"
    )
    manual_server.admin("POST", "reset", json={"clock": True})
    assert (
        manual_server.client.get("/_sandbox/clock").json()["now"] == "2026-03-12T08:30:00.000000Z"
    )


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"gateway": "paypal", "merchant": "1"}, 400, "gateway: unknown gateway 'paypal'"),
        ({"gateway": "trustpay", "merchant": "1"}, 404, "merchant: no trustpay merchant 1"),
        ({"gateway": "trustpay"}, 400, "gateway and merchant go together"),
        ({"clock": "yes"}, 400, "clock: must be true or false"),
        ({"everything": True}, 400, "unknown field(s): everything"),
    ],
)
def test_reset_input_errors(server: RunningSandbox, body: dict, status: int, message: str) -> None:
    response = server.admin("POST", "reset", json=body)
    assert response.status_code == status
    assert message in response.json()["error"]["message"]


def test_file_database_keeps_clock_and_balances_across_restart(tmp_path: Path) -> None:
    flags = {"clock": "manual", "clock_start": "2026-01-01T00:00:00Z", "db": str(tmp_path / "s.db")}
    with run_sandbox(flags) as first:
        first.advance(7200)
        on_server_loop(
            first,
            lambda: adjust_balance(
                first.sandbox.store,
                "goldenpay",
                "10001",
                "THB",
                Decimal("-1.50"),
                first.sandbox.clock.now(),
            ),
        )
    with run_sandbox(flags) as second:
        assert second.client.get("/_sandbox/clock").json()["now"] == "2026-01-01T02:00:00.000000Z"
        remaining = on_server_loop(
            second,
            lambda: get_balance(second.sandbox.store, "goldenpay", "10001", "THB"),
        )
        assert remaining.available == Decimal("999998.50")


def test_invalid_json_body_is_a_clear_400(server: RunningSandbox) -> None:
    response = server.client.post("/_sandbox/clock/advance", content=b"{nope")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("body is not valid JSON")


def test_http_client_sees_json_errors_not_html(server: RunningSandbox) -> None:
    response = httpx.get(f"{server.url}/_sandbox/missing")
    assert response.headers["content-type"] == "application/json"
