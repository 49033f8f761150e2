"""The in-process event hub behind the dashboard's live stream."""

from __future__ import annotations

import asyncio

from sandbox.events import QUEUE_SIZE, EventHub


def test_publishing_with_nobody_listening_keeps_nothing() -> None:
    hub = EventHub()
    hub.publish("request", {"n": 1})
    assert hub.listening is False

    async def subscribe_after() -> bool:
        with hub.subscribe() as queue:
            return queue.empty()

    assert asyncio.run(subscribe_after()) is True


def test_each_subscriber_gets_every_event_until_it_leaves() -> None:
    hub = EventHub()

    async def run() -> tuple[list[str], list[str], bool]:
        with hub.subscribe() as first, hub.subscribe() as second:
            assert hub.listening
            hub.publish("order.created", {"order_id": "A"})
            hub.publish("order.status", {"order_id": "A"})
            got_first = [first.get_nowait().kind for _ in range(first.qsize())]
            got_second = [second.get_nowait().kind for _ in range(second.qsize())]
        return got_first, got_second, hub.listening

    first, second, still = asyncio.run(run())
    assert first == second == ["order.created", "order.status"]
    assert still is False


def test_a_slow_subscriber_loses_the_oldest_events_not_the_producer() -> None:
    hub = EventHub()

    async def run() -> list[int]:
        with hub.subscribe() as queue:
            for n in range(QUEUE_SIZE + 10):
                hub.publish("request", {"n": n})
            return [queue.get_nowait().data["n"] for _ in range(queue.qsize())]

    numbers = asyncio.run(run())
    assert numbers == list(range(10, QUEUE_SIZE + 10))
