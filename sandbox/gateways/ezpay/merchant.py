"""EzPay merchant settings; defaults are the demo merchant's.

Money settings are in major units (`PHP 10.00`, `IDR 2500`), as balances are shown by the API.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sandbox.merchant_kinds import MerchantKind, OpeningBalance
from sandbox.schema import check_currency_keys, check_url, check_utc_offset
from sandbox.signing import demo_keys

Country = Literal["philippines", "indonesia", "malaysia", "thailand", "russia"]
COUNTRIES: tuple[Country, ...] = ("philippines", "indonesia", "malaysia", "thailand", "russia")


def check_app_id(value: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{32}", value):
        raise ValueError(f"{value!r} is not 32 lower-case hex characters")
    return value


def check_public_key(value: str) -> str:
    from sandbox.signing.rsa import load_public_key

    load_public_key(value)  # KeyMaterialError is a ValueError with a readable reason
    return value


def check_private_key(value: str) -> str:
    from sandbox.signing.rsa import load_private_key

    load_private_key(value)
    return value


def check_networks(value: tuple[str, ...]) -> tuple[str, ...]:
    for item in value:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR network") from None
    return value


@dataclass(frozen=True)
class PayoutFee:
    rate: Decimal  # percent of the amount
    fixed: Decimal  # major units


@dataclass(frozen=True)
class Fees:
    payment_rate: Decimal = Decimal("2.5")  # percent of the paid amount
    payout: dict[str, PayoutFee] = field(
        default_factory=lambda: {
            "PHP": PayoutFee(Decimal("1"), Decimal("10.00")),
            "IDR": PayoutFee(Decimal("1"), Decimal("2500")),
            "MYR": PayoutFee(Decimal("1"), Decimal("1.00")),
            "THB": PayoutFee(Decimal("1"), Decimal("10.00")),
        },
        metadata={"check": check_currency_keys},
    )


@dataclass(frozen=True)
class Limits:
    max_amount: dict[str, Decimal] = field(
        default_factory=lambda: {
            "PHP": Decimal("500000.00"),
            "IDR": Decimal("500000000"),
            "MYR": Decimal("50000.00"),
            "THB": Decimal("500000.00"),
            "RUB": Decimal("1000000.00"),
        },
        metadata={"check": check_currency_keys},
    )
    daily_volume: dict[str, Decimal] = field(
        default_factory=dict, metadata={"check": check_currency_keys}
    )
    daily_count: int | None = None


@dataclass(frozen=True)
class EzPayMerchant:
    app_id: str = field(metadata={"check": check_app_id})
    merchant_public_key: str = field(metadata={"check": check_public_key})
    platform_private_key: str = field(
        default=demo_keys.EZPAY_DEMO_PLATFORM_PRIVATE_KEY, metadata={"check": check_private_key}
    )
    platform_public_key: str = field(
        default=demo_keys.EZPAY_DEMO_PLATFORM_PUBLIC_KEY, metadata={"check": check_public_key}
    )
    enabled: bool = True
    countries: tuple[Country, ...] = COUNTRIES
    disabled_channels: tuple[str, ...] = ()
    allowed_ips: tuple[str, ...] = field(default=(), metadata={"check": check_networks})
    signature_mode: Literal["strict", "lenient"] = "strict"
    timestamp_tolerance_s: int | None = 300
    strict_validation: bool = False
    not_found_code: Literal[21006, 21010] = 21006
    time_zone: str = field(default="+08:00", metadata={"check": check_utc_offset})
    payout_notify_url: str | None = field(default=None, metadata={"check": check_url})
    fees: Fees = field(default_factory=Fees)
    balances: dict[str, Decimal] = field(
        default_factory=lambda: {
            "PHP": Decimal("1000000.00"),
            "IDR": Decimal("10000000000"),
            "MYR": Decimal("100000.00"),
            "THB": Decimal("1000000.00"),
            "RUB": Decimal("1000000.00"),
            "USD": Decimal("100000.00"),
        },
        metadata={"check": check_currency_keys},
    )
    limits: Limits = field(default_factory=Limits)


DEMO_MERCHANT: dict[str, Any] = {
    "app_id": "8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c",
    "merchant_public_key": demo_keys.EZPAY_DEMO_MERCHANT_PUBLIC_KEY,
}


def opening_balances(merchant: EzPayMerchant) -> list[OpeningBalance]:
    return [OpeningBalance("main", cur, amount) for cur, amount in merchant.balances.items()]


EZPAY_MERCHANTS = MerchantKind(
    gateway="ezpay",
    model=EzPayMerchant,
    id_key="app_id",
    demo=DEMO_MERCHANT,
    credential_keys=("app_id", "merchant_public_key", "platform_public_key"),
    opening_balances=opening_balances,
)
