"""Requests raced against replicas: each replica's merchant clients, and a batch of requests
released together from threads (a barrier), so they reach the servers at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import httpx

from sandbox.client import EzPayClient, GoldenPayClient, TrustPayClient

MANUAL = ("--clock", "manual", "--clock-start", "2026-03-12T08:30:00Z")
NOWHERE = "http://127.0.0.1:9/notify"  # never called: the clock is manual and nothing is paid


@dataclass
class Clients:
    """One replica's merchant clients."""

    trustpay: TrustPayClient
    ezpay: EzPayClient
    goldenpay: GoldenPayClient
    admin: httpx.Client


@contextmanager
def merchant_clients(urls: Sequence[str]) -> Iterator[list[Clients]]:
    with ExitStack() as stack:
        yield [
            Clients(
                stack.enter_context(TrustPayClient(url)),
                stack.enter_context(EzPayClient(url)),
                stack.enter_context(GoldenPayClient(url)),
                stack.enter_context(httpx.Client(base_url=url, timeout=30)),
            )
            for url in urls
        ]


def send_at_once(
    pool: ThreadPoolExecutor, requests: Sequence[Callable[[], httpx.Response]]
) -> list[httpx.Response]:
    """Run `requests` on `pool` (at least that many workers), all released together; the
    responses in the order of `requests`."""
    start = threading.Barrier(len(requests))

    def send(request: Callable[[], httpx.Response]) -> httpx.Response:
        start.wait(30)
        return request()

    return list(pool.map(send, requests))
