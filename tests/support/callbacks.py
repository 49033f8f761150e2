"""Hand callbacks to a running sandbox's delivery engine, as a gateway would (no gateway yet).

The engine lives on the server's event loop thread, so every call is run there with
`run_coroutine_threadsafe`; `clock.advance(0)` then waits for the attempts already due, so a test
can assert right after `submit` without sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from sandbox.delivery import CallbackRequest, RetryPolicy, any_2xx, custom_policy
from support.server import RunningSandbox

T = TypeVar("T")

FAST = custom_policy(0.5, [60, 300], name="test-fast")


def on_loop(running: RunningSandbox, work: Callable[[], Awaitable[T]], timeout: float = 30) -> T:
    loop = running.sandbox.delivery.loop
    assert loop is not None, "the delivery engine has not started"

    async def call() -> T:
        return await work()

    return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout)


def request(url: str | None, **overrides: Any) -> CallbackRequest:
    fields: dict[str, Any] = {
        "gateway": "trustpay",
        "merchant": "8820250900009",
        "order_id": "P0001",
        "merchant_order_id": "ORDER-1",
        "event": "payin.paid",
        "url": url,
        "body": b'{"order_no":"ORDER-1","status":5}',
        "headers": {"Content-Type": "application/json"},
        "ack": any_2xx(),
        "policy": FAST,
    }
    fields.update(overrides)
    return CallbackRequest(**fields)


def submit(running: RunningSandbox, callback: CallbackRequest) -> list[str]:
    """Submit and return once the attempts due right away have run."""

    async def work() -> list[str]:
        ids = running.sandbox.delivery.submit(callback)
        await running.sandbox.clock.advance(0)
        return ids

    return on_loop(running, work)


def policy(timeout: float, *delays: float) -> RetryPolicy:
    return custom_policy(timeout, list(delays))


def seconds(value: float) -> timedelta:
    return timedelta(seconds=value)
