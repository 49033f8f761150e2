"""TrustPay fee formula and the Fee Query `data`."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.gateways.trustpay.fees import (
    fee_for,
    fee_overview,
    payin_fee,
    payout_fee,
    rate_number,
    refund_fee,
)
from sandbox.gateways.trustpay.merchant import FeeSchedule, RefundFee, TrustPayMerchant
from sandbox.signing.values import compact_json

DEMO = TrustPayMerchant(merchant_id=8820250900009, api_key="k", secret="s")
# The Fee Query page's example, printed before INR pay-ins were enabled for the demo merchant.
USD_PAYINS_ONLY = TrustPayMerchant(
    merchant_id=8820250900009,
    api_key="k",
    secret="s",
    payin={"USD": FeeSchedule(5, Decimal("3.5"), Decimal("0.30"), Decimal("0.00"))},
)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("20.00", "1.00"), ("5.00", "0.48"), ("1.00", "0.34"), ("100000.00", "3500.30")],
)
def test_demo_payin_fee(amount: str, expected: str) -> None:
    fee = payin_fee(DEMO, "USD", Decimal(amount))
    assert fee == Decimal(expected)
    assert str(fee) == expected  # always two places


def test_demo_payout_and_refund_fees() -> None:
    assert str(payout_fee(DEMO, "INR", Decimal("1000.00"))) == "15.00"
    assert str(refund_fee(DEMO, Decimal("5.00"))) == "0.00"


def test_currency_not_enabled_has_no_fee() -> None:
    assert payin_fee(USD_PAYINS_ONLY, "INR", Decimal("20.00")) == Decimal("0.00")
    assert payout_fee(DEMO, "USD", Decimal("20.00")) == Decimal("0.00")


def test_rounding_is_half_up_before_the_fixed_part() -> None:
    # 0.125 → 0.13 (half up, not banker's 0.12), then + fixed
    assert fee_for(Decimal("12.50"), Decimal("1"), Decimal("0.10")) == Decimal("0.23")
    assert fee_for(Decimal("0.50"), Decimal("1")) == Decimal("0.01")  # 0.005 → 0.01


def test_minimum_applies_after_fixed_part() -> None:
    assert fee_for(Decimal("1.00"), Decimal("1"), Decimal("0.10"), Decimal("0.50")) == Decimal(
        "0.50"
    )
    assert fee_for(Decimal("100.00"), Decimal("1"), Decimal("0.10"), Decimal("0.50")) == Decimal(
        "1.10"
    )


def test_refund_fee_uses_merchant_settings() -> None:
    merchant = TrustPayMerchant(
        merchant_id=1, api_key="k", secret="s", refund_fee=RefundFee(Decimal("2"), Decimal("0.25"))
    )
    assert refund_fee(merchant, Decimal("10.00")) == Decimal("0.45")


@pytest.mark.parametrize(
    ("rate", "text"), [("3.5", "3.5"), ("1.50", "1.5"), ("0", "0"), ("0.00", "0"), ("100", "100")]
)
def test_rate_rendering_is_the_shortest_decimal(rate: str, text: str) -> None:
    assert str(rate_number(Decimal(rate))) == text


def test_fee_overview_matches_the_spec_example() -> None:
    expected = (
        '{"fee_configs":[{"channel_id":5,"currency_id":"USD","business_type":0,"fee_rate":3.5,'
        '"fee_fixed_amount":0.30,"fee_min_amount":0.00},{"channel_id":9,"currency_id":"INR",'
        '"business_type":1,"fee_rate":1.5,"fee_fixed_amount":0.00,"fee_min_amount":0.00}],'
        '"dispute_configs":[{"channel_id":5,"currency_id":"USD","chargeback_fee":15.00,'
        '"refund_fee_rate":0,"refund_fee_fixed_amount":0.00}]}'
    )
    assert compact_json(fee_overview(USD_PAYINS_ONLY)) == expected


def test_demo_merchant_takes_inr_payins() -> None:
    assert str(payin_fee(DEMO, "INR", Decimal("20.00"))) == "0.70"
    configs = fee_overview(DEMO)["fee_configs"]
    assert [(c["currency_id"], c["business_type"]) for c in configs] == [
        ("USD", 0),
        ("INR", 0),
        ("INR", 1),
    ]


def test_fee_overview_lists_every_enabled_currency() -> None:
    merchant = TrustPayMerchant(
        merchant_id=1,
        api_key="k",
        secret="s",
        payin={
            "USD": FeeSchedule(5, Decimal("3.5"), Decimal("0.30")),
            "INR": FeeSchedule(7, Decimal("2.25")),
        },
    )
    data = fee_overview(merchant)
    assert [(c["currency_id"], c["business_type"]) for c in data["fee_configs"]] == [
        ("USD", 0),
        ("INR", 0),
        ("INR", 1),
    ]
    assert [c["channel_id"] for c in data["dispute_configs"]] == [5, 7]
