"""GET /_sandbox/callbacks, GET callbacks/{id}, POST callbacks/{id}/resend, GET callbacks/wait."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.admin.errors import AdminError, admin_error_response, gateway_query, query_int
from sandbox.clock import format_instant
from sandbox.delivery import Attempt, DeliveryEngine, Message, MessageState
from sandbox.delivery.model import STATES
from sandbox.delivery.outbox import MessageFilter
from sandbox.runtime import Sandbox

MAX_WAIT_S = Decimal(60)
WAIT_ITEMS = 500
# `state` of callbacks/wait: "any" means settled either way (a pending message is not news).
WAIT_STATES: dict[str, tuple[MessageState, ...]] = {
    "any": ("acked", "failed"),
    "acked": ("acked",),
    "failed": ("failed",),
    "pending": ("pending",),
}


def _engine(request: Request) -> DeliveryEngine:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox.delivery


def _filter(request: Request, states: tuple[MessageState, ...] = ()) -> MessageFilter:
    query = request.query_params
    gateway = gateway_query(request)
    return MessageFilter(
        gateway=gateway,
        merchant=query.get("merchant") or None,
        order=query.get("order") or None,
        states=states,
        event=query.get("event") or None,
    )


def _list_states(request: Request) -> tuple[MessageState, ...]:
    state = request.query_params.get("state") or None
    if state is None:
        return ()
    for known in STATES:
        if state == known:
            return (known,)
    raise AdminError(400, "bad_request", f"state: {state!r} is not pending, acked or failed")


def _content(data: bytes) -> dict[str, Any]:
    try:
        return {"text": data.decode("utf-8"), "encoding": "utf-8", "bytes": len(data)}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(data).decode(), "encoding": "base64", "bytes": len(data)}


def _instant(moment: Any) -> str | None:
    return None if moment is None else format_instant(moment)


def summary(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "gateway": m.gateway,
        "merchant": m.merchant,
        "order_id": m.order_id,
        "merchant_order_id": m.merchant_order_id or None,
        "event": m.event,
        "url": m.url,
        "state": m.state,
        "created_at": format_instant(m.created_at),
        "next_attempt_at": _instant(m.due_at),
        "finished_at": _instant(m.finished_at),
        "attempt_count": m.attempts,
        "copy": m.copy,
        "copies": m.copies,
        "redelivery_of": m.redelivery_of,
        "policy": m.policy.name,
        "ack_rule": m.ack.describe(),
    }


def attempt_json(a: Attempt) -> dict[str, Any]:
    return {
        "number": a.number,
        "resend": a.resend,
        "due_at": _instant(a.due_at),
        "started_at": format_instant(a.started_at),
        "finished_at": format_instant(a.finished_at),
        "latency_ms": a.latency_ms,
        "status": a.status,
        "error": a.error,
        "error_detail": a.error_detail or None,
        "acked": a.acked,
        "response": {**_content(a.response), "truncated": a.response_truncated},
    }


def detail(m: Message, attempts: list[Attempt]) -> dict[str, Any]:
    return {
        **summary(m),
        "original_url": m.original_url,
        "tag": m.tag,
        "failures": m.failures,
        "redeliver_after_s": None
        if m.redeliver_after is None
        else m.redeliver_after.total_seconds(),
        "policy": m.policy.to_json(),
        "ack_rule": {**m.ack.to_json(), "description": m.ack.describe()},
        "request": {
            "method": "POST",
            "url": m.url,
            "headers": m.sent_headers(),
            "body": _content(m.body),
        },
        "attempts": [attempt_json(a) for a in attempts],
    }


async def list_callbacks(request: Request) -> JSONResponse:
    engine = _engine(request)
    where = _filter(request, _list_states(request))
    page = query_int(request, "page", 1, 1, 1_000_000)
    size = query_int(request, "page_size", 50, 1, 500)
    items, total = engine.outbox.find(where, limit=size, offset=(page - 1) * size)
    return JSONResponse({"items": [summary(m) for m in items], "total": total})


def _message_or_404(engine: DeliveryEngine, message_id: str) -> Message:
    message = engine.outbox.get(message_id)
    if message is None:
        raise AdminError(404, "not_found", f"no callback {message_id!r}")
    return message


async def get_callback(request: Request) -> JSONResponse:
    engine = _engine(request)
    message = _message_or_404(engine, request.path_params["id"])
    return JSONResponse(detail(message, engine.outbox.attempts(message.id)))


async def resend_callback(request: Request) -> JSONResponse:
    return JSONResponse(await resend(_engine(request), request.path_params["id"]))


async def resend(engine: DeliveryEngine, message_id: str) -> dict[str, Any]:
    """One more attempt of the callback now; its summary and the attempt."""
    _message_or_404(engine, message_id)
    if not engine.running:
        raise AdminError(409, "conflict", "the dispatcher is not running")
    result = await engine.resend(message_id)
    if result is None:
        raise AdminError(404, "not_found", f"no callback {message_id!r}")
    message, attempt = result
    return {"callback": summary(message), "attempt": attempt_json(attempt)}


async def resend_failed(engine: DeliveryEngine, where: MessageFilter) -> list[dict[str, Any]]:
    """Resend every failed callback matching `where` (at most a page of them), oldest first."""
    failed = replace(where, states=("failed",))
    items, _total = engine.outbox.find(failed, limit=WAIT_ITEMS, newest_first=False)
    return [await resend(engine, m.id) for m in items]


def _wait_timeout(request: Request) -> float:
    text = request.query_params.get("timeout") or "30"
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise AdminError(400, "bad_request", f"timeout: {text!r} is not a number") from None
    if not value.is_finite() or value < 0 or value > MAX_WAIT_S:
        raise AdminError(400, "bad_request", f"timeout: must be 0-{MAX_WAIT_S} seconds")
    return float(value)


async def wait_callbacks(request: Request) -> JSONResponse:
    engine = _engine(request)
    state = request.query_params.get("state") or "any"
    if state not in WAIT_STATES:
        raise AdminError(
            400, "bad_request", f"state: {state!r} is not acked, failed, pending or any"
        )
    where = _filter(request, WAIT_STATES[state])
    count = query_int(request, "count", 1, 1, WAIT_ITEMS)
    timeout = _wait_timeout(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        changed = engine.changes.waiter()  # taken before looking, so no change slips between
        items, total = engine.outbox.find(where, limit=WAIT_ITEMS, newest_first=False)
        if total >= count:
            return JSONResponse({"items": [summary(m) for m in items]})
        remaining = deadline - loop.time()
        if remaining <= 0:
            return admin_error_response(
                408,
                "timeout",
                f"{total} of {count} callback(s) matched within {timeout:g} s",
                items=[summary(m) for m in items],
            )
        try:
            async with asyncio.timeout(remaining):
                await changed.wait()
        except TimeoutError:
            pass


routes = [
    Route("/callbacks", list_callbacks, methods=["GET"]),
    Route("/callbacks/wait", wait_callbacks, methods=["GET"]),
    Route("/callbacks/{id}", get_callback, methods=["GET"]),
    Route("/callbacks/{id}/resend", resend_callback, methods=["POST"]),
]
