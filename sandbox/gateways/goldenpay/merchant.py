"""GoldenPay merchant settings; defaults are the demo merchant's values."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sandbox.merchant_kinds import MerchantKind, OpeningBalance
from sandbox.schema import check_currency_keys, check_not_empty, check_utc_offset

Channel = Literal[
    "mock", "bank", "momo", "zalo", "scratch", "viettel", "truemoney",
    "gcash", "grab", "maya", "phqr", "usdt.trc20",
]  # fmt: skip
CHANNELS: tuple[Channel, ...] = (
    "mock", "bank", "momo", "zalo", "scratch", "viettel", "truemoney",
    "gcash", "grab", "maya", "phqr", "usdt.trc20",
)  # fmt: skip


@dataclass(frozen=True)
class Channels:
    collect: tuple[Channel, ...] = CHANNELS
    payout: tuple[Channel, ...] = CHANNELS


@dataclass(frozen=True)
class AmountRange:
    min: Decimal
    max: Decimal


@dataclass(frozen=True)
class GoldenPayMerchant:
    mch_id: int
    api_token: str = field(metadata={"check": check_not_empty})
    name: str = "Demo Merchant"
    created_at: str = "2026-05-04 10:00:00"
    collect_ratio: Decimal = Decimal("0.025")
    payout_fee_rate: Decimal = Decimal("0.01")
    channels: Channels = field(default_factory=Channels)
    balances: dict[str, Decimal] = field(
        default_factory=lambda: {
            "THB": Decimal("1000000"),
            "PHP": Decimal("1000000"),
            "VND": Decimal("10000000000"),
            "USDT": Decimal("100000"),
        },
        metadata={"check": check_currency_keys},
    )
    payout_limits: dict[str, AmountRange] = field(
        default_factory=lambda: {
            "PHP": AmountRange(Decimal("1.00"), Decimal("500000.00")),
            "THB": AmountRange(Decimal("1.00"), Decimal("500000.00")),
            "VND": AmountRange(Decimal("10000"), Decimal("5000000000")),
            "USDT": AmountRange(Decimal("1.00"), Decimal("50000.00")),
        },
        metadata={"check": check_currency_keys},
    )
    timestamp_window_s: int = 300
    signature_mode: Literal["strict", "lenient"] = "strict"
    time_zone: str = field(default="+07:00", metadata={"check": check_utc_offset})
    # Which published revision of the docs the merchant is coded against (`revisions.py`).
    api_revision: Literal["current", "legacy"] = "current"


DEMO_MERCHANT: dict[str, Any] = {"mch_id": 10001, "api_token": "gp_test_token_5e6f7a8b"}


def opening_balances(merchant: GoldenPayMerchant) -> list[OpeningBalance]:
    return [OpeningBalance("main", cur, amount) for cur, amount in merchant.balances.items()]


GOLDENPAY_MERCHANTS = MerchantKind(
    gateway="goldenpay",
    model=GoldenPayMerchant,
    id_key="mch_id",
    demo=DEMO_MERCHANT,
    credential_keys=("mch_id", "api_token"),
    opening_balances=opening_balances,
)
