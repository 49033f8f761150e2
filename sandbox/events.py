"""The in-process event hub: "something happened" for whoever watches live (the dashboard).

Producers call `publish(kind, data)`: a new order, an order's status change, a callback attempt,
a journaled request. With nobody subscribed that is one truthiness check, so the hot paths pay
nothing. Each subscriber gets its own bounded queue; a subscriber that falls behind loses the
oldest events rather than slowing the producers (a live view re-reads the page anyway).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

QUEUE_SIZE = 256


@dataclass(frozen=True)
class Event:
    kind: str  # "order.created", "order.status", "callback.attempt", "request"
    data: dict[str, Any]


class EventHub:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[Event]] = set()

    @property
    def listening(self) -> bool:
        return bool(self._queues)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        if not self._queues:
            return
        event = Event(kind, data)
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    @contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)
