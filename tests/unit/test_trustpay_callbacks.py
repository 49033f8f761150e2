"""TrustPay callback bodies (spec.5, 6.8): the exact bytes of the spec's examples."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sandbox.gateways.trustpay.callbacks import (
    PAYIN,
    PAYOUT,
    CallbackFacts,
    callback_payload,
    default_reason,
    event_name,
    render_amount,
    render_callback,
)
from sandbox.signing.md5 import trustpay_verify
from sandbox.signing.values import parse_json

SECRET = "tp_test_secret_9f8e7d6c"
MERCHANT = 8820250900009

PAID = CallbackFacts(
    order_type=PAYIN,
    merchant_id=MERCHANT,
    order_no="ORD-20260312-0002",
    order_amount=Decimal("20"),
    paid_amount=Decimal("20.00"),
    fee=Decimal("1.00"),
    pay_time=datetime(2026, 3, 12, 8, 30, 0, 118207, tzinfo=UTC),
)


def body(facts: CallbackFacts, status: int, reason: str | None = None, **kwargs: object) -> str:
    fields = callback_payload(facts, status, reason, **kwargs)  # type: ignore[arg-type]
    return render_callback(fields, SECRET).decode()


def test_v7_payin_paid() -> None:
    assert body(PAID, 5) == (
        '{"type":0,"merchant_id":8820250900009,"order_no":"ORD-20260312-0002",'
        '"order_amount":20.00,"paid_amount":20.00,"balance_amount":19.00,"fee":1.00,'
        '"pay_time":"2026-03-12 08:30:00","status":5,"reason":"success",'
        '"sign":"1d4799fd3fcf014ca209cdc88e6536e6"}'
    )


def test_v8_payin_failed_carries_only_the_order_amount() -> None:
    failed = CallbackFacts(PAYIN, MERCHANT, "ORD-20260312-0003", Decimal("20.00"))
    assert body(failed, 3, "card declined") == (
        '{"type":0,"merchant_id":8820250900009,"order_no":"ORD-20260312-0003",'
        '"order_amount":20.00,"status":3,"reason":"card declined",'
        '"sign":"c7bfb8b10d85cf7c1cc05092d27574d5"}'
    )


def test_v9_partial_refund() -> None:
    facts = CallbackFacts(
        PAYIN,
        MERCHANT,
        "ORD-20260312-0002",
        Decimal("20.00"),
        paid_amount=Decimal("20.00"),
        fee=Decimal("1.00"),
        refund_amount=Decimal("8"),
        refund_nos=("RF-20260312-0001", "RF-20260312-0002"),
    )
    assert body(facts, 8) == (
        '{"type":0,"merchant_id":8820250900009,"order_no":"ORD-20260312-0002",'
        '"order_amount":20.00,"refund_amount":8.00,'
        '"merchant_refund_no":["RF-20260312-0001","RF-20260312-0002"],"status":8,'
        '"reason":"partially refunded","sign":"3b33323180a7205644376a9280fd6752"}'
    )


def test_refund_accepted_example_of_section_6_5() -> None:
    facts = CallbackFacts(
        PAYIN,
        MERCHANT,
        "ORD-20260312-0002",
        Decimal("20.00"),
        refund_amount=Decimal("5.00"),
        refund_nos=("RF-20260312-0001",),
    )
    assert body(facts, 9) == (
        '{"type":0,"merchant_id":8820250900009,"order_no":"ORD-20260312-0002",'
        '"order_amount":20.00,"refund_amount":5.00,"merchant_refund_no":["RF-20260312-0001"],'
        '"status":9,"reason":"refunding","sign":"3b8dabbeec2e7d11abb4d4507d82bd86"}'
    )


def test_v10_payout_paid_camel_case() -> None:
    facts = CallbackFacts(
        PAYOUT,
        MERCHANT,
        "PO-20260312-0001",
        Decimal("1000.00"),
        paid_amount=Decimal("1000.00"),
        fee=Decimal("15.00"),
        pay_time=datetime(2026, 3, 12, 8, 30, 5, tzinfo=UTC),
        camel=True,
    )
    assert body(facts, 2) == (
        '{"type":1,"merchantId":8820250900009,"orderNo":"PO-20260312-0001",'
        '"orderAmount":1000.00,"paidAmount":1000.00,"balanceAmount":985.00,"fee":15.00,'
        '"payTime":"2026-03-12 08:30:05","status":2,"reason":"success",'
        '"sign":"5d5113e400f2459aa0b0ccb4d2eb9219"}'
    )


def test_v3_created_payin_paid_example_of_section_6_5() -> None:
    facts = CallbackFacts(
        PAYIN,
        MERCHANT,
        "ORD-20260312-0004",
        Decimal("20"),
        paid_amount=Decimal("20"),
        fee=Decimal("1.00"),
        pay_time=datetime(2026, 3, 12, 8, 32, tzinfo=UTC),
        camel=True,
    )
    assert body(facts, 5) == (
        '{"type":0,"merchantId":8820250900009,"orderNo":"ORD-20260312-0004",'
        '"orderAmount":20.00,"paidAmount":20.00,"balanceAmount":19.00,"fee":1.00,'
        '"payTime":"2026-03-12 08:32:00","status":5,"reason":"success",'
        '"sign":"7bd347097555a13ec0c005c286fde2e6"}'
    )


def test_camel_case_refund_array_name() -> None:
    facts = CallbackFacts(
        PAYIN, MERCHANT, "A", Decimal("10"), refund_amount=Decimal("10"), refund_nos=("R1",)
    )
    payload = callback_payload(CallbackFacts(**{**facts.__dict__, "camel": True}), 7)
    assert list(payload) == [
        "type",
        "merchantId",
        "orderNo",
        "orderAmount",
        "refundAmount",
        "merchantRefundNo",
        "status",
        "reason",
    ]
    assert payload["reason"] == "refunded"


@pytest.mark.parametrize(
    ("order_type", "status", "keys"),
    [
        (PAYIN, 6, ["paid_amount", "balance_amount", "fee", "pay_time"]),
        (PAYIN, 1, []),
        (PAYIN, 4, []),
        (PAYOUT, 3, []),
        (PAYOUT, 4, []),
        (PAYOUT, 1, []),
    ],
)
def test_presence_by_status(order_type: int, status: int, keys: list[str]) -> None:
    facts = CallbackFacts(
        order_type,
        MERCHANT,
        "X",
        Decimal("20"),
        paid_amount=Decimal("20"),
        fee=Decimal("1"),
        pay_time=PAID.pay_time,
    )
    payload = callback_payload(facts, status)
    common = ["type", "merchant_id", "order_no", "order_amount"]
    assert list(payload) == [*common, *keys, "status", "reason"]


def test_trimmed_amounts_are_signed_as_sent() -> None:
    text = body(PAID, 5, amount_format="trimmed")
    assert '"order_amount":20,' in text
    assert '"balance_amount":19,' in text
    parsed = parse_json(text)
    assert trustpay_verify(parsed, SECRET).ok


def test_render_amount_forms() -> None:
    assert render_amount(Decimal("4.5")) == "4.50"
    assert render_amount(Decimal("4.5"), "trimmed") == "4.5"
    assert render_amount(Decimal("106"), "trimmed") == "106"
    assert render_amount(Decimal("0"), "fixed2") == "0.00"


def test_invalid_and_missing_signature_and_tamper() -> None:
    fields = callback_payload(PAID, 5)
    invalid = parse_json(render_callback(fields, SECRET, "invalid"))
    assert invalid["sign"] == "0" * 32
    missing = parse_json(render_callback(fields, SECRET, "missing"))
    assert "sign" not in missing
    tampered = render_callback(fields, SECRET, "valid", {"paid_amount": "1.00", "status": "3"})
    assert b'"paid_amount":1.00,' in tampered
    assert b'"status":3,' in tampered
    parsed = parse_json(tampered)
    assert list(parsed)[-1] == "sign"
    assert not trustpay_verify(parsed, SECRET).ok


def test_tamper_uses_camel_names_on_camel_bodies() -> None:
    facts = CallbackFacts(**{**PAID.__dict__, "camel": True})
    tampered = render_callback(callback_payload(facts, 5), SECRET, "valid", {"paid_amount": "2"})
    assert b'"paidAmount":2.00,' in tampered
    assert b"paid_amount" not in tampered


def test_non_ascii_is_sent_unescaped_and_signed_as_sent() -> None:
    facts = CallbackFacts(PAYIN, MERCHANT, "ORD-é", Decimal("20"))
    raw = render_callback(callback_payload(facts, 3, "refusé"), SECRET)
    assert "refusé".encode() in raw
    assert trustpay_verify(parse_json(raw), SECRET).ok


def test_reasons_and_events() -> None:
    assert default_reason(PAYIN, 4) == "order timeout"
    assert default_reason(PAYOUT, 3) == "payout failed"
    assert event_name(PAYIN, 9) == "payin.refund.9"
    assert event_name(PAYOUT, 2) == "payout.2"
    assert event_name(PAYIN, 5) == "payin.5"
