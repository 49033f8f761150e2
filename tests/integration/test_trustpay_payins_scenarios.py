"""Scenario directives on TrustPay pay-ins: outcome code/reason/paid amount,
callbacks copies/signature/sequence/tamper, a delayed outcome keeping its callbacks block, and
pay-in timers surviving a restart with a file database."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, SECRET, num, ok, post

from sandbox.signing.md5 import trustpay_verify
from sandbox.signing.values import parse_json

pytestmark = pytest.mark.postgres

CARD = "/v4/payin/create/card"
CASHIER = "/v4/payin/create/order"
SCENARIO = """name: a-cases
gateway: trustpay
rules:
  - when: {order_no: {prefix: "CODE-"}}
    outcome: {status: failed, reason: "issuer said no", code: 51}
  - when: {order_no: {prefix: "HALF-"}}
    outcome: {status: success, paid_amount: "50%"}
  - when: {order_no: {prefix: "COPIES-"}}
    callbacks: {copies: 3}
  - when: {order_no: {prefix: "BADSIG-"}}
    callbacks: {signature: invalid}
  - when: {order_no: {prefix: "SEQ-"}}
    callbacks: {sequence: [pending, success]}
  - when: {order_no: {prefix: "TAMPER-"}}
    callbacks: {tamper: {paid_amount: "1.00"}}
  - when: {order_no: {prefix: "LATER-"}}
    outcome: {status: success, after: 10s}
    callbacks: {copies: 2}
"""


@pytest.fixture(scope="module")
def receiver(store_backend: str) -> Iterator[Receiver]:
    """One per store backend, so the two runs' callbacks never mix."""
    with run_receiver(Reply(200, b"{}")) as merchant_side:
        yield merchant_side


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {**module_db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    ) as sandbox:
        assert sandbox.client.post("/_sandbox/scenarios", content=SCENARIO).status_code == 201
        sandbox.client.put("/_sandbox/scenarios/active", json={"names": ["a-cases"]})
        yield sandbox


def card(receiver: Receiver, order_no: str) -> dict[str, Any]:
    return {
        "merchant_id": num(MERCHANT_ID),
        "order_no": order_no,
        "order_amount": num("20.00"),
        "currency": "USD",
        "notify_url": receiver.url + "/notify",
        "card_number": "4242424242424242",
        "card_expiry": "2030-01",
        "card_cvv": "123",
        "card_holder_first_name": "Test",
        "card_holder_last_name": "User",
        "billing_country": "GB",
    }


def bodies(receiver: Receiver, order_no: str) -> list[bytes]:
    return [b for b in receiver.bodies if f'"order_no":"{order_no}"'.encode() in b]


def test_outcome_code_prefixes_the_reason(running: RunningSandbox, receiver: Receiver) -> None:
    data = ok(post(running, CARD, card(receiver, "CODE-1")))
    assert (data["status"], data["reason"]) == ("3", "51: issuer said no")


def test_outcome_paid_amount_percent(running: RunningSandbox, receiver: Receiver) -> None:
    data = ok(post(running, CARD, card(receiver, "HALF-1")))
    assert (data["status"], data["paid_amount"], data["fee"]) == ("5", "10.00", "0.65")
    running.advance(0)
    [raw] = bodies(receiver, "HALF-1")
    callback = parse_json(raw)
    assert (callback["paid_amount"], callback["balance_amount"]) == ("10.00", "9.35")


def test_copies_are_identical(running: RunningSandbox, receiver: Receiver) -> None:
    ok(post(running, CARD, card(receiver, "COPIES-1")))
    running.advance(0)
    sent = bodies(receiver, "COPIES-1")
    assert len(sent) == 3 and len(set(sent)) == 1


def test_invalid_signature(running: RunningSandbox, receiver: Receiver) -> None:
    ok(post(running, CARD, card(receiver, "BADSIG-1")))
    running.advance(0)
    [raw] = bodies(receiver, "BADSIG-1")
    assert parse_json(raw)["sign"] == "0" * 32


def test_sequence_pending_then_success(running: RunningSandbox, receiver: Receiver) -> None:
    ok(post(running, CARD, card(receiver, "SEQ-1")))
    running.advance(0)
    statuses = [parse_json(b)["status"] for b in bodies(receiver, "SEQ-1")]
    assert sorted(statuses) == ["1", "5"]
    for raw in bodies(receiver, "SEQ-1"):
        assert trustpay_verify(parse_json(raw), SECRET).ok


def test_tamper_after_signing(running: RunningSandbox, receiver: Receiver) -> None:
    ok(post(running, CARD, card(receiver, "TAMPER-1")))
    running.advance(0)
    [raw] = bodies(receiver, "TAMPER-1")
    assert b'"paid_amount":1.00,' in raw
    assert not trustpay_verify(parse_json(raw), SECRET).ok


def test_delayed_outcome_keeps_its_callbacks_block(
    running: RunningSandbox, receiver: Receiver
) -> None:
    data = ok(post(running, CARD, card(receiver, "LATER-1")))
    assert data["status"] == "1"
    running.advance(10)
    sent = bodies(receiver, "LATER-1")
    assert len(sent) == 2 and parse_json(sent[0])["status"] == "5"


def test_payin_timers_survive_a_restart(tmp_path: Path, receiver: Receiver) -> None:
    flags = {
        "clock": "manual",
        "clock_start": "2026-03-12T08:30:00Z",
        "db": str(tmp_path / "tp.db"),
    }
    with run_sandbox(flags) as first:
        cashier = {
            "merchant_id": num(MERCHANT_ID),
            "order_no": "RESTART-C",
            "order_amount": num("5.00"),
            "currency": "USD",
            "notify_url": receiver.url + "/notify",
        }
        ok(post(first, CASHIER, cashier))
        ok(post(first, CARD, card(receiver, "RESTART-P")))
        first.advance(0)
        before = ok(post(first, "/v4/balance", {"currency_id": "USD"}))["balance"]
    with run_sandbox(flags) as second:
        second.advance(30 * 60)
        expired = ok(post(second, "/v4/query/order", {"order_no": "RESTART-C"}))
        assert (expired["status"], expired["reason"]) == ("4", "order timeout")
        assert [parse_json(b)["status"] for b in bodies(receiver, "RESTART-C")] == ["4"]
        second.advance(24 * 3600)
        settled = ok(post(second, "/v4/query/order", {"order_no": "RESTART-P"}))
        assert settled["status"] == "6"
        after = ok(post(second, "/v4/balance", {"currency_id": "USD"}))["balance"]
        assert Decimal(after) - Decimal(before) == Decimal("19.00")
