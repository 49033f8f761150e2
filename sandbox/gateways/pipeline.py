"""The request pipeline every gateway endpoint runs, specialised by each gateway.

    authenticate → read fields → plan the scenario → business rules → answer → journal

A gateway supplies a `Call` subclass (what an authenticated request carries, how its forced
errors and bad scenario headers are worded, how a refusal is rendered in its envelope) and an
`authenticate` step; `gateway_endpoint` turns a handler into a Starlette endpoint that never lets
an exception become a 5xx and appends exactly one request-journal entry per request.

A request is refused one way only: by raising a `Refusal` (each gateway's error class is one),
whether authentication refuses it or a handler does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from sandbox.gateways.directives import answer_as_planned, processes
from sandbox.gateways.refusal import Refusal
from sandbox.gateways.requestlog import log_request
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import BadHeader, Plan, PlannedResponse, RequestFacts
from sandbox.signing.explain import Explanation

__all__ = ["Call", "Envelope", "Handler", "Refusal", "gateway_endpoint"]

log = logging.getLogger("sandbox.gateways")


@dataclass(kw_only=True)
class Call:
    """One authenticated request, as handed to an endpoint handler.

    Subclasses add the merchant and the request's fields, and say how their gateway words a
    forced error (`forced_error`), a bad scenario header (`bad_header`) and renders a refusal.
    """

    gateway: ClassVar[str]

    request: Request
    sandbox: Sandbox
    operation: str
    signature: str  # the journal's verdict: "ok (raw)", "ok (normalised)", ...
    plan: Plan | None = None
    note: str = ""

    @property
    def merchant_id(self) -> str:
        raise NotImplementedError

    def now(self) -> datetime:
        return self.sandbox.clock.now()

    def render(self, refusal: Refusal) -> Response:
        """The refusal in the gateway's error envelope."""
        raise NotImplementedError

    def bad_header(self, bad: BadHeader) -> Refusal:
        """The gateway's bad-request error for an unusable scenario header."""
        raise NotImplementedError

    def forced_error(self, respond: PlannedResponse) -> Refusal:
        """The error a scenario (or `X-Sandbox-Code`) forces, with the planned message."""
        assert respond.error is not None
        code = respond.error.value
        return Refusal(code, respond.message or respond.error.message)

    def plan_for(
        self,
        *,
        order_no: str | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
        channel: str | None = None,
        card_number: str | None = None,
    ) -> Plan:
        """The scenario plan for this request, asked once its fields are read and checked."""
        facts = RequestFacts(
            gateway=self.gateway,
            operation=self.operation,
            merchant=self.merchant_id,
            amount=amount,
            currency=currency,
            channel=channel,
            order_no=order_no,
            card_number=card_number,
            headers=dict(self.request.headers),
        )
        plan = self.sandbox.scenarios.plan(facts)
        self.plan = plan
        if plan.bad_request is not None:
            raise self.bad_header(plan.bad_request)
        return plan

    def processes(self, plan: Plan) -> bool:
        """Is the request processed (business rules, state change) before answering?"""
        return processes(plan)

    def scenario_answer(
        self, respond: PlannedResponse, normal: Callable[[], Response] | None
    ) -> Response:
        """The answer to a forced error (`normal` is the handler's own answer, if any)."""
        refusal = self.forced_error(respond)
        self.note = f"{refusal.note} (scenario)"
        return self.render(refusal)

    async def answer(self, plan: Plan, normal: Callable[[], Response] | None) -> Response:
        """The planned answer over the handler's own (`normal`; None when nothing was done)."""

        def nothing() -> Response:  # pragma: no cover - a plan that processes nothing errs
            raise RuntimeError("a plan that processes nothing answered normally")

        return await answer_as_planned(
            self.request,
            plan,
            normal or nothing,
            lambda respond: self.scenario_answer(respond, normal),
        )


CallT = TypeVar("CallT", bound=Call)
Handler = Callable[[CallT], Awaitable[Response]]


@dataclass(frozen=True)
class Envelope(Generic[CallT]):
    """What a gateway's pipeline needs beside its handler: its name, how it authenticates, how
    it renders a refusal raised before a call exists, and its internal-error refusal."""

    gateway: str
    authenticate: Callable[[Request, Sandbox, str], Awaitable[CallT]]
    render: Callable[[Refusal], Response]
    internal_error: Callable[[], Refusal]
    success_note: str = ""


def gateway_endpoint(
    envelope: Envelope[CallT], operation: str, handler: Handler[CallT]
) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint that runs `handler` for `operation` through the pipeline."""
    gateway = envelope.gateway

    def journal(
        request: Request,
        sandbox: Sandbox,
        *,
        merchant: str,
        status: int,
        signature: str,
        note: str,
        plan: Plan | None = None,
        signature_detail: str = "",
        response: Response | None = None,
        explanation: Explanation | None = None,
        started: float = 0.0,
    ) -> None:
        log_request(
            sandbox.journal,
            request,
            gateway=gateway,
            operation=operation,
            merchant=merchant,
            status=status,
            signature=signature,
            plan=plan,
            note=note,
            signature_detail=signature_detail,
            response=response,
            explanation=explanation,
            latency_ms=(time.perf_counter() - started) * 1000,
            events=sandbox.events,
        )

    def internal(stage: str) -> Refusal:
        log.exception("%s %s: unexpected error %s", gateway, operation, stage)
        return envelope.internal_error()

    async def endpoint(request: Request) -> Response:
        sandbox: Sandbox = request.app.state.sandbox
        started = time.perf_counter()  # wall time, for the log's latency only
        try:
            call = await envelope.authenticate(request, sandbox, operation)
        except Exception as exc:  # never a 5xx, even from a bug before the handler
            refusal = exc if isinstance(exc, Refusal) else internal("before the handler")
            response = envelope.render(refusal)
            journal(
                request,
                sandbox,
                merchant=refusal.merchant,
                status=response.status_code,
                signature=refusal.signature,
                note=refusal.note,
                signature_detail=refusal.signature_detail,
                response=response,
                explanation=refusal.explanation,
                started=started,
            )
            return response
        try:
            response = await handler(call)
        except Exception as exc:
            refusal = exc if isinstance(exc, Refusal) else internal("in the handler")
            response = call.render(refusal)
            call.note = "; ".join(filter(None, [refusal.note, call.note]))
        journal(
            request,
            sandbox,
            merchant=call.merchant_id,
            status=response.status_code,
            signature=call.signature,
            plan=call.plan,
            note=call.note or envelope.success_note,
            response=response,
            started=started,
        )
        return response

    endpoint.__name__ = operation.replace(".", "_")
    return endpoint
