"""A pending order moved by two `sandbox serve` replicas on one PostgreSQL database at the same
moment moves once: one request wins (one callback submitted, one row added to the order's
history) and the other gets the answer one process gives for an order no longer pending, never
a 5xx. Raced over real sockets, many rounds: the admin `complete` endpoint on a pay-in of each
gateway (one replica completing it, the other failing it), TrustPay's hosted page (one
replica's page declining it, the other's cancelling it), and EzPay's and GoldenPay's hosted
pages (Pay on one replica, Fail on the other)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from support.races import (
    MANUAL,
    NOWHERE,
    Clients,
    merchant_clients,
    pending_payin_trigger,
    send_at_once,
)

from sandbox.client import num
from sandbox.client.ezpay import DEMO_APP_ID
from sandbox.signing.values import parse_json
from sandbox.store.database import open_store
from sandbox.store.orders import status_history
from sandbox.testing.process import run_sandbox_process

ROUNDS = 12  # orders raced per case
PENDING_PAYINS = {  # gateway: (merchant, amount, currency) of a pending pay-in made by trigger
    "trustpay": (8820250900009, "20.00", "USD"),
    "ezpay": (DEMO_APP_ID, 5000, "PHP"),
    "goldenpay": (10001, "50.00", "THB"),
}
NOT_PENDING = "This order is no longer pending: nothing was changed."


@contextmanager
def two_replicas(database: str) -> Iterator[list[Clients]]:
    with ExitStack() as stack:
        processes = [
            stack.enter_context(run_sandbox_process(["--db", database, *MANUAL])) for _ in "12"
        ]
        yield stack.enter_context(merchant_clients([p.url for p in processes]))


def triggered_payin(clients: Clients, gateway: str, order_no: str) -> str:
    """A pending pay-in made through the admin API; its platform id."""
    merchant, amount, currency = PENDING_PAYINS[gateway]
    body = pending_payin_trigger(gateway, merchant, amount, currency, order_no)
    created = clients.admin.post("/_sandbox/trigger", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def callbacks_submitted(clients: Clients, gateway: str, platform_id: str) -> int:
    listed = clients.admin.get(
        "/_sandbox/callbacks", params={"gateway": gateway, "order": platform_id}
    )
    assert listed.status_code == 200, listed.text
    return int(listed.json()["total"])


def transitions(database: str, gateway: str, platform_id: str) -> list[tuple[str | None, str]]:
    """The order's history as stored: (from, to) per row, the creation first."""
    store = open_store(database)
    try:
        return [(c.from_status, c.to_status) for c in status_history(store, gateway, platform_id)]
    finally:
        store.close()


def check_moved_once(
    database: str, replicas: Sequence[Clients], gateway: str, platform_id: str, before: int
) -> None:
    """One more callback (`before`: those of the pending order) and one transition stored, as
    every replica sees it."""
    for clients in replicas:
        assert callbacks_submitted(clients, gateway, platform_id) == before + 1, platform_id
    history = transitions(database, gateway, platform_id)
    assert len(history) == 2, (platform_id, history)
    (created_from, pending), (moved_from, _final) = history
    assert (created_from, moved_from) == (None, pending), (platform_id, history)


@pytest.mark.parametrize("gateway", list(PENDING_PAYINS))
def test_a_pending_payin_completed_through_two_replicas_at_once_moves_once(
    database: str, gateway: str
) -> None:
    with two_replicas(database) as replicas, ThreadPoolExecutor(2) as pool:
        for round_no in range(ROUNDS):
            platform_id = triggered_payin(replicas[0], gateway, f"MOVE-{gateway}-{round_no:03d}")
            before = callbacks_submitted(replicas[0], gateway, platform_id)
            outcomes = ["success", "failed"] if round_no % 2 else ["failed", "success"]
            requests = [
                partial(
                    clients.admin.post,
                    f"/_sandbox/orders/{platform_id}/complete",
                    json={"gateway": gateway, "status": outcome},
                )
                for clients, outcome in zip(replicas, outcomes, strict=True)
            ]
            answers = send_at_once(pool, requests)
            codes = sorted(r.status_code for r in answers)
            assert codes == [200, 409], [r.text for r in answers]
            [loser] = [r for r in answers if r.status_code == 409]
            # The same answer as a second `complete` on one process: the order is not pending.
            again = replicas[0].admin.post(
                f"/_sandbox/orders/{platform_id}/complete",
                json={"gateway": gateway, "status": "failed"},
            )
            assert (again.status_code, again.json()) == (409, loser.json())
            check_moved_once(database, replicas, gateway, platform_id, before)


def cashier_payin(clients: Clients, order_no: str) -> dict[str, Any]:
    """A TrustPay cashier pay-in (pending, with its hosted page); its answer's data."""
    response = clients.trustpay.send(
        "/v4/payin/create/order",
        {
            "merchant_id": clients.trustpay.merchant_id,
            "order_no": order_no,
            "order_amount": num("20.00"),
            "currency": "USD",
            "notify_url": NOWHERE,
        },
    )
    answer = parse_json(response.content)
    assert response.status_code == 200 and int(answer["code"]) == 880001, response.text
    return dict(answer["data"])


def press(clients: Clients, pay_url: str, action: str) -> httpx.Response:
    """A payer's button on the page: the form post; the page it redirects to is read after."""
    return clients.admin.post(
        pay_url,
        content=urlencode({"action": action}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_the_trustpay_page_pressed_on_two_replicas_at_once_moves_the_payin_once(
    database: str,
) -> None:
    with two_replicas(database) as replicas, ThreadPoolExecutor(2) as pool:
        for round_no in range(ROUNDS):
            created = cashier_payin(replicas[0], f"PAGE-MOVE-{round_no:03d}")
            # The page's path, posted to each replica (the URL names the one that made it).
            pay_url = urlsplit(str(created["pay_url"])).path
            platform_id = str(created["platform_order_no"])
            before = callbacks_submitted(replicas[0], "trustpay", platform_id)
            requests = [
                partial(press, clients, pay_url, action)
                for clients, action in zip(replicas, ("decline", "cancel"), strict=True)
            ]
            answers = send_at_once(pool, requests)
            assert [r.status_code for r in answers] == [303, 303], [r.text for r in answers]
            shown = [
                clients.admin.get(r.headers["location"]).text
                for clients, r in zip(replicas, answers, strict=True)
            ]
            assert [NOT_PENDING in page for page in shown].count(True) == 1, platform_id
            check_moved_once(database, replicas, "trustpay", platform_id, before)


def ezpay_page(clients: Clients, order_no: str) -> tuple[str, str]:
    """An EzPay URL-channel payment; (its page's path, its platform id)."""
    response = clients.ezpay.send(
        "/open-api/philippines/payment/generate",
        {
            "mchOrderId": order_no,
            "amount": 500,
            "customerName": "Juan Dela Cruz",
            "channelCode": "PH_GCASH_URL",
            "notifyUrl": NOWHERE,
            "redirectUrl": "https://merchant.example/return",
            "email": "juan@example.com",
            "mobile": "09171234567",
        },
    )
    answer = parse_json(response.content)
    assert int(answer["code"]) == 10000, response.text
    data = answer["data"]
    return urlsplit(str(data["payData"])).path, str(data["transactionId"])


def goldenpay_page(clients: Clients, order_no: str) -> tuple[str, str]:
    """A GoldenPay collect order; (its cashier page's path with the link key, its id)."""
    goldenpay = clients.goldenpay
    response = goldenpay.send(
        "POST",
        "/api/v1/mch/pmt-orders",
        {
            **goldenpay.common(),
            "trans_id": order_no,
            "channel": "mock",
            "currency": "THB",
            "amount": "100.00",
            "callback_url": NOWHERE,
        },
    )
    assert response.status_code == 200, response.text
    [order] = admin_items(clients, "goldenpay", order_no)
    url = urlsplit(str(order["data"]["url"]))
    return f"{url.path}?{url.query}" if url.query else url.path, str(order["id"])


def admin_items(clients: Clients, gateway: str, order_no: str) -> list[dict[str, Any]]:
    listed = clients.admin.get("/_sandbox/orders", params={"gateway": gateway, "order": order_no})
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


@pytest.mark.parametrize(
    ("gateway", "make_page"), [("ezpay", ezpay_page), ("goldenpay", goldenpay_page)]
)
def test_a_hosted_page_pressed_on_two_replicas_at_once_moves_the_order_once(
    database: str, gateway: str, make_page: Callable[[Clients, str], tuple[str, str]]
) -> None:
    with two_replicas(database) as replicas, ThreadPoolExecutor(2) as pool:
        for round_no in range(ROUNDS):
            path, platform_id = make_page(replicas[0], f"PAGE-{gateway}-{round_no:03d}")
            before = callbacks_submitted(replicas[0], gateway, platform_id)
            actions = ("pay", "fail") if round_no % 2 else ("fail", "pay")
            requests = [
                partial(press, clients, path, action)
                for clients, action in zip(replicas, actions, strict=True)
            ]
            answers = send_at_once(pool, requests)
            codes = [r.status_code for r in answers]
            assert codes.count(409) == 1 and 500 not in codes, [r.text for r in answers]
            # The loser's page is the one a second press on one process shows.
            again = press(replicas[0], path, "fail")
            assert again.status_code == 409, again.text
            check_moved_once(database, replicas, gateway, platform_id, before)
