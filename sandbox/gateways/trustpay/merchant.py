"""TrustPay merchant settings; the dataclass defaults are the demo merchant's values."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sandbox.merchant_kinds import MerchantKind, OpeningBalance
from sandbox.schema import check_currency_keys, check_not_empty, check_url


@dataclass(frozen=True)
class FeeSchedule:
    channel_id: int
    fee_rate: Decimal  # percent
    fee_fixed: Decimal = Decimal("0.00")
    fee_min: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class RefundFee:
    rate: Decimal = Decimal("0")  # percent
    fixed: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class Limits:
    min_amount: Decimal = Decimal("1.00")
    max_amount: Decimal = Decimal("100000.00")
    per_transaction: Decimal = Decimal("50000.00")
    daily_amount: Decimal = Decimal("500000.00")
    daily_count: int = 10000
    monthly_amount: Decimal = Decimal("5000000.00")
    card_failures_24h: int = 3
    # Per-currency overrides; a currency not listed uses the numbers above.
    currencies: dict[str, CurrencyLimits] = field(
        default_factory=dict, metadata={"check": check_currency_keys}
    )


@dataclass(frozen=True)
class CurrencyLimits:
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    per_transaction: Decimal | None = None
    daily_amount: Decimal | None = None
    daily_count: int | None = None
    monthly_amount: Decimal | None = None
    card_failures_24h: int | None = None


@dataclass(frozen=True)
class Balance:
    balance: Decimal
    reserve: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class CardAccount:
    available_balance: Decimal = Decimal("10000.00")


@dataclass(frozen=True)
class CardType:
    card_type_id: str
    name: str
    brand: Literal["VISA", "MASTERCARD"]
    currency: str
    bin: str
    open_card_fee_rate: Decimal  # percent
    open_card_fee_fixed: Decimal
    min_recharge: Decimal


def _demo_card_types() -> tuple[CardType, ...]:
    return (
        CardType(
            "23",
            "Virtual Visa USD",
            "VISA",
            "USD",
            "400555",
            Decimal("0.03"),
            Decimal("10.99"),
            Decimal("20.00"),
        ),
        CardType(
            "24",
            "Virtual Mastercard USD",
            "MASTERCARD",
            "USD",
            "510510",
            Decimal("1.5"),
            Decimal("1.00"),
            Decimal("10.00"),
        ),
    )


@dataclass(frozen=True)
class TrustPayMerchant:
    merchant_id: int
    api_key: str = field(metadata={"check": check_not_empty})
    secret: str = field(metadata={"check": check_not_empty})
    signature_mode: Literal["strict", "lenient"] = "strict"
    risk_control_url: str | None = field(default=None, metadata={"check": check_url})
    callback_amount_format: Literal["fixed2", "trimmed"] = "fixed2"
    payin: dict[str, FeeSchedule] = field(
        default_factory=lambda: {
            "USD": FeeSchedule(5, Decimal("3.5"), Decimal("0.30"), Decimal("0.00")),
            # The Enums page lists INR as a v4 pay-in currency too.
            "INR": FeeSchedule(6, Decimal("3.5"), Decimal("0.00"), Decimal("0.00")),
        },
        metadata={"check": check_currency_keys},
    )
    payout: dict[str, FeeSchedule] = field(
        default_factory=lambda: {
            "INR": FeeSchedule(9, Decimal("1.5"), Decimal("0.00"), Decimal("0.00"))
        },
        metadata={"check": check_currency_keys},
    )
    refund_fee: RefundFee = field(default_factory=RefundFee)
    chargeback_fee: Decimal = Decimal("15.00")
    limits: Limits = field(default_factory=Limits)
    balances: dict[str, Balance] = field(
        default_factory=lambda: {
            "USD": Balance(Decimal("10000.00")),
            "INR": Balance(Decimal("1000000.00")),
        },
        metadata={"check": check_currency_keys},
    )
    card_account: CardAccount = field(default_factory=CardAccount)
    card_types: tuple[CardType, ...] = field(default_factory=_demo_card_types)


DEMO_MERCHANT: dict[str, Any] = {
    "merchant_id": 8820250900009,
    "api_key": "tp_test_0b1c2d3e4f5a6b7c",
    "secret": "tp_test_secret_9f8e7d6c",
}


def opening_balances(merchant: TrustPayMerchant) -> list[OpeningBalance]:
    balances = [
        OpeningBalance("main", currency, b.balance, b.reserve)
        for currency, b in merchant.balances.items()
    ]
    balances.append(OpeningBalance("card", "USD", merchant.card_account.available_balance))
    return balances


TRUSTPAY_MERCHANTS = MerchantKind(
    gateway="trustpay",
    model=TrustPayMerchant,
    id_key="merchant_id",
    demo=DEMO_MERCHANT,
    credential_keys=("merchant_id", "api_key", "secret"),
    opening_balances=opening_balances,
)
