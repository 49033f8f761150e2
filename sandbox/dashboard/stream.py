"""`GET /_sandbox/ui/events`: the sandbox's event hub as server-sent events, for the live views.

The same events as `GET /_sandbox/events` (`order`, `attempt`, `request`), each named by its kind,
but with only what a view needs to know that it should re-read itself: ids, statuses and the
operation — never a callback body, headers or order data. The open orders, callbacks and requests
views listen and re-read themselves when a kind they show arrives.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import Response

from sandbox.dashboard.pages import admin_token, sandbox_of, sessions_of
from sandbox.dashboard.session import session_of
from sandbox.events import Event

PING_S = 15
POLL_DISCONNECT_S = 1.0
# What of an event reaches the page (the hub's events also carry bodies and headers).
SHOWN = (
    "order_id",
    "merchant_order_id",
    "kind",
    "status",
    "callback",
    "attempt",
    "error",
    "verdict",
    "operation",
    "path",
)


def view_data(event: Event) -> dict[str, Any]:
    shown = {key: event.data[key] for key in SHOWN if key in event.data}
    return {"id": event.id, "gateway": event.gateway, "merchant": event.merchant, **shown}


async def events(request: Request) -> Response:
    session = session_of(request, sessions_of(request))
    if admin_token(request) is not None and (session is None or not session.authenticated):
        return Response("log in first", status_code=401, media_type="text/plain")
    hub = sandbox_of(request).events

    async def stream() -> AsyncIterator[ServerSentEvent]:
        subscription = hub.subscribe()
        try:
            yield ServerSentEvent(data="{}", event="hello")
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(subscription.next(), POLL_DISCONNECT_S)
                except TimeoutError:
                    continue
                yield ServerSentEvent(data=json.dumps(view_data(event)), event=event.kind)
        finally:
            hub.unsubscribe(subscription)

    return EventSourceResponse(stream(), ping=PING_S)
