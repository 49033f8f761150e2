"""The frame every gateway endpoint shares: one journal entry per request, and no exception ever
becomes a 5xx — it is answered with the gateway's own internal-error envelope."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from support.server import RunningSandbox, run_sandbox

from sandbox.gateways.endpoint import Refusal, journaled_endpoint
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan


class KnownError(Exception):
    pass


@dataclass
class FakeCall:
    merchant_id: str
    signature: str = "ok (raw)"
    plan: Plan | None = None
    note: str = ""


async def authenticate(request: Request, sandbox: Sandbox) -> FakeCall | Refusal:
    who = request.headers.get("x-who", "")
    if who == "":
        return Refusal(JSONResponse({"code": "denied"}), "denied", signature="missing")
    if who == "boom":
        raise RuntimeError("a bug before the handler")
    return FakeCall(who)


async def handler(call: FakeCall) -> Response:
    if call.merchant_id == "known":
        call.note = "looked at the order"
        raise KnownError
    if call.merchant_id == "bug":
        raise ZeroDivisionError
    return JSONResponse({"code": "ok"})


def answer_error(exc: Exception) -> tuple[Response, str] | None:
    if isinstance(exc, KnownError):
        return JSONResponse({"code": "known"}), "known error"
    return None


def internal_error() -> tuple[Response, str]:
    return JSONResponse({"code": "internal"}), "internal error"


ROUTE = Route(
    "/frame-test",
    journaled_endpoint(
        gateway="goldenpay",
        operation="frame.test",
        authenticate=authenticate,
        handler=handler,
        answer_error=answer_error,
        internal_error=internal_error,
        success_note="fine",
    ),
    methods=["POST"],
)


@pytest.fixture(scope="module")
def running() -> Iterator[RunningSandbox]:
    with run_sandbox(routes=[ROUTE]) as server:
        yield server


@pytest.mark.parametrize(
    ("who", "code", "merchant", "signature", "note"),
    [
        ("", "denied", "", "missing", "denied"),
        ("boom", "internal", "", "not-checked", "internal error"),
        ("m1", "ok", "m1", "ok (raw)", "fine"),
        ("known", "known", "known", "ok (raw)", "known error; looked at the order"),
        ("bug", "internal", "bug", "ok (raw)", "internal error"),
    ],
)
def test_every_request_is_answered_below_500_and_journaled_once(
    running: RunningSandbox, who: str, code: str, merchant: str, signature: str, note: str
) -> None:
    running.admin("POST", "reset")
    response = running.client.post("/frame-test", headers={"X-Who": who} if who else {})
    assert response.status_code == 200
    assert response.json() == {"code": code}
    entries = running.admin("GET", "requests", params={"gateway": "goldenpay"}).json()["items"]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["operation"], entry["merchant"], entry["status"]) == ("frame.test", merchant, 200)
    assert (entry["signature"], entry["note"]) == (signature, note)
