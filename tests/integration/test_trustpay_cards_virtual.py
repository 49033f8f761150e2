"""TrustPay Credit Card Issuer end to end: the real server on the manual clock, signed
requests, card orders 1 → 2 → 4/3 on the sandbox clock, callbacks to a real receiver."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from support.receiver import Receiver, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.trustpay_cards import (
    API_KEY,
    MANUAL,
    MERCHANT,
    account,
    callbacks,
    error,
    ok,
    open_card,
    post,
    reset,
    signed,
)

from sandbox.gateways.trustpay.cards import luhn_valid
from sandbox.signing.values import JsonNumber

pytestmark = pytest.mark.postgres

CARD_PATHS = [
    "/v3/vcard/card-types",
    "/v3/vcard/open",
    "/v3/vcard/detail",
    "/v3/vcard/recharge",
    "/v3/vcard/charges",
    "/v3/vcard/cards",
    "/v3/vcard/transactions",
    "/v3/vcard/fee-config",
    "/v3/pcard/cardholder",
    "/v3/pcard/cardholders",
    "/v3/pcard/cards/assign",
    "/v3/pcard/cards",
    "/v3/pcard/card-balance",
    "/v3/pcard/card-transactions",
    "/v3/pcard/account",
    "/v3/pcard/card-charge",
]


@pytest.fixture(scope="module")
def module_server() -> Iterator[RunningSandbox]:
    with run_sandbox(MANUAL) as running:
        yield running


@pytest.fixture(scope="module")
def module_receiver() -> Iterator[Receiver]:
    with run_receiver() as running:
        yield running


@pytest.fixture
def server(module_server: RunningSandbox, module_receiver: Receiver) -> RunningSandbox:
    reset(module_server)
    module_receiver.requests.clear()
    return module_server


@pytest.fixture
def receiver(module_receiver: Receiver) -> Receiver:
    return module_receiver


def opened(server: RunningSandbox, receiver: Receiver, amount: str = "30.00") -> int:
    """A card opened and settled (3 s later): its id."""
    order = open_card(server, receiver, amount)
    server.advance(3)
    items = ok(server, "/v3/vcard/charges")["items"]
    card_id: int = next(i["card_id"] for i in items if i["order_no"] == order["order_no"])
    return card_id


# -- steps 1-7 on every card endpoint ------------------------------------------------------------


@pytest.mark.parametrize("path", CARD_PATHS)
def test_every_card_endpoint_checks_key_sign_json_and_method(
    server: RunningSandbox, path: str
) -> None:
    client = server.client
    no_key = client.post(path, content=signed({}), headers={"Content-Type": "application/json"})
    assert no_key.json() == {"code": 880011, "message": "unauthorized", "data": None}
    headers = {"X-Api-Key": API_KEY}
    bad_sign = client.post(
        path, content=b'{"sign":"00000000000000000000000000000000"}', headers=headers
    )
    assert bad_sign.json() == {"code": 880011, "message": "unauthorized", "data": None}
    malformed = client.post(path, content=b"{not json", headers=headers)
    assert malformed.json() == {"code": 880002, "message": "malformed JSON", "data": None}
    wrong_method = client.get(path, headers=headers)
    assert wrong_method.json()["message"] == "method not allowed: use POST"
    other_merchant = post(server, path, {"merchant_id": 1})
    assert other_merchant.json()["code"] == 880011
    assert client.post("/trustpay" + path, content=signed({}), headers=headers).status_code == 200


# -- Available Card, Fee Query -------------------------------------------------------------------


def test_available_cards_lists_the_demo_products(server: RunningSandbox) -> None:
    response = post(server, "/v3/vcard/card-types")
    assert response.text == (
        '{"code":880001,"message":"success","data":{"items":['
        '{"card_type_id":"23","name":"Virtual Visa USD","brand":"VISA","currency":"USD",'
        '"bin":"400555","open_card_fee_rate":0.03,"open_card_fee_fixed":10.99,"min_recharge":20.00},'
        '{"card_type_id":"24","name":"Virtual Mastercard USD","brand":"MASTERCARD",'
        '"currency":"USD","bin":"510510","open_card_fee_rate":1.5,"open_card_fee_fixed":1.00,'
        '"min_recharge":10.00}]}}'
    )


def test_fee_query_shows_open_and_recharge_fees_and_filters(server: RunningSandbox) -> None:
    one = post(server, "/v3/vcard/fee-config", {"card_type_id": "23"})
    assert one.text == (
        '{"code":880001,"message":"success","data":{"items":[{"id":1,"merchant_id":8820250900009,'
        '"card_type_id":"23","open_card_fee_rate":0.03,"open_card_fee_fixed":10.99,'
        '"recharge_fee_rate":0.03,"recharge_fee_fixed":10.99}]}}'
    )
    assert [i["id"] for i in ok(server, "/v3/vcard/fee-config")["items"]] == [1, 2]
    assert ok(server, "/v3/vcard/fee-config", {"card_type_id": "99"}) == {"items": []}
    code, message = error(server, "/v3/vcard/fee-config", {"card_type_id": 23})
    assert (code, message) == (880002, "invalid field: card_type_id (string)")


# -- Open Card -----------------------------------------------------------------------------------


def test_open_card_runs_1_2_4_with_the_documented_fee_and_a_signed_callback(
    server: RunningSandbox, receiver: Receiver
) -> None:
    answer = open_card(server, receiver, "30.00")
    assert answer["status"] == 1 and answer["order_no"].startswith("VC20260312")
    assert len(answer["order_no"]) == 18
    assert account(server) == (Decimal("9970.00"), Decimal("30.00"))
    server.advance(1)
    order = ok(server, "/v3/vcard/charges")["items"][0]
    assert (order["status"], order["card_id"]) == (2, None)
    assert receiver.requests == []
    server.advance(2)
    order = ok(server, "/v3/vcard/charges")["items"][0]
    assert order["status"] == 4 and order["card_id"] == 1
    assert (order["fee"], order["balance"], order["chain"]) == (11.0, 19.0, "")
    assert account(server) == (Decimal("9970.00"), Decimal("0.00"))
    [callback] = callbacks(receiver)
    assert callback == {
        "order_no": answer["order_no"],
        "status": 4,
        "card_id": 1,
        "amount": 30.0,
        "fee": 11.0,
        "balance": 19.0,
        "type": "OPEN_CARD",
        "reason": "",
        "sign": callback["sign"],
    }
    assert b'"amount":30.00,"fee":11.00,"balance":19.00' in receiver.bodies[0]
    assert receiver.requests[0].headers["user-agent"].startswith("TrustPay-Sandbox/")
    assert receiver.requests[0].path == "/cards"


def test_open_card_keeps_the_merchant_order_no(server: RunningSandbox, receiver: Receiver) -> None:
    answer = open_card(server, receiver, order_no="MY-CARD-1")
    assert answer == {"order_no": "MY-CARD-1", "status": 1}
    code, message = error(
        server,
        "/v3/vcard/open",
        {
            "order_no": "MY-CARD-1",
            "card_type_id": "23",
            "amount": "30.00",
            "first_name": "A",
            "last_name": "B",
            "email": "a@b.co",
            "notify_url": receiver.url,
        },
    )
    assert (code, message) == (880012, "order_already_exists")
    assert account(server) == (Decimal("9970.00"), Decimal("30.00"))


def _open_body(receiver: Receiver, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "card_type_id": "23",
        "amount": "30.00",
        "first_name": "Alex",
        "last_name": "Chen",
        "email": "alex@example.com",
        "notify_url": receiver.url,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"card_type_id": None}, 880002, "missing field: card_type_id"),
        ({"amount": None}, 880002, "missing field: amount"),
        ({"amount": "30.001"}, 880002, "invalid field: amount (amount with at most 2 decimals)"),
        ({"first_name": ""}, 880002, "missing field: first_name"),
        ({"last_name": "x" * 65}, 880002, "invalid field: last_name (1-64 characters)"),
        ({"email": "not-an-email"}, 880002, "invalid field: email (e-mail address)"),
        (
            {"notify_url": "ftp://x"},
            880002,
            "invalid field: notify_url (absolute http or https URL, at most 512 characters)",
        ),
        (
            {"order_no": "has space"},
            880002,
            "invalid field: order_no (no whitespace or control characters)",
        ),
        ({"card_type_id": "99"}, 880002, "card type not found"),
        ({"amount": "19.99"}, 880015, "amount_rule_violation"),  # below min_recharge 20.00
        ({"card_type_id": "24", "amount": "1.00"}, 880015, "amount_rule_violation"),
        ({"amount": "10000.01"}, 880005, "insufficient_balance"),
    ],
)
def test_open_card_errors(
    server: RunningSandbox,
    receiver: Receiver,
    overrides: dict[str, Any],
    code: int,
    message: str,
) -> None:
    assert error(server, "/v3/vcard/open", _open_body(receiver, **overrides)) == (code, message)
    assert account(server) == (Decimal("10000.00"), Decimal("0.00"))
    assert ok(server, "/v3/vcard/charges")["total"] == 0


def test_open_card_amount_must_exceed_the_fee(server: RunningSandbox, receiver: Receiver) -> None:
    # Type 23 with a raised minimum is not configurable per request; the fee rule still holds:
    # 11.00 is the fee on 20.00 .. 36 000 (10.99 + 0.03 %), so amount > fee is implied by the min.
    assert ok(server, "/v3/vcard/open", _open_body(receiver, amount="20.00"))["status"] == 1


# -- Get Card Detail, Card List ------------------------------------------------------------------


def test_card_detail_shows_the_full_pan_and_lists_mask_it(
    server: RunningSandbox, receiver: Receiver
) -> None:
    card_id = opened(server, receiver)
    detail = ok(server, "/v3/vcard/detail", {"card_id": card_id})
    assert detail["card_number"].startswith("400555") and luhn_valid(detail["card_number"])
    assert len(detail["card_number"]) == 16 and len(detail["cvv"]) == 3
    assert detail["expiry"] == "2029-03" and detail["brand"] == "VISA"
    assert (detail["first_name"], detail["last_name"]) == ("Alex", "Chen")
    assert (detail["balance"], detail["status"], detail["currency"]) == (19.0, "ACTIVE", "USD")
    assert re.fullmatch(r"2026-03-12T08:\d\d:\d\d\.000000Z", detail["created_at"])
    listed = ok(server, "/v3/vcard/cards")
    assert listed["total"] == 1 and (listed["page"], listed["page_size"]) == (1, 20)
    item = listed["items"][0]
    assert item["card_number"] == detail["card_number"][:6] + "******" + detail["card_number"][-4:]
    assert item["cvv"] == "***"
    assert error(server, "/v3/vcard/detail", {"card_id": 999}) == (880002, "card not found")
    assert error(server, "/v3/vcard/detail", {}) == (880002, "missing field: card_id")
    assert error(server, "/v3/vcard/detail", {"card_id": "x1"}) == (
        880002,
        "invalid field: card_id (integer)",
    )


def test_same_seed_gives_the_same_pans(receiver: Receiver) -> None:
    pans = []
    for _ in range(2):
        with run_sandbox(MANUAL) as fresh:
            pans.append(ok(fresh, "/v3/vcard/detail", {"card_id": opened(fresh, receiver)}))
    assert pans[0]["card_number"] == pans[1]["card_number"]
    assert pans[0]["cvv"] == pans[1]["cvv"]


def test_lists_paginate_newest_first(server: RunningSandbox, receiver: Receiver) -> None:
    for _ in range(3):
        open_card(server, receiver, "20.00")
    server.advance(3)
    first = ok(server, "/v3/vcard/cards", {"page": 1, "page_size": 2})
    second = ok(server, "/v3/vcard/cards", {"page": "2", "page_size": 2})
    assert [c["card_id"] for c in first["items"]] == [3, 2]
    assert [c["card_id"] for c in second["items"]] == [1]
    assert first["total"] == second["total"] == 3
    assert ok(server, "/v3/vcard/charges", {"page": 3, "page_size": 1})["items"][0]["card_id"] == 1
    assert error(server, "/v3/vcard/cards", {"page_size": 101}) == (
        880002,
        "invalid field: page_size (1-100)",
    )
    assert error(server, "/v3/vcard/charges", {"page": 0})[0] == 880002


# -- Card Recharge -------------------------------------------------------------------------------


def test_recharge_reproduces_the_documented_example_and_keeps_balances_consistent(
    server: RunningSandbox, receiver: Receiver
) -> None:
    card_id = opened(server, receiver, "30.00")
    receiver.requests.clear()
    answer = ok(
        server,
        "/v3/vcard/recharge",
        {"card_id": card_id, "amount": JsonNumber("35.00"), "notify_url": receiver.url},
    )
    assert answer["status"] == 1
    assert account(server) == (Decimal("9935.00"), Decimal("35.00"))
    server.advance(3)
    [callback] = callbacks(receiver)
    assert (callback["type"], callback["card_id"], callback["status"]) == ("CARD_CHARGE", 1, 4)
    assert (callback["amount"], callback["fee"], callback["balance"]) == (35.0, 11.0, 24.0)
    assert ok(server, "/v3/vcard/detail", {"card_id": card_id})["balance"] == 43.0  # 19 + 24
    assert account(server) == (Decimal("9935.00"), Decimal("0.00"))
    orders = ok(server, "/v3/vcard/charges")["items"]
    assert [o["charge_type"] for o in orders] == ["CARD_CHARGE", "OPEN_CARD"]


def test_recharge_errors(server: RunningSandbox, receiver: Receiver) -> None:
    card_id = opened(server, receiver)
    body = {"card_id": card_id, "amount": "20.00", "notify_url": receiver.url}
    ok(server, "/v3/vcard/recharge", {**body, "order_no": "R-1"})
    assert error(server, "/v3/vcard/recharge", {**body, "order_no": "R-1"}) == (
        880012,
        "order_already_exists",
    )
    assert error(server, "/v3/vcard/recharge", {**body, "card_id": 77}) == (
        880002,
        "card not found",
    )
    assert error(server, "/v3/vcard/recharge", {**body, "amount": "19.99"}) == (
        880015,
        "amount_rule_violation",
    )
    assert error(server, "/v3/vcard/recharge", {**body, "amount": "9999.00"}) == (
        880005,
        "insufficient_balance",
    )
    assert error(server, "/v3/vcard/recharge", {**body, "notify_url": None})[1] == (
        "missing field: notify_url"
    )
    server.admin("PUT", f"cards/{card_id}", json={"status": "FROZEN"})
    assert error(server, "/v3/vcard/recharge", body) == (880002, "card not active")


# -- Transaction List and spending ---------------------------------------------------------------


def test_spend_records_authorisations_settlements_and_declines(
    server: RunningSandbox, receiver: Receiver
) -> None:
    card_id = opened(server, receiver)  # balance 19.00
    spent = server.admin(
        "POST", f"cards/{card_id}/spend", json={"amount": "12.50", "merchant_name": "Coffee Corner"}
    )
    assert spent.status_code == 201
    created = spent.json()["transactions"]
    assert [(t["type"], t["status"]) for t in created] == [
        ("AUTHORIZATION", "APPROVED"),
        ("SETTLEMENT", "SETTLED"),
    ]
    assert spent.json()["card"]["balance"] == 6.5
    no_settle = server.admin("POST", f"cards/{card_id}/spend", json={"amount": 1, "settle": False})
    assert [t["type"] for t in no_settle.json()["transactions"]] == ["AUTHORIZATION"]
    too_much = server.admin("POST", f"cards/{card_id}/spend", json={"amount": "5.51"})
    assert [t["status"] for t in too_much.json()["transactions"]] == ["DECLINED"]
    declined = server.admin("POST", f"cards/{card_id}/spend", json={"amount": "1", "decline": True})
    assert [t["status"] for t in declined.json()["transactions"]] == ["DECLINED"]
    assert ok(server, "/v3/vcard/detail", {"card_id": card_id})["balance"] == 5.5
    listed = ok(server, "/v3/vcard/transactions", {"card_id": card_id})
    assert listed["total"] == 5
    first = listed["items"][-1]
    assert set(first) == {
        "transaction_id",
        "card_id",
        "type",
        "merchant_name",
        "amount",
        "currency",
        "status",
        "created_at",
    }
    assert (first["merchant_name"], first["amount"], first["currency"]) == (
        "Coffee Corner",
        12.5,
        "USD",
    )
    assert ok(server, "/v3/vcard/transactions")["total"] == 5
    assert error(server, "/v3/vcard/transactions", {"card_id": 42}) == (880002, "card not found")
    server.admin("PUT", f"cards/{card_id}", json={"status": "FROZEN"})
    frozen = server.admin("POST", f"cards/{card_id}/spend", json={"amount": "1"})
    assert frozen.json()["transactions"][0]["status"] == "DECLINED"
    assert account(server) == (Decimal("9970.00"), Decimal("0.00"))  # spending is card money


def test_spend_and_status_admin_errors(server: RunningSandbox, receiver: Receiver) -> None:
    card_id = opened(server, receiver)
    assert server.admin("POST", "cards/404/spend", json={"amount": "1"}).status_code == 404
    for body in (
        {},
        {"amount": "-1"},
        {"amount": "0"},
        {"amount": "1.234"},
        {"amount": "1", "x": 1},
        {"amount": "1", "decline": "yes"},
        {"amount": "1", "currency": "EUR"},
        {"amount": "\u0661\u0662"},  # Arabic-Indic digits are not an amount
    ):
        answer = server.admin("POST", f"cards/{card_id}/spend", json=body)
        assert answer.status_code == 400, body
        assert answer.json()["error"]["code"] == "bad_request"
    assert server.admin("PUT", f"cards/{card_id}", json={"status": "LOST"}).status_code == 400
    assert server.admin("PUT", "cards/9", json={"status": "FROZEN"}).status_code == 404
    active = server.admin("PUT", f"cards/{card_id}", json={"status": "ACTIVE"})
    assert active.status_code == 200 and active.json()["status"] == "ACTIVE"
    assert server.admin("PUT", f"cards/{card_id}", json={"status": "CANCELLED"}).status_code == 200
    again = server.admin("PUT", f"cards/{card_id}", json={"status": "ACTIVE"})
    assert again.status_code == 409
    assert ok(server, "/v3/vcard/detail", {"card_id": card_id})["status"] == "CANCELLED"


# -- scenarios -----------------------------------------------------------------------------------


def test_fail_prefix_fails_after_3s_and_returns_the_hold(
    server: RunningSandbox, receiver: Receiver
) -> None:
    open_card(server, receiver, order_no="FAIL-card-1")
    assert account(server) == (Decimal("9970.00"), Decimal("30.00"))
    server.advance(3)
    [callback] = callbacks(receiver)
    assert callback == {
        "order_no": "FAIL-card-1",
        "status": 3,
        "amount": 30.0,
        "type": "OPEN_CARD",
        "reason": "card order failed",
        "sign": callback["sign"],
    }
    assert account(server) == (Decimal("10000.00"), Decimal("0.00"))
    order = ok(server, "/v3/vcard/charges")["items"][0]
    assert (order["status"], order["reason"], order["card_id"]) == (3, "card order failed", None)
    assert ok(server, "/v3/vcard/cards")["total"] == 0


def test_failed_recharge_callback_keeps_the_card(
    server: RunningSandbox, receiver: Receiver
) -> None:
    card_id = opened(server, receiver)
    receiver.requests.clear()
    body = {"card_id": card_id, "amount": "20.00", "notify_url": receiver.url, "order_no": "FAIL-r"}
    ok(server, "/v3/vcard/recharge", body)
    server.advance(3)
    [callback] = callbacks(receiver)
    assert (callback["status"], callback["card_id"], callback["type"]) == (3, 1, "CARD_CHARGE")
    assert ok(server, "/v3/vcard/detail", {"card_id": card_id})["balance"] == 19.0


def test_pend_prefix_waits_for_admin_complete(server: RunningSandbox, receiver: Receiver) -> None:
    open_card(server, receiver, order_no="PEND-card-1")
    server.advance(3600)
    assert ok(server, "/v3/vcard/charges")["items"][0]["status"] == 1
    assert receiver.requests == []
    done = server.admin("POST", "orders/PEND-card-1/complete", json={"status": "success"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "4"
    server.advance(0)
    [callback] = callbacks(receiver)
    assert (callback["status"], callback["card_id"]) == (4, 1)
    again = server.admin("POST", "orders/PEND-card-1/complete", json={"status": "failed"})
    assert again.status_code == 409
    assert account(server) == (Decimal("9970.00"), Decimal("0.00"))


def test_admin_complete_fails_a_pending_order_with_a_reason(
    server: RunningSandbox, receiver: Receiver
) -> None:
    open_card(server, receiver, order_no="PEND-card-2")
    bad = server.admin("POST", "orders/PEND-card-2/complete", json={"status": "paid"})
    assert bad.status_code == 400
    done = server.admin(
        "POST", "orders/PEND-card-2/complete", json={"status": "canceled", "reason": "QA says no"}
    )
    assert done.status_code == 200
    server.advance(0)
    [callback] = callbacks(receiver)
    assert (callback["status"], callback["reason"]) == (3, "QA says no")
    assert account(server) == (Decimal("10000.00"), Decimal("0.00"))


def test_error_prefixes_answer_the_code_and_save_nothing(
    server: RunningSandbox, receiver: Receiver
) -> None:
    assert error(server, "/v3/vcard/open", _open_body(receiver, order_no="E880004-x")) == (
        880004,
        "remote_service_error",
    )
    assert ok(server, "/v3/vcard/charges")["total"] == 0
    backend = post(server, "/v3/vcard/open", _open_body(receiver, order_no="E880010-x")).json()
    assert backend == {
        "code": 880010,
        "message": "backend_success",
        "data": {"order_no": "E880010-x", "status": 1},
    }
    assert ok(server, "/v3/vcard/charges")["total"] == 1


def test_scenario_outcome_expired_and_callback_copies(
    server: RunningSandbox, receiver: Receiver
) -> None:
    rules = (
        "  - when: {operation: vcard.open}\n"
        "    outcome: {status: expired, after: 10s, code: 42}\n"
        "    callbacks: {copies: 2}\n"
    )
    text = f"name: cards-expired\ngateway: trustpay\nrules:\n{rules}"
    assert server.client.post("/_sandbox/scenarios", content=text).status_code == 201
    server.client.put("/_sandbox/scenarios/active", json={"names": ["cards-expired"]})
    try:
        open_card(server, receiver)
        server.advance(3)
        assert ok(server, "/v3/vcard/charges")["items"][0]["status"] == 2
        server.advance(7)
        bodies = callbacks(receiver)
        assert len(bodies) == 2 and bodies[0] == bodies[1]
        assert (bodies[0]["status"], bodies[0]["reason"]) == (3, "42: expired")
    finally:
        server.client.put("/_sandbox/scenarios/active", json={"names": []})


def test_card_orders_are_scoped_to_the_merchant(server: RunningSandbox, receiver: Receiver) -> None:
    opened(server, receiver)
    orders = server.admin("GET", "orders", params={"gateway": "trustpay", "kind": "vcard"})
    assert orders.json()["total"] == 1
    assert orders.json()["items"][0]["merchant"] == MERCHANT
