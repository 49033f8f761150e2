"""Every request example of the public TrustPay docs, replayed against the demo merchant: each one
succeeds.

The examples' `sign` values are placeholders (the same digest on different bodies, or `""`), so
each body is signed with the demo secret, as a merchant's integration does. The fixed order
numbers of the examples are kept: every run starts a fresh sandbox on an empty in-memory store,
so they cannot collide with an earlier run; only the v3 pages, which repeat the v4 numbers, get
their own (`…-V3`) so both can run against the same sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, num, ok, post

pytestmark = pytest.mark.postgres

NOTIFY = "https://merchant.example.com/trustpay/notify"


@pytest.fixture(scope="module")
def receiver(store_backend: str) -> Iterator[Receiver]:
    with run_receiver(Reply(200, b"{}")) as merchant_side:
        yield merchant_side


@pytest.fixture(scope="module")
def running(receiver: Receiver, module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    # The examples' notify URL is not reachable here: callbacks go to a local receiver instead.
    flags = {
        **module_db_flags,
        "clock": "manual",
        "clock_start": "2026-03-12T08:30:00Z",
        "callback_url": receiver.url + "/notify",
    }
    with run_sandbox(flags) as sandbox:
        yield sandbox


def replay(
    running: RunningSandbox, path: str, body: dict[str, Any], message: str = "success"
) -> Any:
    return ok(post(running, path, body), message)


def test_payment_gateway_examples(running: RunningSandbox) -> None:
    # Cashier Payin (v4): the complete published example.
    cashier = {
        "currency": "USD",
        "merchant_id": num(MERCHANT_ID),
        "notify_url": NOTIFY,
        "order_amount": num("5.00"),
        "order_no": "ORD-20260312-0001",
    }
    assert replay(running, "/v4/payin/create/order", cashier)["order_no"] == "ORD-20260312-0001"

    # Card Direct Payin (v4): the example's fields and card number, no billing fields.
    card = {
        "merchant_id": num(MERCHANT_ID),
        "order_no": "ORD-20260312-0002",
        "order_amount": num("20.00"),
        "currency": "USD",
        "notify_url": NOTIFY,
        "card_number": "4111111111111117",
        "card_expiry": "2028-09",
        "card_cvv": "123",
        "card_holder_first_name": "Test",
        "card_holder_last_name": "User",
    }
    paid = replay(running, "/v4/payin/create/card", card)
    assert (paid["status"], paid["reason"]) == ("5", "success")

    # Sync Card Direct Payin (v3), with its example card number.
    sync = {
        "merchantId": num(MERCHANT_ID),
        "orderNo": "ORD-20260312-0002-V3",
        "orderAmount": num("20"),
        "currency": "USD",
        "cardNumber": "4111111111111118",
        "cardExpiry": "2028-09",
        "cardCVV": "123",
        "cardHolderName": "Test User",
        "notifyUrl": NOTIFY,
    }
    assert replay(running, "/v3/payin/create/card/sync", sync)["status"] == "5"

    # Cashier Payin (v3).
    v3_cashier = {
        "merchantId": num(MERCHANT_ID),
        "orderNo": "ORD-20260312-0001-V3",
        "orderAmount": num("5.00"),
        "currency": "USD",
        "notifyUrl": NOTIFY,
    }
    assert replay(running, "/v3/payin/create/order", v3_cashier)["payUrl"]

    # Balance (v4 without a merchant id, v3 with one); both currencies the page names.
    for currency in ("USD", "INR"):
        assert "balance" in replay(running, "/v4/balance", {"currency_id": currency})
    v3_balance = {"currencyId": "USD", "merchantId": num(MERCHANT_ID)}
    assert "balance" in replay(running, "/v3/balance", v3_balance)

    # Order Query: the example sends a platform order number.
    platform_no = paid["platform_order_no"]
    found = replay(running, "/v4/query/order", {"order_no": platform_no})
    assert found["order_no"] == "ORD-20260312-0002"
    v3_query = {"orderNo": platform_no, "merchantId": num(MERCHANT_ID)}
    assert replay(running, "/v3/query/order", v3_query)["orderNo"] == "ORD-20260312-0002"

    # Order Refund: the example's fields (refund_amount a number).
    refund = {
        "order_no": "ORD-20260312-0002",
        "merchant_refund_no": "RF-20260312-0001",
        "refund_amount": num("5.00"),
        "reason": "customer request",
    }
    assert replay(running, "/v4/order/refund", refund)["status"] == "1"

    # Fee Query: `{"sign": ""}` in the docs; signed here.
    overview = replay(running, "/v4/fee-overview", {}, "Fee overview retrieved successfully")
    assert overview["fee_configs"]


def test_card_issuer_examples(running: RunningSandbox) -> None:
    # Credit Card Issuer: Fee Query (optional card_type_id) and Order List (page, page_size).
    fees = replay(running, "/v3/vcard/fee-config", {"card_type_id": "23"})
    assert [item["card_type_id"] for item in fees["items"]] == ["23"]
    listed = replay(running, "/v3/vcard/charges", {"page": num(1), "page_size": num(20)})
    assert listed["page"] == "1"

    # Physical Card Issuer: Create Cardholder with every documented field.
    holder = {
        "first_name": "Dana",
        "last_name": "Ivanova",
        "email": "dana@example.com",
        "country_code": "GB",
        "phone_number": "+447700900123",
        "notify_url": NOTIFY,
    }
    created = replay(running, "/v3/pcard/cardholder", holder)
    running.advance(3)  # KYC
    assigned = replay(
        running,
        "/v3/pcard/cards/assign",
        {"cardholder_id": created["cardholder_id"], "card_currency": "USD"},
    )
    card_id = assigned["card_id"]
    # Query Card Balance and Query Card Transactions, as documented.
    balance = replay(running, "/v3/pcard/card-balance", {"card_id": card_id})
    assert (balance["card_currency"], balance["card_status"]) == ("USD", "ACTIVE")
    page = {"card_id": card_id, "page": num(1), "page_size": num(20)}
    assert replay(running, "/v3/pcard/card-transactions", page)["items"] == []
