"""Card money stays consistent through every kind of movement, card state survives a restart, and
every card request is journaled."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from support.receiver import run_receiver
from support.server import RunningSandbox, run_sandbox
from support.trustpay_cards import (
    MANUAL,
    account,
    approved_cardholder,
    callbacks,
    ok,
    open_card,
    post,
)

pytestmark = pytest.mark.postgres

OPENING = Decimal("10000.00")


def _items(server: RunningSandbox, path: str, **body: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(server, path, {"page_size": 100, **body})["items"]
    return items


def money_in_place(server: RunningSandbox, physical_card: str) -> Decimal:
    """Account (available + frozen) + card balances + fees taken + money spent at shops."""
    available, frozen = account(server)
    virtual = sum(Decimal(str(c["balance"])) for c in _items(server, "/v3/vcard/cards"))
    physical = Decimal(
        ok(server, "/v3/pcard/card-balance", {"card_id": physical_card})["available_balance"]
    )
    fees = sum(
        Decimal(str(o["fee"])) for o in _items(server, "/v3/vcard/charges") if o["status"] == 4
    )
    spends = [
        *(_items(server, "/v3/vcard/transactions")),
        *(_items(server, "/v3/pcard/card-transactions", card_id=physical_card)),
    ]
    spent = sum(
        Decimal(str(t["amount"]))
        for t in spends
        if t["type"] == "AUTHORIZATION" and t["status"] == "APPROVED"
    )
    return available + frozen + virtual + physical + fees + spent


def test_balances_stay_consistent_through_opens_recharges_charges_and_spends(
    db_flags: dict[str, str],
) -> None:
    with run_sandbox({**db_flags, **MANUAL}) as server, run_receiver() as receiver:
        holder = approved_cardholder(server)
        physical = ok(
            server, "/v3/pcard/cards/assign", {"cardholder_id": holder, "card_currency": "USD"}
        )
        card = physical["card_id"]

        def check() -> None:
            assert money_in_place(server, card) == OPENING

        open_card(server, receiver, "30.00")
        open_card(server, receiver, "35.00", card_type_id="24")
        open_card(server, receiver, "40.00", order_no="PEND-open")
        check()
        server.advance(1)
        check()
        server.advance(2)
        check()
        notify = receiver.url
        ok(server, "/v3/vcard/recharge", {"card_id": 1, "amount": "50.00", "notify_url": notify})
        ok(
            server,
            "/v3/vcard/recharge",
            {"card_id": 2, "amount": "25.00", "notify_url": notify, "order_no": "FAIL-r"},
        )
        check()
        ok(server, "/v3/pcard/card-charge", {"card_id": card, "amount": "100.00", "order_no": "L1"})
        ok(
            server,
            "/v3/pcard/card-charge",
            {"card_id": card, "amount": "5.00", "order_no": "FAIL-L"},
        )
        ok(
            server,
            "/v3/pcard/card-charge",
            {"card_id": card, "amount": "7.00", "order_no": "PEND-L"},
        )
        check()
        server.advance(3)
        check()
        for target, amount, extra in (
            ("1", "12.50", {}),
            ("1", "1000.00", {}),  # declined: above the balance
            ("2", "3.00", {"settle": False}),
            (card, "60.00", {}),
            (card, "1.00", {"decline": True}),
        ):
            spent = server.admin("POST", f"cards/{target}/spend", json={"amount": amount, **extra})
            assert spent.status_code == 201
            check()
        server.admin("POST", "orders/PEND-open/complete", json={"status": "success"})
        server.admin("POST", "orders/PEND-L/complete", json={"status": "failed"})
        check()
        assert account(server)[1] == Decimal("0.00")
        # 30 + 35 + 40 opened, 50 recharged, 100 charged (FAIL-/PEND- failed ones gave it back)
        assert account(server)[0] == OPENING - Decimal("255.00")
        details = {c["card_id"]: c["balance"] for c in _items(server, "/v3/vcard/cards")}
        # 1: 19.00 + (50 - 11.01) - 12.50; 2: 35 - (0.53 + 1.00) - 3.00; 3: 40 - 11.00
        assert details == {1: 45.49, 2: 30.47, 3: 29.0}


def test_card_orders_and_kyc_continue_after_a_restart(
    tmp_path: Path, db_flags: dict[str, str]
) -> None:
    flags = {**MANUAL, "db": str(tmp_path / "cards.db"), **db_flags}
    with run_receiver() as receiver:
        with run_sandbox(flags) as server:
            order = open_card(server, receiver)
            holder = ok(
                server,
                "/v3/pcard/cardholder",
                {
                    "first_name": "Dana",
                    "last_name": "Ivanova",
                    "email": "dana@example.com",
                    "country_code": "DE",
                    "phone_number": "4930123456",
                    "notify_url": receiver.url + "/kyc",
                },
            )
            server.advance(1)
        with run_sandbox(flags) as server:
            assert ok(server, "/v3/vcard/charges")["items"][0]["status"] == 2
            server.advance(2)
            bodies = callbacks(receiver)
            assert {b.get("order_no") for b in bodies} >= {order["order_no"]}
            assert any(b.get("cardholder_status") == "APPROVED" for b in bodies)
            assert ok(server, "/v3/vcard/detail", {"card_id": 1})["balance"] == 19.0
            assert (
                ok(server, "/v3/pcard/cardholders")["items"][0]["cardholder_id"]
                == (holder["cardholder_id"])
            )


def test_card_requests_are_journaled(db_flags: dict[str, str]) -> None:
    with run_sandbox({**db_flags, **MANUAL}) as server, run_receiver() as receiver:
        refused = post(
            server,
            "/v3/vcard/open",
            {
                "order_no": "E880003-j",
                "card_type_id": "23",
                "amount": "30.00",
                "first_name": "A",
                "last_name": "B",
                "email": "a@b.co",
                "notify_url": receiver.url,
            },
        )
        assert refused.json()["code"] == 880003
        ok(server, "/v3/pcard/account")
        entries = server.admin("GET", "requests", params={"gateway": "trustpay"}).json()["items"]
        operations = {e["operation"]: e for e in entries}
        assert {"vcard.open", "pcard.account"} <= set(operations)
        assert "880003" in operations["vcard.open"]["note"]
        assert operations["vcard.open"]["signature"].startswith("ok")
        assert operations["vcard.open"]["scenario"] == "default"
