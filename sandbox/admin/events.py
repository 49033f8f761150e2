"""GET /_sandbox/events: the event hub as server-sent events (what `sandbox tail` reads).

Query filters: `gateway`, `merchant` (with or without gateway), `kind` (comma-separated:
`request`, `order`, `attempt`); `limit` ends the stream after that many events and `timeout`
after that many seconds (both optional: by default it runs until the client goes).

Each event is `event: <kind>`, `id: <n>` and `data:` one JSON object; the stream opens with a
`subscribed` event, and a comment line is sent every 15 s so proxies keep it open. When a slow
reader's queue overflows, the events it missed are counted in a `dropped` event.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.routing import Route

from sandbox.admin.errors import AdminError, gateway_query, query_int
from sandbox.events import KINDS, EventHub

if TYPE_CHECKING:
    from sse_starlette.sse import EventSourceResponse

PING_S = 15
MAX_TIMEOUT_S = 86_400


def _kinds(request: Request) -> tuple[str, ...]:
    text = request.query_params.get("kind") or ""
    kinds = tuple(part.strip() for part in text.split(",") if part.strip()) or KINDS
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        raise AdminError(
            400, "bad_request", f"kind: {unknown[0]!r} is not one of {', '.join(KINDS)}"
        )
    return kinds


async def stream_events(request: Request) -> EventSourceResponse:
    """Events as they happen (server-sent events)."""
    hub: EventHub = request.app.state.sandbox.events
    kinds = _kinds(request)
    limit = query_int(request, "limit", 0, 0, 1_000_000) or None
    timeout = query_int(request, "timeout", 0, 0, MAX_TIMEOUT_S) if _given(request) else None
    gateway = gateway_query(request)
    merchant = request.query_params.get("merchant") or None

    async def events() -> AsyncIterator[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        # Subscribed here, so the `finally` below always unsubscribes.
        subscription = hub.subscribe(gateway=gateway, merchant=merchant, kinds=kinds)
        try:
            # A first event, so a client knows it is subscribed before anything happens.
            yield {"event": "subscribed", "data": json.dumps({"kinds": list(kinds)})}
            reported, sent = 0, 0
            while limit is None or sent < limit:
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    return
                try:
                    async with asyncio.timeout(remaining):
                        event = await subscription.next()
                except TimeoutError:
                    return
                sent += 1
                if subscription.dropped > reported:
                    missed = subscription.dropped - reported
                    reported = subscription.dropped
                    yield {"event": "dropped", "data": json.dumps({"missed": missed})}
                yield {
                    "event": event.kind,
                    "id": str(event.id),
                    "data": json.dumps(event.to_json(), ensure_ascii=False),
                }
        finally:
            hub.unsubscribe(subscription)

    from sse_starlette.sse import EventSourceResponse  # on the first stream, not at start-up

    return EventSourceResponse(events(), ping=PING_S)


def _given(request: Request) -> bool:
    return bool(request.query_params.get("timeout"))


routes = [Route("/events", stream_events, methods=["GET"])]
