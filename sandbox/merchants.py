"""Merchants of every gateway: the demo ones, the config file's, and how each is listed.

Each gateway declares its merchant settings in `gateways/<name>/merchant.py` as a dataclass plus a
`MerchantKind` its plug carries; this module holds the shared parts (merging the config file over
the demo merchant, opening balances, the public listing).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.merchant_kinds import MerchantKind
from sandbox.schema import parse_dataclass
from sandbox.yamlsource import Path, YamlDocument


@dataclass(frozen=True)
class MerchantBook:
    """Every merchant the sandbox serves, per gateway, in config order (the demo one first)."""

    by_gateway: Mapping[str, tuple[Any, ...]]
    kinds: Mapping[str, MerchantKind]

    def find(self, gateway: str, merchant_id: str) -> Any | None:
        kind = self.kinds.get(gateway)
        if kind is None:
            return None
        for merchant in self.by_gateway.get(gateway, ()):
            if kind.merchant_id(merchant) == str(merchant_id):
                return merchant
        return None

    def all(self) -> Iterator[tuple[MerchantKind, Any]]:
        for gateway, merchants in self.by_gateway.items():
            for merchant in merchants:
                yield self.kinds[gateway], merchant


@dataclass(frozen=True)
class MerchantConfig:
    """The config file's `merchants:` section as read, kept to build the book of the gateways a
    sandbox is handed (`build_merchant_book`). `gateways`: the names the section may use (those
    it was checked against; a sandbox serving fewer ignores the others' entries)."""

    raw: Any = None
    doc: YamlDocument | None = None
    replace_demo: bool = False
    gateways: frozenset[str] = frozenset()

    def book(self, kinds: Iterable[MerchantKind]) -> MerchantBook:
        by_name = {kind.gateway: kind for kind in kinds}
        return build_merchant_book(
            self.raw, self.doc, ("merchants",), self.replace_demo, by_name, self.gateways
        )


def build_merchant_book(
    raw: Any,
    doc: YamlDocument | None,
    path: Path,
    replace_demo: bool,
    kinds: Mapping[str, MerchantKind],
    ignored: Iterable[str] = (),
) -> MerchantBook:
    """Merchants from the config file's `merchants:` section (None = none), over the demo ones.

    An entry with the demo merchant's id changes the demo merchant's settings; any other entry adds
    a merchant. `replace_demo` drops the demo merchants. `kinds`: the merchant kinds of the
    gateways served; a section of another gateway is refused unless it is `ignored` (a gateway
    installed but not served).
    """
    doc = doc or YamlDocument(file="<defaults>", data=None)
    sections: Mapping[str, Any] = {}
    if raw is not None:
        if not isinstance(raw, Mapping):
            raise doc.error(path, "must be a mapping of gateway name to a list of merchants")
        allowed = {*kinds, *ignored}
        for gateway in raw:
            if gateway not in allowed:
                known = ", ".join(sorted(allowed)) or "none"
                raise doc.error((*path, str(gateway)), f"unknown gateway (known: {known})")
        sections = raw
    book: dict[str, tuple[Any, ...]] = {}
    for gateway, kind in kinds.items():
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
    return MerchantBook(by_gateway=book, kinds=kinds)


def select_kinds(kinds: Iterable[MerchantKind], names: Iterable[str]) -> list[MerchantKind]:
    """The kinds of the gateways `names` selects (no names: all of them)."""
    wanted = set(names)
    return [kind for kind in kinds if not wanted or kind.gateway in wanted]
