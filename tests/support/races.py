"""Requests raced against replicas: each replica's merchant clients, and a batch of requests
released together from threads (a barrier), so they reach the servers at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from sandbox.client import EzPayClient, GoldenPayClient, TrustPayClient
from sandbox.client.trustpay import num

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


def pending_payin_trigger(
    gateway: str, merchant: str | int, amount: Any, currency: str, order_no: str
) -> dict[str, Any]:
    """The body of `POST /_sandbox/trigger` for a pending pay-in with the number given."""
    return {
        "gateway": gateway,
        "merchant": merchant,
        "kind": "payin",
        "status": "pending",
        "amount": amount,
        "currency": currency,
        "notify_url": NOWHERE,
        "order_no": order_no,
    }


def card_order_fields(order_no: str) -> dict[str, Any]:
    """The fields of a TrustPay `POST /v3/vcard/open` for one card of the demo card type."""
    return {
        "card_type_id": "23",
        "amount": num("30.00"),
        "first_name": "Alex",
        "last_name": "Chen",
        "email": "alex@example.com",
        "notify_url": NOWHERE,
        "order_no": order_no,
    }


def paid_card_payin(order_no: str, notify_url: str, amount: str = "20.00") -> dict[str, Any]:
    """The fields of a TrustPay card pay-in with the test card answered "paid" at once."""
    return {
        "order_no": order_no,
        "order_amount": num(amount),
        "currency": "USD",
        "notify_url": notify_url,
        "card_number": "4111111111111111",
        "card_expiry": "2030-09",
        "card_cvv": "123",
        "card_holder_first_name": "Test",
        "card_holder_last_name": "User",
        "billing_country": "GB",
    }
