"""One request-journal entry per gateway API call, with what decided its answer."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from sandbox.events import EventHub
from sandbox.logs import log_gateway_request, requests_log
from sandbox.masking import mask_headers, mask_text
from sandbox.scenarios.engine import Plan
from sandbox.signing.explain import Explanation
from sandbox.store.journal import Journal, JournalEntry

# The block that best explains an answer, first found wins.
_DECIDING_BLOCKS = ("respond", "outcome", "callbacks", "delivery")


def plan_verdict(plan: Plan | None) -> tuple[str | None, str | None]:
    """(scenario, rule) for the journal: the scenario that decided, and `block: file:line #rule`
    for every block a rule decided (e.g. `respond: default#4, callbacks: duplicate-callbacks#0`)."""
    if plan is None or not plan.sources:
        return None, None
    scenario: str | None = None
    parts: list[str] = []
    for block in _DECIDING_BLOCKS:
        source = plan.sources.get(block)
        if source is None:
            continue
        if scenario is None:
            scenario = source.scenario
        rule = f"#{source.rule}" if source.rule is not None else ""
        parts.append(f"{block}: {source.scenario}{rule}")
    return scenario, ", ".join(parts) or None


def log_request(
    journal: Journal,
    request: Request,
    *,
    gateway: str,
    operation: str,
    merchant: str,
    status: int,
    signature: str,
    plan: Plan | None = None,
    note: str = "",
    signature_detail: str = "",
    response: Response | None = None,
    explanation: Explanation | None = None,
    latency_ms: float = 0.0,
    events: EventHub | None = None,
) -> None:
    """Append the entry; `signature` is the verifier's verdict (`ok`, `bad`, `missing`,
    `not-checked`, `ok (lenient)`...), `note` the outcome in words (e.g. the error code)."""
    scenario, rule = plan_verdict(plan)
    path = request.scope.get("path", "")  # not request.url: building it costs (hot path)
    if requests_log.isEnabledFor(logging.INFO):
        log_gateway_request(
            method=request.method,
            path=path,
            gateway=gateway,
            operation=operation,
            status=status,
            answer=note,
            signature=signature,
            rule=rule,
            latency_ms=latency_ms,
        )
    if events is not None and events.listening:
        events.publish(
            "request",
            gateway,
            merchant,
            lambda: {
                "method": request.method,
                "path": path,
                "operation": operation,
                "status": status,
                "signature": signature,
                "rule": rule,
                "note": note,
                "latency_ms": round(latency_ms, 3),
            },
        )
    journal.append(
        JournalEntry(
            gateway=gateway,
            operation=operation,
            merchant=merchant,
            status=status,
            signature=signature,
            scenario=scenario,
            rule=rule,
            method=request.method,
            path=path,
            note=note,
            signature_detail=mask_text(signature_detail),
            explanation=_explanation_text(explanation),
            exchange=None if response is None else exchange_of(request, response),
        )
    )


def _explanation_text(explanation: Explanation | None) -> str:
    """The explanation as stored: card numbers in the signed string masked like the bodies."""
    if explanation is None:
        return ""
    shown = explanation.to_json()
    shown["signed_string"] = mask_text(explanation.signed_string)
    return json.dumps(shown)


def exchange_of(request: Request, response: Response) -> Callable[[], str]:
    """The request and its answer as masked JSON text, rendered only when called (the journal
    calls it when it writes, not while the request is answered)."""
    scope = request.scope
    request_headers = scope.get("headers", [])
    query: bytes = scope.get("query_string", b"")
    # The body the authenticate step read (Starlette keeps it); never read here a second time.
    request_body: bytes = getattr(request, "_body", b"")
    status = response.status_code
    response_headers = response.raw_headers
    response_body = bytes(getattr(response, "body", b""))

    def render() -> str:
        exchange: dict[str, Any] = {
            "request": {
                "method": scope.get("method", ""),
                "path": scope.get("path", ""),
                "query": mask_text(query.decode("latin-1")),
                "headers": mask_headers(_decoded(request_headers)),
                **_body(request_body),
            },
            "response": {
                "status": status,
                "headers": mask_headers(_decoded(response_headers)),
                **_body(response_body),
            },
        }
        # orjson: compact, the same JSON value as json.dumps in a fraction of the work.
        return orjson.dumps(exchange).decode("utf-8")

    return render


def _decoded(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]


# Bodies are kept up to this size (the journal is bounded by entries, not bytes).
BODY_LIMIT = 64 * 1024


def _body(body: bytes) -> dict[str, Any]:
    shown = body[:BODY_LIMIT].decode("utf-8", "replace")
    return {"body": mask_text(shown), "body_bytes": len(body), "truncated": len(body) > BODY_LIMIT}
