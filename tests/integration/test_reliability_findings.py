"""Findings of the fault and fuzz campaign, each reproduced against the real server.

Ids after a restart with a seed, chunked bodies over 1 MiB, TrustPay input that reached the
internal error, admin 500s and the connection after them, TRACE on gateway paths, and request
lines too long for the HTTP parser.
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, SECRET, error, num, ok, post

from sandbox.signing.md5 import trustpay_sign, trustpay_string_to_sign
from sandbox.signing.values import compact_json

pytestmark = pytest.mark.postgres

NOTIFY = "http://127.0.0.1:9/notify"


def cashier(order_no: str) -> dict[str, object]:
    return {
        "merchant_id": num(MERCHANT_ID),
        "order_no": order_no,
        "order_amount": num("5.00"),
        "currency": "USD",
        "notify_url": NOTIFY,
    }


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {**module_db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    ) as sandbox:
        yield sandbox


def orders_total(running: RunningSandbox) -> int:
    total: int = running.admin("GET", "orders").json()["total"]
    return total


# -- 1. ids after a restart with --seed and a file DB ---------------------------------------------


def test_seeded_ids_do_not_collide_after_a_restart(tmp_path: Path) -> None:
    flags = {"seed": "11", "db": str(tmp_path / "x.db")}
    platform_ids = []
    for run in range(3):
        with run_sandbox(flags) as running:
            data = ok(post(running, "/v4/payin/create/order", cashier(f"SEED-{run}")))
            platform_ids.append(data["platform_order_no"])
    assert len(set(platform_ids)) == 3, platform_ids


def test_same_seed_on_a_fresh_database_gives_the_same_ids(tmp_path: Path) -> None:
    found = []
    for run in range(2):
        with run_sandbox({"seed": "11", "db": str(tmp_path / f"fresh-{run}.db")}) as running:
            data = ok(post(running, "/v4/payin/create/order", cashier("SEED-SAME")))
            found.append(data["platform_order_no"])
    assert found[0] == found[1]


# -- 3. chunked bodies over 1 MiB --


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        step = min(size, total - sent)
        sent += step
        yield b"\0" * step


@pytest.mark.parametrize(
    "path",
    ["/v4/balance", "/open-api/v1/payment/create", "/api/v1/mch/pmt-orders", "/_sandbox/trigger"],
)
def test_chunked_body_over_one_mib_is_413(running: RunningSandbox, path: str) -> None:
    before = orders_total(running)
    response = running.client.post(
        path,
        content=_chunks(1_100_000),
        headers={"Content-Type": "application/json", "X-Api-Key": "tp_test_0b1c2d3e4f5a6b7c"},
    )
    assert response.status_code == 413, response.text
    assert "x-sandbox-version" in response.headers
    assert orders_total(running) == before


def test_chunked_body_under_the_limit_is_read_whole(running: RunningSandbox) -> None:
    body = compact_json(
        {**cashier("CHUNKED-OK"), "sign": trustpay_sign(cashier("CHUNKED-OK"), SECRET)}
    )
    pieces = [body[i : i + 7].encode() for i in range(0, len(body), 7)]
    response = running.client.post(
        "/v4/payin/create/order",
        content=iter(pieces),
        headers={"Content-Type": "application/json", "X-Api-Key": "tp_test_0b1c2d3e4f5a6b7c"},
    )
    assert ok(response)["order_no"] == "CHUNKED-OK"


# -- 4. TrustPay input that reached 880013 --


def test_lone_surrogate_in_an_id_field_is_a_validation_error(running: RunningSandbox) -> None:
    before = orders_total(running)
    fields = cashier("X")
    # A validly signed body: the signature is computed over the escaped text as sent.
    signed = trustpay_string_to_sign({**fields, "order_no": "\ud800"}, SECRET)
    sign = hashlib.md5(signed.encode("utf-8", "surrogatepass")).hexdigest()
    text = compact_json({**fields, "order_no": "SURR"}).replace('"SURR"', '"\\ud800"')
    body = text[:-1] + f',"sign":"{sign}"}}'
    code, message = error(post(running, "/v4/payin/create/order", body.encode()))
    assert code == 880002, message
    assert orders_total(running) == before


def test_five_thousand_digit_merchant_id_is_a_validation_error(running: RunningSandbox) -> None:
    before = orders_total(running)
    for value in (num("9" * 5000), "9" * 5000):
        code, message = error(
            post(running, "/v4/balance", {"merchant_id": value, "currency_id": "USD"})
        )
        assert code == 880002, message
        assert "merchant_id" in message
    assert orders_total(running) == before


# -- 5. admin 500s, and the connection after one --


@pytest.mark.parametrize("seconds", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999"])
def test_clock_advance_with_a_non_finite_number_is_400(
    running: RunningSandbox, seconds: str
) -> None:
    response = running.admin("POST", "clock/advance", json={"seconds": seconds})
    assert response.status_code == 400, response.text
    assert "seconds" in response.json()["error"]["message"]


def test_deeply_nested_admin_body_is_400(running: RunningSandbox) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    for path in ("trigger", "reset", "clock/advance", "scenarios/active"):
        method = "PUT" if path == "scenarios/active" else "POST"
        response = running.admin(
            method, path, content=deep, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, (path, response.text)


def test_keep_alive_survives_admin_errors(running: RunningSandbox) -> None:
    with httpx.Client(base_url=running.url) as client:
        for _ in range(3):
            bad = client.post("/_sandbox/clock/advance", json={"seconds": "NaN"})
            assert bad.status_code == 400
            assert client.get("/_sandbox/health").status_code == 200


# -- 11. TRACE on gateway paths, request lines the parser refuses --


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/v4/balance", "code"),
        ("/open-api/v1/payment/create", "code"),
        ("/api/v1/mch/info", "code"),
    ],
)
def test_trace_on_a_gateway_path_gets_that_gateways_envelope(
    running: RunningSandbox, path: str, key: str
) -> None:
    response = running.client.request("TRACE", path)
    assert response.status_code < 500
    body = response.json()
    assert key in body and "error" not in body, body


def test_over_long_request_line_is_answered_with_the_version_header(
    running: RunningSandbox,
) -> None:
    host, port = running.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
    head = reply.split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 4"), head
    assert b"x-sandbox-version" in head, head


def test_an_unexpected_error_says_connection_close_and_the_client_recovers() -> None:
    async def boom(request: Request) -> Response:
        raise RuntimeError("boom")

    with run_sandbox(routes=[Route("/boom", boom)]) as running:
        client = running.client
        failed = client.get("/boom")
        assert failed.status_code == 500
        assert failed.headers["connection"] == "close"
        assert client.get("/_sandbox/health").status_code == 200
