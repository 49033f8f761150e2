"""The frame every gateway endpoint shares: one journal entry per request, and no exception ever
becomes a 5xx — it is answered with the gateway's own internal-error envelope."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from support.server import RunningSandbox, run_sandbox

from sandbox.gateways.pipeline import Call, Envelope, Refusal, gateway_endpoint
from sandbox.runtime import Sandbox

pytestmark = pytest.mark.postgres


class KnownError(Refusal):
    def __init__(self) -> None:
        super().__init__("known", "known", note="known error")


def render(refusal: Refusal) -> Response:
    return JSONResponse({"code": refusal.code})


@dataclass(kw_only=True)
class FakeCall(Call):
    gateway = "goldenpay"
    who: str

    @property
    def merchant_id(self) -> str:
        return self.who

    def render(self, refusal: Refusal) -> Response:
        return render(refusal)


async def authenticate(request: Request, sandbox: Sandbox, operation: str) -> FakeCall:
    who = request.headers.get("x-who", "")
    if who == "":
        raise Refusal("denied", "denied", note="denied").journaled(signature="missing")
    if who == "boom":
        raise RuntimeError("a bug before the handler")
    return FakeCall(
        request=request, sandbox=sandbox, operation=operation, signature="ok (raw)", who=who
    )


async def handler(call: Any) -> Response:
    if call.merchant_id == "known":
        call.note = "looked at the order"
        raise KnownError
    if call.merchant_id == "bug":
        raise ZeroDivisionError
    return JSONResponse({"code": "ok"})


def internal_error() -> Refusal:
    return Refusal("internal", "internal", note="internal error")


ENVELOPE: Envelope[Any] = Envelope(
    gateway="goldenpay",
    authenticate=authenticate,
    render=render,
    internal_error=internal_error,
    success_note="fine",
)
ROUTE = Route("/frame-test", gateway_endpoint(ENVELOPE, "frame.test", handler), methods=["POST"])


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(module_db_flags, routes=[ROUTE]) as server:
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
