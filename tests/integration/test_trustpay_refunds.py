"""TrustPay Order Refund over HTTP: full and partial refunds
with both callbacks on a real receiver, failures, settlement in between, every listed error."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from support.receiver import Receiver, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import (
    CODE_NAMES,
    MERCHANT_ID,
    SECRET,
    answer,
    error,
    num,
    ok,
    post,
    signed_body,
)

from sandbox.signing.md5 import trustpay_verify
from sandbox.signing.values import parse_json

pytestmark = pytest.mark.postgres

PATH = "/v4/order/refund"


@pytest.fixture(scope="module")
def receiver(store_backend: str) -> Iterator[Receiver]:
    """One per store backend, so the two runs' callbacks never mix."""
    with run_receiver() as merchant_side:
        yield merchant_side


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    flags = {**module_db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    with run_sandbox(flags) as sandbox:
        yield sandbox


def card_payin(
    running: RunningSandbox,
    receiver: Receiver,
    order_no: str,
    amount: str = "20.00",
    card: str = "4111111111111111",
) -> dict[str, Any]:
    body = {
        "merchant_id": MERCHANT_ID,
        "order_no": order_no,
        "order_amount": num(amount),
        "currency": "USD",
        "notify_url": receiver.url + "/trustpay/notify",
        "card_number": card,
        "card_expiry": "2030-09",
        "card_cvv": "123",
        "card_holder_first_name": "Test",
        "card_holder_last_name": "User",
        "billing_country": "GB",
    }
    data: dict[str, Any] = ok(post(running, "/v4/payin/create/card", body))
    running.advance(0)  # its callback is delivered before any refund's (no race on the order)
    return data


def refund(order_no: str, refund_no: str, amount: str, **extra: Any) -> dict[str, Any]:
    return {
        "order_no": order_no,
        "merchant_refund_no": refund_no,
        "refund_amount": num(amount),
        **extra,
    }


def plus(amount: str, delta: str) -> str:
    return str(Decimal(amount) + Decimal(delta))


def usd(running: RunningSandbox) -> tuple[str, str]:
    data = ok(post(running, "/v4/balance", {"currency_id": "USD"}))
    return data["balance"], data["frozen"]


def query(running: RunningSandbox, order_no: str) -> dict[str, Any]:
    data: dict[str, Any] = ok(post(running, "/v4/query/order", {"order_no": order_no}))
    return data


def callbacks_for(receiver: Receiver, order_no: str) -> list[bytes]:
    found = []
    for body in receiver.bodies:
        parsed = parse_json(body)
        if parsed.get("order_no", parsed.get("orderNo")) == order_no:
            assert trustpay_verify(parsed, SECRET).ok, body
            found.append(body)
    return found


def test_partial_then_full_refunds_with_both_callbacks(
    running: RunningSandbox, receiver: Receiver
) -> None:
    card_payin(running, receiver, "ORD-20260312-0002")
    running.advance(0)
    assert usd(running) == ("10000.00", "0.00")
    # Spec.5 V4, byte for byte with its digest.
    v4 = (
        b'{"order_no":"ORD-20260312-0002","merchant_refund_no":"RF-20260312-0001",'
        b'"refund_amount":5.00,"reason":"customer request",'
        b'"sign":"6e4af1052132c6335f3cedc5d11af9de"}'
    )
    response = post(running, PATH, v4)
    assert response.content == (
        b'{"code":880001,"message":"success","data":{"merchant_refund_no":"RF-20260312-0001",'
        b'"refund_amount":5.00,"currency":"USD","status":1,"failed_reason":{}}}'
    )
    assert usd(running) == ("9995.00", "5.00")
    assert (
        query(running, "ORD-20260312-0002")["status"],
        query(running, "ORD-20260312-0002")["refund_amount"],
    ) == ("9", "5.00")
    running.advance(0)
    # the refund-accepted callback, signature included.
    assert callbacks_for(receiver, "ORD-20260312-0002")[-1] == (
        b'{"type":0,"merchant_id":8820250900009,"order_no":"ORD-20260312-0002",'
        b'"order_amount":20.00,"refund_amount":5.00,"merchant_refund_no":["RF-20260312-0001"],'
        b'"status":9,"reason":"refunding","sign":"3b8dabbeec2e7d11abb4d4507d82bd86"}'
    )
    running.advance(1.5)
    assert query(running, "ORD-20260312-0002")["status"] == "9"
    running.advance(0.5)
    assert query(running, "ORD-20260312-0002")["status"] == "8"
    last = parse_json(callbacks_for(receiver, "ORD-20260312-0002")[-1])
    assert (last["status"], last["reason"], last["refund_amount"]) == (
        "8",
        "partially refunded",
        "5.00",
    )
    assert usd(running) == ("9995.00", "0.00")

    ok(post(running, PATH, refund("ORD-20260312-0002", "RF-20260312-0002", "3.00")))
    running.advance(2)
    # Spec.5 V9: the partial-refund callback with both refund numbers.
    assert callbacks_for(receiver, "ORD-20260312-0002")[-1] == (
        b'{"type":0,"merchant_id":8820250900009,"order_no":"ORD-20260312-0002",'
        b'"order_amount":20.00,"refund_amount":8.00,'
        b'"merchant_refund_no":["RF-20260312-0001","RF-20260312-0002"],"status":8,'
        b'"reason":"partially refunded","sign":"3b33323180a7205644376a9280fd6752"}'
    )
    # The rest: the order is fully refunded (7), final.
    ok(post(running, PATH, refund("ORD-20260312-0002", "RF-20260312-0003", "12.00")))
    running.advance(2)
    last = parse_json(callbacks_for(receiver, "ORD-20260312-0002")[-1])
    assert (last["status"], last["reason"], last["refund_amount"]) == ("7", "refunded", "20.00")
    assert last["merchant_refund_no"] == [
        "RF-20260312-0001",
        "RF-20260312-0002",
        "RF-20260312-0003",
    ]
    statuses = [parse_json(b)["status"] for b in callbacks_for(receiver, "ORD-20260312-0002")]
    assert statuses == ["5", "9", "8", "9", "8", "9", "7"]
    view = query(running, "ORD-20260312-0002")
    assert (view["status"], view["refund_amount"], view["paid_amount"]) == ("7", "20.00", "20.00")
    assert usd(running) == ("9980.00", "0.00")
    assert error(post(running, PATH, refund("ORD-20260312-0002", "RF-X", "1.00"))) == (
        880008,
        "order_processing_failed",
    )
    # Settlement one day after payment still credits paid - fee; the status stays 7.
    running.advance(86400)
    assert usd(running) == ("9999.00", "0.00")
    assert query(running, "ORD-20260312-0002")["status"] == "7"


def test_full_refund_in_one_go_by_platform_order_no(
    running: RunningSandbox, receiver: Receiver
) -> None:
    paid = card_payin(running, receiver, "ORD-FULL", "7.50")
    before = usd(running)
    data = ok(post(running, PATH, refund(paid["platform_order_no"], "RF-FULL", "7.50")))
    assert data["refund_amount"] == "7.50"
    running.advance(2)
    last = parse_json(callbacks_for(receiver, "ORD-FULL")[-1])
    assert (last["status"], last["refund_amount"]) == ("7", "7.50")
    assert usd(running) == (plus(before[0], "-7.50"), "0.00")


def test_failed_refund_returns_the_order_and_the_money(
    running: RunningSandbox, receiver: Receiver
) -> None:
    card_payin(running, receiver, "ORD-RF-FAIL")
    before = usd(running)
    ok(post(running, PATH, refund("ORD-RF-FAIL", "FAIL-RF-1", "4.00")))
    assert usd(running) == (plus(before[0], "-4.00"), plus(before[1], "4.00"))
    running.advance(2)
    last = parse_json(callbacks_for(receiver, "ORD-RF-FAIL")[-1])
    assert (last["status"], last["reason"]) == ("5", "refund failed")
    assert "paid_amount" in last and "refund_amount" not in last  # a status-5 callback
    assert usd(running) == before
    view = query(running, "ORD-RF-FAIL")
    assert (view["status"], view["refund_amount"]) == ("5", "0.00")
    refunds = running.admin("GET", "orders", params={"order": "FAIL-RF-1"}).json()["items"]
    assert refunds[0]["status"] == "3"
    assert refunds[0]["data"]["failed_reason"] == {"code": 880008, "message": "refund failed"}
    # the failed number still counts as used, and is listed in later refund callbacks
    assert error(post(running, PATH, refund("ORD-RF-FAIL", "FAIL-RF-1", "1.00"))) == (
        880012,
        "order_already_exists",
    )
    ok(post(running, PATH, refund("ORD-RF-FAIL", "RF-AFTER-FAIL", "1.00")))
    running.advance(2)
    last = parse_json(callbacks_for(receiver, "ORD-RF-FAIL")[-1])
    assert last["merchant_refund_no"] == ["FAIL-RF-1", "RF-AFTER-FAIL"]
    assert (last["status"], last["refund_amount"]) == ("8", "1.00")


def test_failed_refund_after_settlement_returns_to_6(
    running: RunningSandbox, receiver: Receiver
) -> None:
    card_payin(running, receiver, "ORD-RF-SETTLE")
    running.advance(86400 - 1)
    assert query(running, "ORD-RF-SETTLE")["status"] == "5"
    balance_before = usd(running)[0]
    ok(post(running, PATH, refund("ORD-RF-SETTLE", "FAIL-RF-2", "2.00")))
    running.advance(1)  # settles while refunding: credited, status stays 9
    assert query(running, "ORD-RF-SETTLE")["status"] == "9"
    assert usd(running)[0] == plus(balance_before, "17.00")
    running.advance(1)
    last = parse_json(callbacks_for(receiver, "ORD-RF-SETTLE")[-1])
    assert (last["status"], last["reason"]) == ("6", "refund failed")
    assert query(running, "ORD-RF-SETTLE")["status"] == "6"
    assert usd(running) == (plus(balance_before, "19.00"), "0.00")


def test_pending_refund_stays_refunding(running: RunningSandbox, receiver: Receiver) -> None:
    card_payin(running, receiver, "ORD-RF-PEND")
    ok(post(running, PATH, refund("ORD-RF-PEND", "PEND-RF-1", "1.00")))
    running.advance(3600)
    assert query(running, "ORD-RF-PEND")["status"] == "9"
    assert error(post(running, PATH, refund("ORD-RF-PEND", "RF-WHILE-9", "1.00"))) == (
        880008,
        "order_processing_failed",
    )


def test_backend_success_refund_is_processed(running: RunningSandbox, receiver: Receiver) -> None:
    card_payin(running, receiver, "ORD-RF-10")
    envelope = answer(post(running, PATH, refund("ORD-RF-10", "E880010-RF", "1.00")))
    assert (int(envelope["code"]), envelope["message"]) == (880010, "backend_success")
    assert envelope["data"]["status"] == "1"
    running.advance(2)
    assert query(running, "ORD-RF-10")["status"] == "8"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"merchant_refund_no": "RF-1", "refund_amount": num("1.00")}, "missing field: order_no"),
        ({"order_no": "ORD-F", "refund_amount": num("1.00")}, "missing field: merchant_refund_no"),
        ({"order_no": "ORD-F", "merchant_refund_no": "RF-1"}, "missing field: refund_amount"),
        (
            {"order_no": 12, "merchant_refund_no": "RF-1", "refund_amount": num("1.00")},
            "invalid field: order_no (string)",
        ),
        (
            refund("ORD-F", "RF 1", "1.00"),
            "invalid field: merchant_refund_no (no whitespace or control characters)",
        ),
        (
            refund("ORD-F", "RF-1", "1.005"),
            "invalid field: refund_amount (amount with at most 2 decimals)",
        ),
        (
            refund("ORD-F", "RF-1", "1.00", reason="r" * 257),
            "invalid field: reason (at most 256 characters)",
        ),
        (
            refund("ORD-F", "RF-1", "1.00", merchant_id="x1"),
            "invalid field: merchant_id (integer)",
        ),
    ],
)
def test_field_errors(running: RunningSandbox, body: dict[str, Any], message: str) -> None:
    assert error(post(running, PATH, body)) == (880002, message)


def test_business_errors_change_nothing(running: RunningSandbox, receiver: Receiver) -> None:
    card_payin(running, receiver, "ORD-RULES", "10.00")
    declined = card_payin(running, receiver, "ORD-DECLINED", card="4000000000000002")
    assert declined["status"] == "3"
    pending = ok(
        post(
            running,
            "/v4/payin/create/order",
            {
                "merchant_id": MERCHANT_ID,
                "order_no": "ORD-CASHIER",
                "order_amount": num("10.00"),
                "currency": "USD",
                "notify_url": receiver.url,
            },
        )
    )
    assert pending["pay_url"]
    payout = answer(
        post(
            running,
            "/v2/payout/create",
            {
                "merchantId": MERCHANT_ID,
                "orderNo": "PO-RF",
                "amount": "100.00",
                "currency": "INR",
                "notifyUrl": receiver.url,
                "accountNo": "123456789012",
                "accountName": "Ravi Kumar",
                "ifsc": "HDFC0001234",
            },
        )
    )
    assert int(payout["code"]) == 880001
    ok(post(running, PATH, refund("ORD-RULES", "RF-TAKEN", "1.00")))
    running.advance(2)
    before = (usd(running), query(running, "ORD-RULES"))
    cases = [
        (refund("ORD-RULES", "RF-TAKEN", "1.00"), (880012, "order_already_exists")),
        (refund("ORD-NOPE", "RF-N", "1.00"), (880002, "order not found")),
        (refund("PO-RF", "RF-N", "1.00"), (880006, "invalid_transaction_type")),
        (refund("ORD-DECLINED", "RF-N", "1.00"), (880008, "order_processing_failed")),
        (refund("ORD-CASHIER", "RF-N", "1.00"), (880008, "order_processing_failed")),
        (refund("ORD-RULES", "RF-N", "0.00"), (880015, "amount_rule_violation")),
        (refund("ORD-RULES", "RF-N", "-1.00"), (880015, "amount_rule_violation")),
        (refund("ORD-RULES", "RF-N", "9.01"), (880015, "amount_rule_violation")),
        (refund("ORD-RULES", "E880005-RF", "1.00"), (880005, "insufficient_balance")),
        (refund("ORD-RULES", "E880004-RF", "1.00"), (880004, "remote_service_error")),
    ]
    for body, expected in cases:
        assert error(post(running, PATH, body)) == expected, body
    assert (usd(running), query(running, "ORD-RULES")) == before
    forced = post(
        running, PATH, refund("ORD-RULES", "RF-N", "1.00"), headers={"X-Sandbox-Code": "880016"}
    )
    assert error(forced) == (880016, "channel_configuration_error")
    ok(post(running, PATH, refund("ORD-RULES", "RF-REST", "9.00")))


def test_insufficient_balance_natural(tmp_path: Path, receiver: Receiver) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        "merchants:\n  trustpay:\n"
        "    - {merchant_id: 8820250900009, api_key: tp_test_0b1c2d3e4f5a6b7c,"
        " secret: tp_test_secret_9f8e7d6c, balances: {USD: {balance: 10.00}},"
        " refund_fee: {rate: 0, fixed: 0.50}}\n"
    )
    with run_sandbox({"clock": "manual", "config": str(config)}) as small:
        card_payin(small, receiver, "ORD-SMALL", "30.00")
        assert error(post(small, PATH, refund("ORD-SMALL", "RF-S1", "9.51"))) == (
            880005,
            "insufficient_balance",
        )
        ok(post(small, PATH, refund("ORD-SMALL", "RF-S2", "9.50")))  # 9.50 + fee 0.50
        assert usd(small) == ("0.00", "10.00")
        small.advance(2)
        assert usd(small) == ("0.00", "0.00")


@pytest.mark.parametrize(
    ("code", "message"), [(c, n) for c, n in CODE_NAMES.items() if c != 880010]
)
def test_every_prefix_is_answered_and_stores_nothing(
    running: RunningSandbox, receiver: Receiver, code: int, message: str
) -> None:
    order_no = f"ORD-SWEEP-{code}"
    card_payin(running, receiver, order_no, "5.00")
    running.advance(0)  # the pay-in's callback is acknowledged before the snapshot
    before = (usd(running), query(running, order_no))
    assert error(post(running, PATH, refund(order_no, f"E{code}-RF", "1.00"))) == (code, message)
    assert (usd(running), query(running, order_no)) == before


def test_refund_of_a_v3_order_calls_back_in_camel_case(
    running: RunningSandbox, receiver: Receiver
) -> None:
    body = {
        "merchantId": MERCHANT_ID,
        "orderNo": "ORD-V3-RF",
        "orderAmount": num("20"),
        "currency": "USD",
        "cardNumber": "4242424242424242",
        "cardExpiry": "2030-09",
        "cardCVV": "123",
        "cardHolderName": "Test User",
        "notifyUrl": receiver.url + "/notify",
    }
    assert ok(post(running, "/v3/payin/create/card/sync", body))["status"] == "5"
    ok(post(running, PATH, refund("ORD-V3-RF", "RF-V3", "2.50")))
    running.advance(2)
    last = parse_json(callbacks_for(receiver, "ORD-V3-RF")[-1])
    assert list(last) == [
        "type", "merchantId", "orderNo", "orderAmount", "refundAmount", "merchantRefundNo",
        "status", "reason", "sign",
    ]  # fmt: skip
    assert (last["status"], last["refundAmount"], last["merchantRefundNo"]) == (
        "8",
        "2.50",
        ["RF-V3"],
    )


def test_merchants_are_isolated(tmp_path: Path, receiver: Receiver) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        "merchants:\n  trustpay:\n"
        "    - {merchant_id: 8820250900010, api_key: tp_other_key, secret: tp_other_secret}\n"
    )
    other = {"api_key": "tp_other_key"}
    with run_sandbox({"clock": "manual", "config": str(config)}) as two:
        paid = card_payin(two, receiver, "ORD-MINE")
        body = refund("ORD-MINE", "RF-OTHER", "1.00", merchant_id=8820250900010)
        signed = signed_body(body, "tp_other_secret")
        assert error(post(two, PATH, signed, **other)) == (880002, "order not found")
        by_platform = signed_body(
            refund(paid["platform_order_no"], "RF-OTHER", "1.00"), "tp_other_secret"
        )
        assert error(post(two, PATH, by_platform, **other)) == (880002, "order not found")
        # the other merchant may reuse the refund number and order number spaces freely
        ok(post(two, PATH, refund("ORD-MINE", "RF-OTHER", "1.00")))
        assert usd(two) == ("9999.00", "1.00")
