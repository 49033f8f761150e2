"""The shop against the sandbox: each test gets a fresh sandbox (`sandbox` fixture, manual
clock) and a fresh shop; nothing sleeps for a callback."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import RunningShop
from shop.store import Order

from sandbox.client import SandboxClient

GATEWAYS = ["trustpay", "ezpay", "goldenpay"]
MERCHANTS = {"trustpay": "8820250900009", "ezpay": "8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c",
             "goldenpay": "10001"}  # fmt: skip
CURRENCY = {"trustpay": "USD", "ezpay": "PHP", "goldenpay": "THB"}


def pay(sandbox: SandboxClient, shop: RunningShop, gateway: str, order_id: str) -> str:
    """Check out 20.00 and let the payer pay in full; the gateway's order id."""
    created = shop.checkout(gateway, order_id, "20.00")
    assert created.status_code == 201, created.text
    gateway_id = str(created.json()["gateway_order_id"])
    sandbox.complete(gateway_id, status="success")
    return gateway_id


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_happy_path(sandbox: SandboxClient, shop: RunningShop, gateway: str) -> None:
    gateway_id = pay(sandbox, shop, gateway, f"HAPPY-{gateway}")
    [callback] = sandbox.wait_callbacks(order=gateway_id, state="acked")
    assert callback["url"] == f"{shop.url}/notify/{gateway}"
    order = shop.order(f"HAPPY-{gateway}")
    assert (order["state"], order["paid_amount"], order["credited"]) == ("paid", "20.00", 1)


@pytest.mark.sandbox_scenario("duplicate-callbacks")
@pytest.mark.parametrize("gateway", GATEWAYS)
def test_duplicate_callbacks_credit_once(
    sandbox: SandboxClient, shop: RunningShop, gateway: str
) -> None:
    gateway_id = pay(sandbox, shop, gateway, f"DUP-{gateway}")
    sandbox.advance(2)  # the copies go out 1 s apart
    copies = sandbox.wait_callbacks(count=3, order=gateway_id, state="acked")
    assert len(copies) == 3
    order = shop.order(f"DUP-{gateway}")
    assert (order["state"], order["notifications"], order["credited"]) == ("paid", 3, 1)


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_retry_after_the_shop_answered_500(
    sandbox: SandboxClient, shop: RunningShop, gateway: str
) -> None:
    # The notification arrives before the shop has the order (its checkout commit is late).
    amount = 2000 if gateway == "ezpay" else "20.00"
    triggered = sandbox.trigger(
        gateway=gateway, merchant=MERCHANTS[gateway], kind="payin", status="success",
        amount=amount, currency=CURRENCY[gateway], order_no=f"LATE-{gateway}",
        notify_url=f"{shop.url}/notify/{gateway}",
    )  # fmt: skip
    sandbox.advance(0)
    [pending] = sandbox.callbacks(order=triggered["id"])
    first = sandbox.callback(pending["id"])["attempts"]
    assert [(a["status"], a["acked"]) for a in first] == [(500, False)]
    shop.orders.add(Order(f"LATE-{gateway}", gateway, Decimal("20.00"), CURRENCY[gateway]))
    sandbox.advance(60)  # the gateway's retry
    [acked] = sandbox.wait_callbacks(order=triggered["id"], state="acked")
    assert acked["attempt_count"] == 2
    assert shop.order(f"LATE-{gateway}")["state"] == "paid"


@pytest.mark.sandbox_scenario("forged-signature")
@pytest.mark.parametrize("gateway", GATEWAYS)
def test_forged_signature_is_rejected(
    sandbox: SandboxClient, shop: RunningShop, gateway: str
) -> None:
    gateway_id = pay(sandbox, shop, gateway, f"FORGED-{gateway}")
    sandbox.advance(0)
    [callback] = sandbox.callbacks(order=gateway_id)
    attempts = sandbox.callback(callback["id"])["attempts"]
    assert [a["status"] for a in attempts] == [401]
    order = shop.order(f"FORGED-{gateway}")
    assert (order["state"], order["notifications"]) == ("pending", 0)


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_short_payment_is_not_marked_paid(
    sandbox: SandboxClient, shop: RunningShop, gateway: str
) -> None:
    created = shop.checkout(gateway, f"SHORT-{gateway}", "20.00")
    gateway_id = str(created.json()["gateway_order_id"])
    paid = 1900 if gateway == "ezpay" else "19.00"
    sandbox.complete(gateway_id, status="success", paid_amount=paid)
    sandbox.wait_callbacks(order=gateway_id, state="acked")
    order = shop.order(f"SHORT-{gateway}")
    assert (order["state"], order["paid_amount"], order["credited"]) == ("underpaid", "19.00", 0)


@pytest.mark.sandbox_scenario("create-times-out")
@pytest.mark.parametrize("gateway", GATEWAYS)
def test_gateway_timeout_on_create(sandbox: SandboxClient, shop: RunningShop, gateway: str) -> None:
    answer = shop.checkout(gateway, f"SLOW-{gateway}", "20.00")
    assert answer.status_code == 504
    assert answer.json()["state"] == "unknown"  # not "failed": it may exist at the gateway
    [created] = sandbox.orders(gateway=gateway, order=f"SLOW-{gateway}")  # and it does
    reconciled = shop.http.post(f"/orders/SLOW-{gateway}/reconcile").json()
    assert reconciled["state"] == "pending"
    assert reconciled["gateway_state"] == created["status"]
