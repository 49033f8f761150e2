"""Merchants of every gateway: the demo ones, the config file's, and how each is listed.

Each gateway declares its merchant settings in `gateways/<name>/merchant.py` as a dataclass plus a
`MerchantKind`; this module holds the shared parts (merging the config file over the demo
merchant, opening balances, the public listing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.schema import parse_dataclass
from sandbox.yamlsource import Path, YamlDocument


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


@dataclass(frozen=True)
class MerchantBook:
    """Every merchant the sandbox serves, per gateway, in config order (the demo one first)."""

    by_gateway: Mapping[str, tuple[Any, ...]]

    def find(self, gateway: str, merchant_id: str) -> Any | None:
        kind = MERCHANT_KINDS[gateway]
        for merchant in self.by_gateway.get(gateway, ()):
            if kind.merchant_id(merchant) == str(merchant_id):
                return merchant
        return None

    def all(self) -> Iterator[tuple[MerchantKind, Any]]:
        for gateway, merchants in self.by_gateway.items():
            for merchant in merchants:
                yield MERCHANT_KINDS[gateway], merchant


def build_merchant_book(
    raw: Any, doc: YamlDocument | None, path: Path, replace_demo: bool
) -> MerchantBook:
    """Merchants from the config file's `merchants:` section (None = none), over the demo ones.

    An entry with the demo merchant's id changes the demo merchant's settings; any other entry adds
    a merchant. `replace_demo` drops the demo merchants.
    """
    doc = doc or YamlDocument(file="<defaults>", data=None)
    sections: Mapping[str, Any] = {}
    if raw is not None:
        if not isinstance(raw, Mapping):
            raise doc.error(path, "must be a mapping of gateway name to a list of merchants")
        for gateway in raw:
            if gateway not in MERCHANT_KINDS:
                known = ", ".join(MERCHANT_KINDS)
                raise doc.error((*path, str(gateway)), f"unknown gateway (known: {known})")
        sections = raw
    book: dict[str, tuple[Any, ...]] = {}
    for gateway, kind in MERCHANT_KINDS.items():
        entries = sections.get(gateway) or []
        section_path = (*path, gateway)
        if not isinstance(entries, list):
            raise doc.error(section_path, "must be a list of merchant entries")
        demo_id = str(kind.demo[kind.id_key])
        merchants: list[Any] = []
        seen: set[str] = set()
        demo_overridden = False
        for index, entry in enumerate(entries):
            entry_path = (*section_path, index)
            if isinstance(entry, Mapping) and str(entry.get(kind.id_key)) == demo_id:
                demo_overridden = True
                entry = {**kind.demo, **entry}
            merchant = parse_dataclass(kind.model, entry, doc, entry_path)
            merchant_id = kind.merchant_id(merchant)
            if merchant_id in seen:
                raise doc.error((*entry_path, kind.id_key), f"duplicate merchant {merchant_id}")
            seen.add(merchant_id)
            merchants.append(merchant)
        if not replace_demo and not demo_overridden:
            demo = parse_dataclass(
                kind.model, kind.demo, YamlDocument("<demo>", None), (), run_checks=False
            )
            merchants.insert(0, demo)
        book[gateway] = tuple(merchants)
    return MerchantBook(by_gateway=book)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _load_kinds() -> dict[str, MerchantKind]:
    from sandbox.gateways.ezpay.merchant import EZPAY_MERCHANTS
    from sandbox.gateways.goldenpay.merchant import GOLDENPAY_MERCHANTS
    from sandbox.gateways.trustpay.merchant import TRUSTPAY_MERCHANTS

    return {k.gateway: k for k in (TRUSTPAY_MERCHANTS, EZPAY_MERCHANTS, GOLDENPAY_MERCHANTS)}


MERCHANT_KINDS: dict[str, MerchantKind] = _load_kinds()
