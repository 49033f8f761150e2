"""The event hub: what happens in the sandbox, for whoever listens (`GET /_sandbox/events`,
`sandbox tail`).

Three kinds of event, each with the gateway and merchant it concerns:

- `request`: a gateway request was journaled (method, path, operation, status, verdict, note);
- `order`: an order was created or changed (ids, kind, amount, currency, status);
- `attempt`: a callback attempt finished (the callback's url, body and headers as sent, the
  status or error class, latency, verdict, next retry).

Publishing costs one attribute check while nobody listens: publishers pass a function that builds
the event's data, called only when a subscriber wants it. Each subscriber has a bounded queue; when
it is full (a stalled reader) further events are dropped for that subscriber and counted, never
blocking the sandbox. Everything runs on the server's event-loop thread.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

KINDS = ("request", "order", "attempt")
QUEUE_LIMIT = 1000


@dataclass(frozen=True)
class Event:
    id: int
    kind: str  # one of KINDS
    gateway: str
    merchant: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "gateway": self.gateway,
            "merchant": self.merchant,
            **self.data,
        }


@dataclass(eq=False)
class Subscription:
    """One listener: events matching its filters queue here (`None` filter: any)."""

    gateway: str | None = None
    merchant: str | None = None
    kinds: frozenset[str] = frozenset(KINDS)
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    dropped: int = 0

    def wants(self, kind: str, gateway: str, merchant: str) -> bool:
        return (
            kind in self.kinds
            and (self.gateway is None or self.gateway == gateway)
            and (self.merchant is None or self.merchant == merchant)
        )

    async def next(self) -> Event:
        return await self.queue.get()


class EventHub:
    def __init__(self) -> None:
        self._subscribers: list[Subscription] = []
        self._ids = itertools.count(1)

    @property
    def listening(self) -> bool:
        return bool(self._subscribers)

    def subscribe(
        self,
        *,
        gateway: str | None = None,
        merchant: str | None = None,
        kinds: Iterable[str] = KINDS,
    ) -> Subscription:
        subscription = Subscription(gateway, merchant, frozenset(kinds))
        self._subscribers.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        if subscription in self._subscribers:
            self._subscribers.remove(subscription)

    def publish(
        self, kind: str, gateway: str, merchant: str, data: Callable[[], dict[str, Any]]
    ) -> None:
        """Queue the event for every subscriber that wants it; `data` is built at most once."""
        if not self._subscribers:
            return
        wanting = [s for s in self._subscribers if s.wants(kind, gateway, merchant)]
        if not wanting:
            return
        event = Event(next(self._ids), kind, gateway, merchant, data())
        for subscription in wanting:
            try:
                subscription.queue.put_nowait(event)
            except asyncio.QueueFull:
                subscription.dropped += 1
