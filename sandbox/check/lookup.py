"""Which gateway and merchant a check runs as (shared by the CLI and the admin endpoint)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sandbox.check.model import Conformance
from sandbox.merchants import MerchantBook

if TYPE_CHECKING:
    from sandbox.gateways.plug import GatewayPlug


def conformance_of(plugs: Sequence[GatewayPlug], gateway: str) -> Conformance:
    """The conformance part of the plug named `gateway`; ValueError naming the known gateways."""
    found = {plug.name: plug.conformance for plug in plugs if plug.conformance is not None}
    if gateway not in found:
        raise ValueError(f"unknown gateway {gateway!r} (known: {', '.join(found)})")
    return found[gateway]


def merchant_of(book: MerchantBook, gateway: str, merchant_id: str | None) -> tuple[Any, str]:
    """(merchant settings, merchant id): `merchant_id`, or the gateway's first merchant."""
    kind = book.kinds[gateway]
    if merchant_id is None:
        merchants = book.by_gateway.get(gateway, ())
        if not merchants:
            raise ValueError(f"no {gateway} merchant is configured")
        return merchants[0], kind.merchant_id(merchants[0])
    merchant = book.find(gateway, merchant_id)
    if merchant is None:
        known = ", ".join(kind.merchant_id(m) for m in book.by_gateway.get(gateway, ()))
        raise ValueError(f"unknown {gateway} merchant {merchant_id!r} (known: {known})")
    return merchant, str(merchant_id)


def url_problem(url: object, *, template: bool = False) -> str | None:
    """Why `url` cannot be a notify (or, with `template`, state) URL; None when it can."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return "must be an http(s) URL"
    if any(char.isspace() for char in url):
        return "must not contain spaces"
    try:
        parts = urlsplit(url.replace("{order_no}", "x"))
        parts.port  # noqa: B018 - raises ValueError when the port is out of range
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if not parts.hostname:
        return "must name a host"
    if template and "{order_no}" not in url:
        return "must contain {order_no}"
    return None
