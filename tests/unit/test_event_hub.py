"""The event hub behind GET /_sandbox/events and the dashboard's live stream."""

from __future__ import annotations

import asyncio
from typing import Any

from sandbox.events import QUEUE_LIMIT, EventHub


def test_publishing_with_nobody_listening_builds_nothing() -> None:
    hub = EventHub()
    built: list[int] = []

    def data() -> dict[str, Any]:
        built.append(1)
        return {}

    hub.publish("request", "trustpay", "M1", data)
    assert hub.listening is False and built == []


def test_each_subscriber_gets_what_it_filters_for_until_it_leaves() -> None:
    async def run() -> tuple[list[str], list[str], bool]:
        hub = EventHub()
        every = hub.subscribe()
        orders_of_one = hub.subscribe(gateway="ezpay", kinds=("order",))
        hub.publish("order", "trustpay", "M1", lambda: {"n": 1})
        hub.publish("order", "ezpay", "M2", lambda: {"n": 2})
        hub.publish("attempt", "ezpay", "M2", lambda: {"n": 3})
        got_every = [every.queue.get_nowait().kind for _ in range(every.queue.qsize())]
        got_one = [orders_of_one.queue.get_nowait().gateway for _ in range(1)]
        assert orders_of_one.queue.empty()
        hub.unsubscribe(every)
        hub.unsubscribe(orders_of_one)
        return got_every, got_one, hub.listening

    every, one, still = asyncio.run(run())
    assert every == ["order", "order", "attempt"] and one == ["ezpay"] and still is False


def test_a_stalled_subscriber_drops_and_counts_never_blocks() -> None:
    async def run() -> tuple[int, int]:
        hub = EventHub()
        stalled = hub.subscribe()
        for n in range(QUEUE_LIMIT + 10):
            hub.publish("request", "trustpay", "M1", lambda n=n: {"n": n})
        return stalled.queue.qsize(), stalled.dropped

    assert asyncio.run(run()) == (QUEUE_LIMIT, 10)
