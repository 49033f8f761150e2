"""A mistyped path is journaled (gateway guessed from its prefix, operation `unknown`) and
answered with the nearest known paths in `X-Sandbox-Did-You-Mean`; the 404 body stays the
owner's own envelope."""

from __future__ import annotations

from typing import Any

import pytest
from support.server import RunningSandbox

pytestmark = pytest.mark.postgres


@pytest.fixture
def running(db_flags: dict[str, str]) -> Any:
    from support.server import run_sandbox

    with run_sandbox(db_flags) as server:
        yield server


def newest(running: RunningSandbox, **filters: str) -> dict[str, Any]:
    items = running.admin("GET", "requests", params={**filters, "page_size": 1}).json()["items"]
    assert items, filters
    entry: dict[str, Any] = items[0]
    return entry


@pytest.mark.parametrize(
    ("gateway", "path", "nearest", "body"),
    [
        (
            "trustpay",
            "/v4/payin/create/ordr",
            "/v4/payin/create/order",
            {"code": 880002, "message": "unknown endpoint", "data": None},
        ),
        (
            "ezpay",
            "/open-api/philippines/payment/generat",
            "/open-api/philippines/payment/generate",
            {
                "code": 21002,
                "message": "Request param error: unknown endpoint "
                "/open-api/philippines/payment/generat",
                "data": None,
            },
        ),
        (
            "goldenpay",
            "/api/v1/mch/pmt-order",
            "/api/v1/mch/pmt-orders",
            {"code": 404, "errors": {"message": "Not Found"}},
        ),
    ],
)
def test_gateway_path_typo(
    running: RunningSandbox, gateway: str, path: str, nearest: str, body: dict[str, Any]
) -> None:
    answer = running.client.post(path, content=b"{}")
    assert answer.status_code == 404
    assert answer.json() == body
    assert answer.headers["x-sandbox-did-you-mean"].split(", ")[0] == nearest
    entry = newest(running, gateway=gateway)
    assert (entry["path"], entry["operation"], entry["status"]) == (path, "unknown", 404)
    assert f"did you mean {nearest}" in entry["note"]
    detail = running.admin("GET", f"requests/{entry['id']}").json()
    assert detail["response"]["status"] == 404
    assert detail["request"]["body"] == "{}"


def test_admin_path_typo_and_a_path_near_nothing(running: RunningSandbox) -> None:
    answer = running.client.get("/_sandbox/request")
    assert answer.status_code == 404
    assert answer.json()["error"] == {
        "code": "not_found",
        "message": "no such path: /_sandbox/request",
    }
    assert "/_sandbox/requests" in answer.headers["x-sandbox-did-you-mean"].split(", ")
    entry = newest(running, operation="unknown")
    assert (entry["gateway"], entry["path"]) == ("", "/_sandbox/request")

    far = running.client.get("/zzzzzzzzzzzzzzzzzzzzzzzz")
    assert far.status_code == 404
    assert "x-sandbox-did-you-mean" not in far.headers
    entry = newest(running, operation="unknown")
    assert (entry["path"], entry["note"]) == ("/zzzzzzzzzzzzzzzzzzzzzzzz", "404 unknown path")


def test_a_path_with_nul_is_journaled(running: RunningSandbox) -> None:
    answer = running.client.get("/v4/bal%00ance")
    assert answer.status_code == 404
    entry = newest(running, gateway="trustpay", operation="unknown")
    assert entry["path"] == "/v4/bal\ufffdance"
