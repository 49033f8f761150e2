"""DemoPay's request handling: the shared pipeline with DemoPay's authentication and envelope."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from demo_gateway.codes import GATEWAY, DemoError, envelope, invalid
from demo_gateway.merchant import DemoMerchant
from sandbox.gateways.pipeline import Call as PipelineCall
from sandbox.gateways.pipeline import Envelope, Refusal, gateway_endpoint
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import BadHeader


def render(refusal: Refusal) -> Response:
    return JSONResponse(envelope(str(refusal.code), refusal.message), refusal.http_status)


@dataclass(kw_only=True)
class Call(PipelineCall):
    """One authenticated DemoPay request."""

    gateway = GATEWAY

    merchant: DemoMerchant
    body: dict[str, Any]

    @property
    def merchant_id(self) -> str:
        return self.merchant.merchant_id

    def render(self, refusal: Refusal) -> Response:
        return render(refusal)

    def bad_header(self, bad: BadHeader) -> Refusal:
        return invalid(bad.header, bad.text)

    def forced_error(self, respond: Any) -> Refusal:
        assert respond.error is not None
        return DemoError(respond.error.code, respond.message or respond.error.message)


async def authenticate(request: Request, sandbox: Sandbox, operation: str) -> Call:
    merchant_id = request.headers.get("x-demo-merchant", "")
    merchant = sandbox.merchants.find(GATEWAY, merchant_id)
    if merchant is None or request.headers.get("x-demo-key") != merchant.api_key:
        raise DemoError("unauthorized", "unknown merchant or key").journaled(
            merchant=merchant_id, signature="bad-key"
        )
    body: dict[str, Any] = {}
    if request.method == "POST":
        try:
            parsed = json.loads(await request.body())
        except ValueError:
            raise invalid("body", "not JSON").journaled(merchant_id, "ok") from None
        if not isinstance(parsed, dict):
            raise invalid("body", "must be a JSON object").journaled(merchant_id, "ok")
        body = parsed
    return Call(
        request=request,
        sandbox=sandbox,
        operation=operation,
        signature="ok",
        merchant=merchant,
        body=body,
    )


ENVELOPE: Envelope[Call] = Envelope(
    gateway=GATEWAY,
    authenticate=authenticate,
    render=render,
    internal_error=lambda: DemoError("busy", "internal error", http_status=503),
)

Handler = Callable[[Call], Awaitable[Response]]


def demo_endpoint(operation: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    return gateway_endpoint(ENVELOPE, operation, handler)
