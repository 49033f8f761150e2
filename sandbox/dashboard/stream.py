"""`GET /_sandbox/ui/events`: the sandbox's live events as server-sent events.

Each event is named by its kind (`order.created`, `order.status`, `callback.created`,
`callback.attempt`, `request`) with a JSON object as data. The open orders, callbacks and
requests views listen and re-read themselves when a kind they show arrives.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import Response

from sandbox.dashboard.pages import admin_token, sandbox_of, sessions_of
from sandbox.dashboard.session import session_of
from sandbox.events import Event

PING_S = 15
POLL_DISCONNECT_S = 1.0


async def events(request: Request) -> Response:
    session = session_of(request, sessions_of(request))
    if admin_token(request) is not None and (session is None or not session.authenticated):
        return Response("log in first", status_code=401, media_type="text/plain")
    hub = sandbox_of(request).events

    async def stream() -> AsyncIterator[ServerSentEvent]:
        with hub.subscribe() as queue:
            yield ServerSentEvent(data="{}", event="hello")
            while not await request.is_disconnected():
                try:
                    event: Event = await asyncio.wait_for(queue.get(), POLL_DISCONNECT_S)
                except TimeoutError:
                    continue
                yield ServerSentEvent(data=json.dumps(event.data), event=event.kind)

    return EventSourceResponse(stream(), ping=PING_S)
