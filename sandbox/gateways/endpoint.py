"""The frame every gateway endpoint shares: authenticate, run the handler, answer, journal.

A gateway supplies what only it knows — how to authenticate a request (or refuse it with its own
envelope), how its known errors are answered, and its internal-error answer — and gets back a
Starlette endpoint that never lets an exception become a 5xx and appends exactly one
request-journal entry per request, refused or not.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from sandbox.gateways.requestlog import log_request
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan

log = logging.getLogger("sandbox.gateways")


@dataclass(frozen=True)
class Refusal:
    """A request refused before its handler ran, with what the journal records about it."""

    response: Response
    note: str
    merchant: str = ""
    signature: str = "not-checked"
    signature_detail: str = ""  # what a failed signature check expected


class GatewayCall(Protocol):
    """What the frame reads from a gateway's authenticated call."""

    @property
    def merchant_id(self) -> str: ...

    signature: str
    plan: Plan | None
    note: str


CallT = TypeVar("CallT", bound=GatewayCall)
# A known gateway error → (its answer, the journal note); None for anything else.
ErrorAnswer = Callable[[Exception], tuple[Response, str] | None]


def journaled_endpoint(
    *,
    gateway: str,
    operation: str,
    authenticate: Callable[[Request, Sandbox], Awaitable[CallT | Refusal]],
    handler: Callable[[CallT], Awaitable[Response]],
    answer_error: ErrorAnswer,
    internal_error: Callable[[], tuple[Response, str]],
    success_note: str = "",
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        sandbox: Sandbox = request.app.state.sandbox
        try:
            call = await authenticate(request, sandbox)
        except Exception:  # never a 5xx, even from a bug before the handler
            log.exception("%s %s: unexpected error before the handler", gateway, operation)
            response, note = internal_error()
            call = Refusal(response, note)
        if isinstance(call, Refusal):
            log_request(
                sandbox.journal,
                request,
                gateway=gateway,
                operation=operation,
                merchant=call.merchant,
                status=call.response.status_code,
                signature=call.signature,
                note=call.note,
                signature_detail=call.signature_detail,
            )
            return call.response
        try:
            response = await handler(call)
        except Exception as exc:
            answered = answer_error(exc)
            if answered is None:
                log.exception("%s %s: unexpected error", gateway, operation)
                answered = internal_error()
            response, note = answered
            call.note = "; ".join(filter(None, [note, call.note]))
        log_request(
            sandbox.journal,
            request,
            gateway=gateway,
            operation=operation,
            merchant=call.merchant_id,
            status=response.status_code,
            signature=call.signature,
            plan=call.plan,
            note=call.note or success_note,
        )
        return response

    endpoint.__name__ = operation.replace(".", "_")
    return endpoint
