"""TrustPay as its docs describe it: INR pay-ins, the docs' example cards, the error table's
880011 wording with the detail in the journal, and `notify_time` while a retry is pending."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, error, num, ok, post

from sandbox.signing.md5 import trustpay_sign
from sandbox.signing.values import compact_json

pytestmark = pytest.mark.postgres

CARD = "/v4/payin/create/card"
CASHIER = "/v4/payin/create/order"
START = "2026-03-12T08:30:00Z"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with run_receiver(Reply(200, b"{}")) as merchant_side:
        yield merchant_side


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox({**module_db_flags, "clock": "manual", "clock_start": START}) as sandbox:
        yield sandbox


def card(receiver: Receiver, order_no: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "merchant_id": num(MERCHANT_ID),
        "order_no": order_no,
        "order_amount": num("20.00"),
        "currency": "USD",
        "notify_url": receiver.url + "/notify",
        "card_number": "4111111111111111",
        "card_expiry": "2028-09",
        "card_cvv": "123",
        "card_holder_first_name": "Test",
        "card_holder_last_name": "User",
    }
    return {**body, **overrides}


def cashier(receiver: Receiver, order_no: str, currency: str) -> dict[str, Any]:
    return {
        "merchant_id": num(MERCHANT_ID),
        "order_no": order_no,
        "order_amount": num("500.00"),
        "currency": currency,
        "notify_url": receiver.url + "/notify",
    }


# -- item 1: INR pay-ins ---------------------------------------------------------------------


def test_inr_payins_are_enabled_for_the_demo_merchant(
    running: RunningSandbox, receiver: Receiver
) -> None:
    data = ok(post(running, CARD, card(receiver, "INR-CARD-1", currency="INR")))
    assert (data["currency"], data["status"], data["fee"]) == ("INR", "5", "0.70")  # 3.5 %
    created = ok(post(running, CASHIER, cashier(receiver, "INR-CASH-1", "INR")))
    assert (created["currency"], created["fee"]) == ("INR", "17.50")


def test_880024_stays_reachable(running: RunningSandbox, receiver: Receiver) -> None:
    no_channel = (880024, "no_channel_available")
    assert error(post(running, CASHIER, cashier(receiver, "GBP-1", "GBP"))) == no_channel
    assert error(post(running, CARD, card(receiver, "GBP-2", currency="GBP"))) == no_channel
    assert error(post(running, CASHIER, cashier(receiver, "E880024-1", "INR"))) == no_channel


# -- item 2: the docs' example card numbers and billing fields --------------------------------


def test_docs_example_cards_are_accepted(running: RunningSandbox, receiver: Receiver) -> None:
    # The Card Direct Payin example: 4111111111111117 (fails Luhn) and no billing fields.
    data = ok(post(running, CARD, card(receiver, "DOCS-CARD-V4", card_number="4111111111111117")))
    assert (data["status"], data["reason"]) == ("5", "success")
    # (the v3 page's 4111111111111118 is replayed in test_trustpay_docs_examples)
    # Any other Luhn failure is still refused.
    bad = card(receiver, "DOCS-CARD-BAD", card_number="4111111111111112")
    assert error(post(running, CARD, bad)) == (880002, "invalid card number")


def test_billing_state_still_checked_when_a_country_is_given(
    running: RunningSandbox, receiver: Receiver
) -> None:
    body = card(receiver, "BILL-US", billing_country="US")
    assert error(post(running, CARD, body)) == (880002, "missing field: billing_state")


# -- item 3: the error table's wording, the detail in the journal -----------------------------


def test_bad_sign_answers_unauthorized_and_journals_what_was_expected(
    running: RunningSandbox,
) -> None:
    fields = {"currency_id": "USD"}
    wrong = compact_json({**fields, "sign": "0" * 32}).encode()
    assert error(post(running, "/v4/balance", wrong)) == (880011, "unauthorized")
    [entry] = running.admin(
        "GET", "requests", params={"gateway": "trustpay", "page_size": 1}
    ).json()["items"]
    expected = trustpay_sign(fields, "tp_test_secret_9f8e7d6c")
    assert entry["signature"] == "bad"
    assert entry["signature_detail"] == (
        f"invalid sign: expected {expected} over currency_id=USD&secret=<secret>"
    )
    assert "tp_test_secret" not in entry["signature_detail"]

    unsigned = compact_json(fields).encode()
    assert error(post(running, "/v4/balance", unsigned)) == (880011, "unauthorized")
    [entry] = running.admin(
        "GET", "requests", params={"gateway": "trustpay", "page_size": 1}
    ).json()["items"]
    assert (entry["signature"], entry["signature_detail"]) == ("missing", "no sign field")


# -- item 6: notify_time from the latest attempt ----------------------------------------------


def test_notify_time_is_the_latest_attempt_while_a_retry_is_pending() -> None:
    with (
        run_receiver(Reply(500, b"down")) as failing,
        run_sandbox({"clock": "manual", "clock_start": START}) as fresh,
    ):
        ok(post(fresh, CARD, card(failing, "NT-1")))
        fresh.advance(0)
        view = ok(post(fresh, "/v4/query/order", {"order_no": "NT-1"}))
        assert (view["notify_status"], view["notify_time"]) == (
            "1",
            "2026-03-12T08:30:00.000000Z",
        )
        fresh.advance(60)  # the first retry, failed too
        view = ok(post(fresh, "/v4/query/order", {"order_no": "NT-1"}))
        assert (view["notify_status"], view["notify_time"]) == (
            "1",
            "2026-03-12T08:31:00.000000Z",
        )
        failing.reply(Reply(200, b"{}"))
        fresh.advance(300)
        view = ok(post(fresh, "/v4/query/order", {"order_no": "NT-1"}))
        assert (view["notify_status"], view["notify_time"]) == (
            "2",
            "2026-03-12T08:36:00.000000Z",
        )
