"""EzPay payload builders against the spec's exact texts: C1-C4 notification params,
QR payloads with their CRC and VA numbers, fees and `feeRefunded`, times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from unit.test_signing_ezpay import PINNED, VECTORS

from sandbox.gateways.ezpay.callbacks import refund_param, render_body, transaction_param
from sandbox.gateways.ezpay.channels import CHANNELS, COUNTRIES
from sandbox.gateways.ezpay.merchant import DEMO_MERCHANT, EzPayMerchant
from sandbox.gateways.ezpay.money import fee_refunded, fmt_time, payment_fee, payout_fee
from sandbox.gateways.ezpay.paydata import crc16_ccitt_false, qr_payload, va_number
from sandbox.gateways.orders import Order
from sandbox.signing.values import compact_json, parse_json

MERCHANT = EzPayMerchant(**DEMO_MERCHANT)
T0 = datetime.fromtimestamp(1700000000, UTC)  # 2023-11-15 06:13:20 at UTC+08:00


def order(
    kind: str,
    ident: str,
    mch: str,
    amount: int,
    status: str,
    created: datetime,
    returned: datetime,
    parent: str | None = None,
    **data: object,
) -> Order:
    return Order(
        gateway="ezpay",
        merchant=MERCHANT.app_id,
        kind=kind,
        platform_id=ident,
        merchant_order_id=mch,
        amount=Decimal(amount),
        currency="PHP",
        status=status,
        created_at=created,
        updated_at=returned,
        parent_id=parent,
        data={"returnAt": returned.isoformat(), **data},
    )


def test_time_format_is_the_merchant_zone() -> None:
    assert fmt_time(T0, MERCHANT) == "2023-11-15 06:13:20"


@pytest.mark.parametrize("vector_id", ["C1", "C2", "C3", "C4"])
def test_notification_params_are_byte_exact(vector_id: str) -> None:
    five = timedelta(seconds=5)
    if vector_id == "C1":
        o = order(
            "payment",
            "C1000000000000000001",
            "ORDER-0001",
            500,
            "COMPLETED",
            T0,
            T0 + five,
            channelCode="PH_GCASH_URL",
        )
        param = transaction_param(o, MERCHANT, "COMPLETED")
    elif vector_id == "C2":
        o = order(
            "payout",
            "D1000000000000000002",
            "F10004-PO-0002",
            50000,
            "FAILED",
            T0,
            T0 + five,
            remark="salary",
            failedCode=-10004,
            failedMessage="Transaction Channel Rejected",
        )
        param = transaction_param(o, MERCHANT, "FAILED")
    elif vector_id == "C3":
        created = T0 + timedelta(seconds=100)
        o = order(
            "refund",
            "1000000000000000003",
            "RF-0001",
            200,
            "COMPLETE",
            created,
            created + five,
            parent="C1000000000000000001",
            feeRefunded="5",
        )
        param = refund_param(o, MERCHANT, "COMPLETE")
    else:
        created = T0 + timedelta(seconds=200)
        o = order(
            "static_payment",
            "C1000000000000000004",
            "QR-SHOP-01",
            12345,
            "COMPLETED",
            created,
            created,
            parent="S1000000000000000007",
            channelCode="PH_QRPH_STATIC",
            remark="counter 1",
        )
        param = transaction_param(o, MERCHANT, "COMPLETED")
    text = VECTORS[vector_id][0]
    assert compact_json(param) == text
    body = render_body(param, MERCHANT)
    assert body == compact_json({"sign": PINNED[vector_id], "param": text}).encode()


def test_tamper_changes_param_after_signing_and_keeps_key_order() -> None:
    param = parse_json(VECTORS["C1"][0])
    body = parse_json(render_body(param, MERCHANT, "valid", {"amount": 1}))
    assert body["sign"] == PINNED["C1"]
    assert body["param"] == VECTORS["C1"][0].replace('"amount":500', '"amount":1')
    missing = parse_json(render_body(param, MERCHANT, "missing"))
    assert list(missing) == ["param"]
    invalid = parse_json(render_body(param, MERCHANT, "invalid"))
    assert len(invalid["sign"]) == 344 and invalid["sign"] != PINNED["C1"]


@pytest.mark.parametrize(
    ("country", "ident", "amount", "expected"),
    [
        (
            "philippines",
            "C1000000000000000005",
            Decimal(500),
            "00020101021226410013SANDBOX.EZPAY0120C100000000000000000552045999530360854045.00"
            "5802PH5913EZPAY SANDBOX6006MANILA630404F4",
        ),
        (
            "philippines",
            "S1000000000000000007",
            None,
            "00020101021126410013SANDBOX.EZPAY0120S10000000000000000075204599953036085802PH"
            "5913EZPAY SANDBOX6006MANILA6304E092",
        ),
    ],
)
def test_qr_payloads(country: str, ident: str, amount: Decimal | None, expected: str) -> None:
    assert qr_payload(COUNTRIES[country], ident, amount) == expected


def test_qr_crc_covers_everything_before_it_and_idr_has_no_decimals() -> None:
    payload = qr_payload(COUNTRIES["indonesia"], "C1000000000000000009", Decimal(20099))
    assert "540520099" in payload and "5303360" in payload and "6007JAKARTA" in payload
    assert payload[-4:] == f"{crc16_ccitt_false(payload[:-4].encode()):04X}"
    assert crc16_ccitt_false(b"123456789") == 0x29B1  # the CRC's check value


def test_va_number() -> None:
    assert va_number(CHANNELS["ID_BCA_VA"], "C1000000000000000006") == "3901000000000006"
    assert va_number(CHANNELS["ID_BNI_STATIC_VA"], "S1234567890123456789").startswith("9888")


def test_fees_half_up() -> None:
    assert [payment_fee(MERCHANT, Decimal(a)) for a in (500, 10099, 20000)] == [13, 252, 500]
    assert payout_fee(MERCHANT, Decimal(50000), "PHP") == 1500
    assert payout_fee(MERCHANT, Decimal(100000), "IDR") == 3500


def test_fee_refunded_is_a_cumulative_share() -> None:
    fee, paid = Decimal(13), Decimal(500)
    first = fee_refunded(fee, paid, Decimal(0), Decimal(0), Decimal(200))
    second = fee_refunded(fee, paid, Decimal(200), first, Decimal(300))
    assert (first, second) == (5, 8)
    assert fee_refunded(fee, paid, Decimal(0), Decimal(0), paid) == fee
