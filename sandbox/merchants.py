"""Merchants of every gateway: the demo ones, the config file's, and how each is listed.

Each gateway declares its merchant settings in `gateways/<name>/merchant.py` as a dataclass plus a
`MerchantKind`; this module holds the shared parts (merging the config file over the demo
merchant, opening balances, the public listing).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.merchant_kinds import MerchantKind
from sandbox.schema import parse_dataclass
from sandbox.yamlsource import Path, YamlDocument


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


def _load_kinds() -> dict[str, MerchantKind]:
    from sandbox.gateways.ezpay.merchant import EZPAY_MERCHANTS
    from sandbox.gateways.goldenpay.merchant import GOLDENPAY_MERCHANTS
    from sandbox.gateways.trustpay.merchant import TRUSTPAY_MERCHANTS

    return {k.gateway: k for k in (TRUSTPAY_MERCHANTS, EZPAY_MERCHANTS, GOLDENPAY_MERCHANTS)}


MERCHANT_KINDS: dict[str, MerchantKind] = _load_kinds()
