"""Which scenarios are active: globally, and per merchant; changeable at runtime, restorable.

Precedence for a request: the `X-Sandbox-Scenario` header, then the merchant's active
scenarios, then the global ones, then the gateway's `default` (added by the caller).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Selection:
    startup: tuple[str, ...] = ()
    active: tuple[str, ...] = ()
    merchants: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.active = self.startup

    def names_for(
        self, gateway: str, merchant: str, header: tuple[str, ...] | None = None
    ) -> tuple[str, ...]:
        if header:
            return header
        own = self.merchants.get((gateway, merchant))
        return own if own is not None else self.active

    def set_global(self, names: tuple[str, ...]) -> None:
        self.active = names

    def set_merchant(self, gateway: str, merchant: str, names: tuple[str, ...] | None) -> None:
        """Names for one merchant; None removes its own selection (it follows the global one)."""
        if names is None:
            self.merchants.pop((gateway, merchant), None)
        else:
            self.merchants[(gateway, merchant)] = names

    def restore(self, gateway: str | None = None, merchant: str | None = None) -> None:
        """Back to the start-up selection: everything, or one merchant's."""
        if gateway is not None and merchant is not None:
            self.merchants.pop((gateway, merchant), None)
            return
        self.active = self.startup
        self.merchants.clear()

    def to_json(self) -> dict[str, Any]:
        return {
            "global": list(self.active),
            "merchants": [
                {"gateway": g, "merchant": m, "names": list(names)}
                for (g, m), names in sorted(self.merchants.items())
            ],
        }


def selection_from_json(selection: Selection, data: dict[str, Any]) -> None:
    """Take over a selection `to_json` wrote (another replica's)."""
    selection.active = tuple(data["global"])
    selection.merchants = {
        (item["gateway"], item["merchant"]): tuple(item["names"]) for item in data["merchants"]
    }


def header_names(headers: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated scenario names from a header (empty when absent)."""
    value = headers.get(name, "")
    return tuple(part.strip() for part in value.split(",") if part.strip())
