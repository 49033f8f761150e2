"""TrustPay Physical Card Issuer end to end: cardholders and KYC on the sandbox
clock with signed callbacks, card assignment, Card Charge, balances, transactions, the account."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from support.receiver import Receiver, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.trustpay_cards import (
    MANUAL,
    account,
    approved_cardholder,
    callbacks,
    error,
    ok,
    open_card,
    post,
    reset,
)

from sandbox.gateways.trustpay.cards import luhn_valid

pytestmark = pytest.mark.postgres


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


def holder_body(receiver: Receiver | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "Dana",
        "last_name": "Ivanova",
        "email": "dana@example.com",
        "country_code": "GB",
        "phone_number": "+447700900123",
    }
    if receiver is not None:
        body["notify_url"] = receiver.url + "/kyc"
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def assigned_card(server: RunningSandbox, **extra: Any) -> dict[str, Any]:
    holder = approved_cardholder(server)
    card: dict[str, Any] = ok(
        server, "/v3/pcard/cards/assign", {"cardholder_id": holder, "card_currency": "USD", **extra}
    )
    return card


# -- Create Cardholder, KYC, List Cardholders ----------------------------------------------------


def test_cardholder_is_approved_after_3s_with_a_signed_kyc_callback(
    server: RunningSandbox, receiver: Receiver
) -> None:
    created = ok(server, "/v3/pcard/cardholder", holder_body(receiver))
    assert created["cardholder_status"] == "PENDING"
    holder_id = created["cardholder_id"]
    assert len(holder_id) == 36 and holder_id[14] == "4"
    server.advance(2)
    assert ok(server, "/v3/pcard/cardholders")["items"][0]["cardholder_status"] == "PENDING"
    assert receiver.requests == []
    server.advance(1)
    assert callbacks(receiver) == [
        {
            "cardholder_id": holder_id,
            "cardholder_status": "APPROVED",
            "reason": "",
            "sign": callbacks(receiver)[0]["sign"],
        }
    ]
    assert receiver.requests[0].path == "/kyc"
    listed = ok(server, "/v3/pcard/cardholders")
    assert listed["total"] == 1 and (listed["page"], listed["page_size"]) == (1, 20)
    item = listed["items"][0]
    assert list(item) == [
        "cardholder_id",
        "first_name",
        "last_name",
        "email",
        "country_code",
        "phone_number",
        "cardholder_status",
        "reason",
        "created_at",
    ]
    assert (item["cardholder_status"], item["reason"], item["country_code"]) == (
        "APPROVED",
        "",
        "GB",
    )


@pytest.mark.parametrize("name", ["REJECT", "rejected-me", "Reject Smith"])
def test_reject_names_are_rejected(server: RunningSandbox, receiver: Receiver, name: str) -> None:
    ok(server, "/v3/pcard/cardholder", holder_body(receiver, last_name=name))
    server.advance(3)
    [callback] = callbacks(receiver)
    assert (callback["cardholder_status"], callback["reason"]) == ("REJECTED", "KYC rejected")
    assert ok(server, "/v3/pcard/cardholders")["items"][0]["reason"] == "KYC rejected"


def test_no_notify_url_no_kyc_callback(server: RunningSandbox, receiver: Receiver) -> None:
    ok(server, "/v3/pcard/cardholder", holder_body())
    server.advance(3)
    assert receiver.requests == []
    assert ok(server, "/v3/pcard/cardholders")["items"][0]["cardholder_status"] == "APPROVED"
    assert error(server, "/v3/pcard/cardholders", {"page_size": 0}) == (
        880002,
        "invalid field: page_size (1-100)",
    )
    assert error(server, "/v3/pcard/cards", {"page": "first"}) == (
        880002,
        "invalid field: page (integer)",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_name": None}, "missing field: first_name"),
        ({"last_name": "x" * 65}, "invalid field: last_name (1-64 characters)"),
        ({"email": "dana@"}, "invalid field: email (e-mail address)"),
        ({"country_code": "gb"}, "invalid field: country_code (ISO 3166-1 alpha-2, uppercase)"),
        ({"country_code": "XX"}, "invalid field: country_code (ISO 3166-1 alpha-2, uppercase)"),
        ({"phone_number": "12a4"}, "invalid field: phone_number (4-20 digits)"),
        ({"phone_number": "123"}, "invalid field: phone_number (4-20 digits)"),
        ({"phone_number": 447700900123}, "invalid field: phone_number (string)"),
        (
            {"notify_url": "kyc"},
            "invalid field: notify_url (absolute http or https URL, at most 512 characters)",
        ),
    ],
)
def test_create_cardholder_errors(
    server: RunningSandbox, overrides: dict[str, Any], message: str
) -> None:
    assert error(server, "/v3/pcard/cardholder", holder_body(**overrides)) == (880002, message)
    assert ok(server, "/v3/pcard/cardholders")["total"] == 0


def test_kyc_scenario_outcome_and_admin_complete(
    server: RunningSandbox, receiver: Receiver
) -> None:
    rules = (
        "  - when: {operation: pcard.cardholder.create, header: {X-Kyc: hold}}\n"
        "    outcome: {status: pending}\n"
        "  - when: {operation: pcard.cardholder.create, header: {X-Kyc: fail}}\n"
        "    outcome: {status: failed, after: 1s}\n"
    )
    text = f"name: kyc-cases\ngateway: trustpay\nrules:\n{rules}"
    assert server.client.post("/_sandbox/scenarios", content=text).status_code == 201
    server.client.put("/_sandbox/scenarios/active", json={"names": ["kyc-cases"]})
    try:
        failing = post(server, "/v3/pcard/cardholder", holder_body(receiver), **{"X-Kyc": "fail"})
        server.advance(1)
        [callback] = callbacks(receiver)
        assert callback["cardholder_id"] == failing.json()["data"]["cardholder_id"]
        assert (callback["cardholder_status"], callback["reason"]) == ("REJECTED", "KYC rejected")
        held = post(server, "/v3/pcard/cardholder", holder_body(receiver), **{"X-Kyc": "hold"})
        holder_id = held.json()["data"]["cardholder_id"]
        server.advance(3600)
        assert len(receiver.requests) == 1
        done = server.admin("POST", f"orders/{holder_id}/complete", json={"status": "success"})
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "APPROVED"
        server.advance(0)
        assert callbacks(receiver)[-1]["cardholder_status"] == "APPROVED"
        again = server.admin("POST", f"orders/{holder_id}/complete", json={"status": "failed"})
        assert again.status_code == 409
    finally:
        server.client.put("/_sandbox/scenarios/active", json={"names": []})


# -- Assign Physical Cards, List Assigned Physical Cards -----------------------------------------


def test_assign_issues_a_card_and_lists_it(server: RunningSandbox) -> None:
    holder = approved_cardholder(server)
    card = ok(server, "/v3/pcard/cards/assign", {"cardholder_id": holder, "card_currency": "USD"})
    assert list(card) == [
        "card_id",
        "cardholder_id",
        "card_number",
        "card_currency",
        "available_balance",
        "card_status",
        "created_at",
    ]
    assert card["card_number"].startswith("453201******") and len(card["card_number"]) == 16
    assert (card["available_balance"], card["card_status"]) == ("0.00", "ACTIVE")
    given = ok(
        server,
        "/v3/pcard/cards/assign",
        {"cardholder_id": holder, "card_number": "4111111111111111", "card_currency": "USD"},
    )
    assert given["card_number"] == "411111******1111"
    listed = ok(server, "/v3/pcard/cards", {"cardholder_id": holder})
    assert [c["card_id"] for c in listed["items"]] == [given["card_id"], card["card_id"]]
    assert ok(server, "/v3/pcard/cards")["total"] == 2
    other = approved_cardholder(server)
    assert ok(server, "/v3/pcard/cards", {"cardholder_id": other})["total"] == 0
    assert error(server, "/v3/pcard/cards", {"cardholder_id": "nobody"}) == (
        880002,
        "cardholder not found",
    )


def test_assign_errors(server: RunningSandbox) -> None:
    holder = approved_cardholder(server)
    pending = ok(server, "/v3/pcard/cardholder", holder_body())["cardholder_id"]
    body = {"cardholder_id": holder, "card_currency": "USD"}
    cases: list[tuple[dict[str, Any], tuple[int, str]]] = [
        ({"cardholder_id": None}, (880002, "missing field: cardholder_id")),
        ({"card_currency": "usd"}, (880002, "invalid field: card_currency (3 uppercase letters)")),
        ({"card_number": "4111111111111117"}, (880002, "invalid card number")),
        ({"card_number": "411111111111"}, (880002, "invalid card number")),
        (
            {"cardholder_id": "7be4cbc7-00e9-4de1-a49e-ae8c6e1e2e90"},
            (880002, "cardholder not found"),
        ),
        ({"cardholder_id": pending}, (880002, "cardholder not approved")),
        ({"card_currency": "EUR"}, (880024, "no_channel_available")),
    ]
    for overrides, expected in cases:
        sent = {k: v for k, v in {**body, **overrides}.items() if v is not None}
        assert error(server, "/v3/pcard/cards/assign", sent) == expected, overrides
    ok(server, "/v3/pcard/cards/assign", {**body, "card_number": "5555555555554444"})
    assert error(server, "/v3/pcard/cards/assign", {**body, "card_number": "5555555555554444"}) == (
        880012,
        "order_already_exists",
    )
    assert ok(server, "/v3/pcard/cards")["total"] == 1


def test_issued_physical_pans_are_luhn_valid(server: RunningSandbox) -> None:
    card = assigned_card(server)
    row = server.admin("GET", f"orders/{card['card_id']}").json()
    pan = row["data"]["card_number"]
    assert pan.startswith("453201") and luhn_valid(pan) and len(pan) == 16


# -- Card Charge, balance, transactions, account -------------------------------------------------


def test_card_charge_moves_money_from_the_account_to_the_card(server: RunningSandbox) -> None:
    card = assigned_card(server)
    body = {"card_id": card["card_id"], "amount": "50.00", "order_no": "PC-LOAD-0001"}
    charged = post(server, "/v3/pcard/card-charge", body).json()
    assert charged == {
        "code": 880001,
        "message": "success",
        "data": {
            "order_no": "PC-LOAD-0001",
            "card_id": card["card_id"],
            "amount": "50.00",
            "currency": "USD",
            "card_balance": "50.00",
            "status": 4,
            "reason": "",
        },
    }
    assert account(server) == (Decimal("9950.00"), Decimal("0.00"))
    ok(server, "/v3/pcard/card-charge", {**body, "order_no": "PC-LOAD-0002", "amount": 100})
    balance = ok(server, "/v3/pcard/card-balance", {"card_id": card["card_id"]})
    assert balance == {
        "card_id": card["card_id"],
        "card_currency": "USD",
        "available_balance": "150.00",
        "card_status": "ACTIVE",
    }
    spent = server.admin("POST", f"cards/{card['card_id']}/spend", json={"amount": "20.00"})
    assert spent.status_code == 201
    transactions = ok(server, "/v3/pcard/card-transactions", {"card_id": card["card_id"]})
    assert transactions["total"] == 4
    assert [t["type"] for t in transactions["items"]] == [
        "SETTLEMENT",
        "AUTHORIZATION",
        "LOAD",
        "LOAD",
    ]
    load = transactions["items"][-1]
    assert list(load) == [
        "card_id",
        "cardholder_id",
        "transaction_id",
        "type",
        "amount",
        "currency",
        "merchant_name",
        "status",
        "created_at",
    ]
    assert (load["amount"], load["status"], load["merchant_name"]) == ("50.00", "SETTLED", "")
    assert load["cardholder_id"] == card["cardholder_id"]
    assert (
        ok(server, "/v3/pcard/card-balance", {"card_id": card["card_id"]})["available_balance"]
        == "130.00"
    )
    assert account(server) == (Decimal("9850.00"), Decimal("0.00"))


def test_card_charge_errors(server: RunningSandbox) -> None:
    card = assigned_card(server)
    body = {"card_id": card["card_id"], "amount": "10.00", "order_no": "PC-1"}
    ok(server, "/v3/pcard/card-charge", body)
    cases: list[tuple[dict[str, Any], tuple[int, str]]] = [
        ({"order_no": None}, (880002, "missing field: order_no")),
        ({"amount": "1e3"}, (880002, "invalid field: amount (amount with at most 2 decimals)")),
        ({"card_id": 5}, (880002, "invalid field: card_id (string)")),
        ({}, (880012, "order_already_exists")),
        ({"order_no": "PC-2", "card_id": "nope"}, (880002, "card not found")),
        ({"order_no": "PC-2", "amount": "0"}, (880015, "amount_rule_violation")),
        ({"order_no": "PC-2", "amount": "100000.01"}, (880015, "amount_rule_violation")),
        ({"order_no": "PC-2", "amount": "9990.01"}, (880005, "insufficient_balance")),
    ]
    for overrides, expected in cases:
        sent = {k: v for k, v in {**body, **overrides}.items() if v is not None}
        assert error(server, "/v3/pcard/card-charge", sent) == expected, overrides
    server.admin("PUT", f"cards/{card['card_id']}", json={"status": "FROZEN"})
    assert error(server, "/v3/pcard/card-charge", {**body, "order_no": "PC-3"}) == (
        880002,
        "card not active",
    )
    assert account(server) == (Decimal("9990.00"), Decimal("0.00"))


def test_card_charge_fail_and_pend_prefixes(server: RunningSandbox) -> None:
    card = assigned_card(server)
    body = {"card_id": card["card_id"], "amount": "10.00"}
    failed = ok(server, "/v3/pcard/card-charge", {**body, "order_no": "FAIL-load"})
    assert (failed["status"], failed["reason"], failed["card_balance"]) == (
        3,
        "card order failed",
        "0.00",
    )
    assert account(server) == (Decimal("10000.00"), Decimal("0.00"))
    pending = ok(server, "/v3/pcard/card-charge", {**body, "order_no": "PEND-load"})
    assert (pending["status"], pending["card_balance"]) == (1, "0.00")
    assert account(server) == (Decimal("9990.00"), Decimal("10.00"))
    done = server.admin("POST", "orders/PEND-load/complete", json={"status": "success"})
    assert done.status_code == 200, done.text
    assert account(server) == (Decimal("9990.00"), Decimal("0.00"))
    assert (
        ok(server, "/v3/pcard/card-balance", {"card_id": card["card_id"]})["available_balance"]
        == "10.00"
    )
    ok(server, "/v3/pcard/card-charge", {**body, "order_no": "PEND-load-2"})
    server.admin("POST", "orders/PEND-load-2/complete", json={"status": "failed"})
    assert account(server) == (Decimal("9990.00"), Decimal("0.00"))


def test_balance_and_transactions_errors(server: RunningSandbox) -> None:
    assert error(server, "/v3/pcard/card-balance", {}) == (880002, "missing field: card_id")
    assert error(server, "/v3/pcard/card-balance", {"card_id": "x"}) == (880002, "card not found")
    assert error(server, "/v3/pcard/card-transactions", {"card_id": "x"}) == (
        880002,
        "card not found",
    )
    assert error(server, "/v3/pcard/card-transactions", {}) == (880002, "missing field: card_id")
    card = assigned_card(server)
    assert (
        error(server, "/v3/pcard/card-transactions", {"card_id": card["card_id"], "page": -1})[0]
        == 880002
    )


def test_one_card_account_for_virtual_and_physical_cards(
    server: RunningSandbox, receiver: Receiver
) -> None:
    first = ok(server, "/v3/pcard/account")
    assert first["currency"] == "USD" and len(first["account_id"]) == 36
    assert (first["available_balance"], first["frozen_balance"]) == ("10000.00", "0.00")
    open_card(server, receiver, "30.00")
    assert account(server) == (Decimal("9970.00"), Decimal("30.00"))
    server.advance(3)
    card = assigned_card(server)
    ok(server, "/v3/pcard/card-charge", {"card_id": card["card_id"], "amount": 70, "order_no": "L"})
    again = ok(server, "/v3/pcard/account")
    assert (again["available_balance"], again["frozen_balance"]) == ("9900.00", "0.00")
    assert again["account_id"] == first["account_id"]


def test_physical_card_status_and_declines(server: RunningSandbox) -> None:
    card = assigned_card(server)
    card_id = card["card_id"]
    frozen = server.admin("PUT", f"cards/{card_id}", json={"status": "FROZEN"})
    assert frozen.status_code == 200 and frozen.json()["card_status"] == "FROZEN"
    declined = server.admin("POST", f"cards/{card_id}/spend", json={"amount": "1.00"})
    assert declined.json()["transactions"][0]["status"] == "DECLINED"
    assert ok(server, "/v3/pcard/card-balance", {"card_id": card_id})["card_status"] == "FROZEN"
