"""What the shared layer knows about one gateway's merchants (`MerchantKind`) and their opening
balances. A gateway's plug carries its kind; `sandbox.merchants` builds the merchant book from the
kinds it is given."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class OpeningBalance:
    """A merchant's balance in one account and currency when the sandbox starts or resets."""

    account: str  # "main" for the gateway balance; gateways may add others ("card")
    currency: str
    available: Decimal
    reserve: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class MerchantKind:
    """What the shared layer needs to know about one gateway's merchants."""

    gateway: str
    model: type[Any]
    id_key: str  # the settings key that identifies a merchant (merchant_id, app_id, mch_id)
    demo: Mapping[str, Any]  # the demo merchant's settings as a config-file entry
    credential_keys: tuple[str, ...]  # shown first in GET /_sandbox/merchants (a test tool)
    opening_balances: Callable[[Any], list[OpeningBalance]]

    def merchant_id(self, merchant: Any) -> str:
        return str(getattr(merchant, self.id_key))

    def describe(self, merchant: Any) -> dict[str, Any]:
        """The listing of GET /_sandbox/merchants: credentials included, it is a test tool."""
        return {
            "gateway": self.gateway,
            "merchant": self.merchant_id(merchant),
            "credentials": {key: getattr(merchant, key) for key in self.credential_keys},
            "settings": _jsonable(dataclasses.asdict(merchant)),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
