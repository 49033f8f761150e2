"""The TrustPay page's refund, payout, balance and fee sections show what the
sandbox really answers: every JSON example there is reproduced byte for byte."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.receiver import Receiver, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, num, ok, post

from sandbox.signing.values import parse_json

pytestmark = pytest.mark.postgres

PAGE = (Path(__file__).parents[2] / "docs/gateways/trustpay.md").read_text(encoding="utf-8")
SUBSECTIONS = PAGE[
    PAGE.index("## Order Refund — `POST /v4/order/refund`") : PAGE.index("## Card issuing")
]
EXAMPLES = [block.encode() for block in re.findall(r"```json\n(.*?)\n```", SUBSECTIONS, re.DOTALL)]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with run_receiver() as merchant_side:
        yield merchant_side


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {**module_db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    ) as sandbox:
        yield sandbox


def test_every_example_is_one_json_document() -> None:
    assert len(EXAMPLES) == 5
    for example in EXAMPLES:
        assert isinstance(parse_json(example), dict)


def test_payout_examples(running: RunningSandbox, receiver: Receiver) -> None:
    success, insufficient, callback = EXAMPLES[1], EXAMPLES[2], EXAMPLES[3]
    body = {
        "merchantId": MERCHANT_ID,
        "orderNo": "PO-20260312-0001",
        "amount": "1000.00",
        "currency": "INR",
        "notifyUrl": receiver.url + "/trustpay/notify",
        "accountNo": "123456789012",
        "accountName": "Ravi Kumar",
        "ifsc": "HDFC0001234",
    }
    response = post(running, "/v2/payout/create", body)
    platform = parse_json(response.content)["platformOrderNo"]
    assert response.content == success.replace(b"axdh172Y7NnUf7SraPNuRuHK", platform.encode())
    running.advance(5)
    assert receiver.bodies[-1] == callback
    forced = post(running, "/v2/payout/create", {**body, "orderNo": "E880005-PO"})
    assert forced.content == insufficient


def test_refund_and_balance_examples(running: RunningSandbox, receiver: Receiver) -> None:
    refund_answer, balance_answer = EXAMPLES[0], EXAMPLES[4]
    payin = {
        "merchant_id": MERCHANT_ID,
        "order_no": "ORD-20260312-0002",
        "order_amount": num("20.00"),
        "currency": "USD",
        "notify_url": receiver.url + "/trustpay/notify",
        "card_number": "4111111111111111",
        "card_expiry": "2028-09",
        "card_cvv": "123",
        "card_holder_first_name": "Test",
        "card_holder_last_name": "User",
        "billing_country": "GB",
    }
    ok(post(running, "/v4/payin/create/card", payin))
    running.advance(86400)  # settled: 10000.00 + 20.00 - 1.00
    refund = {
        "order_no": "ORD-20260312-0002",
        "merchant_refund_no": "RF-20260312-0001",
        "refund_amount": num("5.00"),
        "reason": "customer request",
    }
    assert post(running, "/v4/order/refund", refund).content == refund_answer
    assert post(running, "/v4/balance", {"currency_id": "USD"}).content == balance_answer
