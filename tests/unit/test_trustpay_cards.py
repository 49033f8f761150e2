"""Card issuing without a server: fees, PANs, callback bodies."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

import sandbox.app  # noqa: F401 - loads the merchant kinds before the TrustPay modules
from sandbox.gateways.orders import Order
from sandbox.gateways.trustpay import callbacks, cards
from sandbox.gateways.trustpay.merchant import CardType, TrustPayMerchant
from sandbox.signing.md5 import trustpay_verify
from sandbox.signing.values import parse_json

DEMO = TrustPayMerchant(
    merchant_id=8820250900009, api_key="tp_test_0b1c2d3e4f5a6b7c", secret="tp_test_secret_9f8e7d6c"
)
VISA, MASTERCARD = DEMO.card_types
AT = datetime(2026, 3, 12, 8, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    ("product", "amount", "fee"),
    [
        (VISA, "30.00", "11.00"),  # published example: fee 11.00, card balance 19.00
        (VISA, "35.00", "11.00"),  # published example: fee 11.00, card balance 24.00
        (VISA, "20.00", "11.00"),
        (VISA, "1000.00", "11.29"),
        (MASTERCARD, "100.00", "2.50"),
        (MASTERCARD, "10.00", "1.15"),
    ],
)
def test_card_fee_is_the_fee_formula_with_the_card_types_percentage(
    product: CardType, amount: str, fee: str
) -> None:
    assert cards.card_fee(Decimal(amount), product) == Decimal(fee)


def test_documented_balances_are_amount_minus_fee() -> None:
    assert Decimal("30.00") - cards.card_fee(Decimal("30.00"), VISA) == Decimal("19.00")
    assert Decimal("35.00") - cards.card_fee(Decimal("35.00"), VISA) == Decimal("24.00")


def _sandbox(seed: int) -> Any:
    return SimpleNamespace(rng=random.Random(seed))


def test_pans_are_luhn_valid_from_the_bin_and_repeat_with_the_seed() -> None:
    first = [cards.issue_pan(_sandbox(7), "400555") for _ in range(3)]
    again = [cards.issue_pan(_sandbox(7), "400555") for _ in range(3)]
    assert first == again
    other = cards.issue_pan(_sandbox(8), "400555")
    assert other != first[0]
    for pan, cvv in first:
        assert len(pan) == 16 and pan.startswith("400555") and cards.luhn_valid(pan)
        assert len(cvv) == 3 and cvv.isdigit()


def test_luhn_and_masking() -> None:
    assert cards.luhn_valid("4111111111111111")
    assert not cards.luhn_valid("4111111111111117")
    assert not cards.luhn_valid("41111111111111x1")
    assert cards.luhn_check_digit("400555526018159") == "9"
    assert cards.mask("4005555260181599") == "400555******1599"


def test_expiry_is_36_months_after_the_issue_month() -> None:
    assert cards.expiry_after(AT) == "2029-03"
    assert cards.expiry_after(datetime(2026, 12, 31, tzinfo=UTC)) == "2029-12"


def test_country_codes_are_iso_alpha_2() -> None:
    assert len(cards.COUNTRIES) == 249
    assert {"GB", "US", "IN", "SS", "XK"} & cards.COUNTRIES == {"GB", "US", "IN", "SS"}


def _order(**overrides: Any) -> Order:
    fields: dict[str, Any] = {
        "gateway": "trustpay",
        "merchant": "8820250900009",
        "kind": cards.CARD_ORDER,
        "platform_id": "VC20260312a691486d",
        "merchant_order_id": "VC20260312a691486d",
        "amount": Decimal("30.00"),
        "currency": "USD",
        "status": "4",
        "created_at": AT,
        "updated_at": AT,
        "data": {"family": "vcard", "charge_type": "OPEN_CARD", "card_id": 1, "fee": "11.00"},
    }
    fields.update(overrides)
    return Order(**fields)


def test_open_card_callback_is_vector_v11() -> None:
    rendered = callbacks.render_card_order(_order(), DEMO, "4", "valid", {})
    assert rendered.body == (
        b'{"order_no":"VC20260312a691486d","status":4,"card_id":1,"amount":30.00,"fee":11.00,'
        b'"balance":19.00,"type":"OPEN_CARD","reason":"","sign":"65fbe5c433d0cd423da85c94935312fe"}'
    )
    assert rendered.headers["Content-Type"] == "application/json"


def test_recharge_callback_is_the_documented_example() -> None:
    order = _order(
        platform_id="VC20260312b000cf74",
        merchant_order_id="VC20260312b000cf74",
        amount=Decimal("35.00"),
        data={"family": "vcard", "charge_type": "CARD_CHARGE", "card_id": 1, "fee": "11.00"},
    )
    rendered = callbacks.render_card_order(order, DEMO, "4", "valid", {})
    assert rendered.body == (
        b'{"order_no":"VC20260312b000cf74","status":4,"card_id":1,"amount":35.00,"fee":11.00,'
        b'"balance":24.00,"type":"CARD_CHARGE","reason":"","sign":"1cd2eacf75a98f16abc558b67bb02899"}'
    )


def test_failed_open_card_callback_has_no_card_id_fee_or_balance() -> None:
    data = {"family": "vcard", "charge_type": "OPEN_CARD", "card_id": None, "fee": "11.00"}
    order = _order(status="3", data={**data, "reason": "card order failed"})
    rendered = callbacks.render_card_order(order, DEMO, "3", "valid", {})
    body = parse_json(rendered.body)
    assert list(body) == ["order_no", "status", "amount", "type", "reason", "sign"]
    assert body["reason"] == "card order failed"
    assert trustpay_verify(body, DEMO.secret).ok


def test_failed_recharge_callback_keeps_the_card_id() -> None:
    data = {"family": "vcard", "charge_type": "CARD_CHARGE", "card_id": 4, "fee": "11.00"}
    rendered = callbacks.render_card_order(_order(status="3", data=data), DEMO, "3", "valid", {})
    assert list(parse_json(rendered.body)) == [
        "order_no",
        "status",
        "card_id",
        "amount",
        "type",
        "reason",
        "sign",
    ]


def test_trimmed_amounts_are_signed_as_sent() -> None:
    merchant = TrustPayMerchant(
        merchant_id=1, api_key="k", secret="s", callback_amount_format="trimmed"
    )
    rendered = callbacks.render_card_order(_order(), merchant, "4", "valid", {})
    assert b'"amount":30,"fee":11,"balance":19,' in rendered.body
    assert trustpay_verify(parse_json(rendered.body), "s").ok


def test_signature_modes_and_tamper() -> None:
    missing = parse_json(callbacks.render_card_order(_order(), DEMO, "4", "missing", {}).body)
    assert "sign" not in missing
    invalid = parse_json(callbacks.render_card_order(_order(), DEMO, "4", "invalid", {}).body)
    assert len(invalid["sign"]) == 32 and not trustpay_verify(invalid, DEMO.secret).ok
    tampered = callbacks.render_card_order(_order(), DEMO, "4", "valid", {"amount": Decimal("1")})
    body = parse_json(tampered.body)
    assert body["amount"] == "1" and not trustpay_verify(body, DEMO.secret).ok


def _holder(holder_id: str, reason: str = "") -> Order:
    return _order(
        kind=cards.CARDHOLDER,
        platform_id=holder_id,
        merchant_order_id="",
        amount=Decimal("0"),
        data={"reason": reason},
    )


def test_kyc_callbacks_are_vector_v12_and_the_rejected_example() -> None:
    approved = callbacks.render_kyc(
        _holder("7be4cbc7-00e9-4de1-a49e-ae8c6e1e2e90"), DEMO, "APPROVED", "valid", {}
    )
    assert approved.body == (
        b'{"cardholder_id":"7be4cbc7-00e9-4de1-a49e-ae8c6e1e2e90","cardholder_status":"APPROVED",'
        b'"reason":"","sign":"c48b14b49d1f561d50e2007006f86c69"}'
    )
    rejected = callbacks.render_kyc(
        _holder("e4d10768-4f56-4579-a40b-29e8d451b74a", "KYC rejected"),
        DEMO,
        "REJECTED",
        "valid",
        {},
    )
    assert rejected.body == (
        b'{"cardholder_id":"e4d10768-4f56-4579-a40b-29e8d451b74a","cardholder_status":"REJECTED",'
        b'"reason":"KYC rejected","sign":"7e61f850798d1aa9c973f19e09e0ff1a"}'
    )
