"""DemoPay merchant settings; defaults are the demo merchant's values."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from demo_gateway.codes import GATEWAY
from sandbox.merchant_kinds import MerchantKind, OpeningBalance
from sandbox.schema import check_not_empty


@dataclass(frozen=True)
class DemoMerchant:
    merchant_id: str
    api_key: str = field(metadata={"check": check_not_empty})
    secret: str = field(metadata={"check": check_not_empty})
    balance: Decimal = Decimal("1000.00")
    currency: str = "EUR"


DEMO_MERCHANT: dict[str, Any] = {
    "merchant_id": "demo-1",
    "api_key": "demo_test_key_1234",
    "secret": "demo_test_secret_5678",
}


def opening_balances(merchant: DemoMerchant) -> list[OpeningBalance]:
    return [OpeningBalance("main", merchant.currency, merchant.balance)]


DEMO_MERCHANTS = MerchantKind(
    gateway=GATEWAY,
    model=DemoMerchant,
    id_key="merchant_id",
    demo=DEMO_MERCHANT,
    credential_keys=("merchant_id", "api_key", "secret"),
    opening_balances=opening_balances,
)
