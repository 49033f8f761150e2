"""Unguessable hosted-page links: a random key per order that its page then requires.

A hosted page pays an order without any credential (the payer's browser opens it), so where the
order's id is guessable — GoldenPay's cashier ids are a daily sequence — anyone who can reach the
sandbox could pay or fail other people's orders. With keyed links (`page_links`: `keyed`, or
`auto` on a server listening beyond loopback) the link handed out carries `?key=<random>`, and
the page answers 404 without it, exactly as for an unknown order. On loopback, `auto` keeps the
published link shape, which the gateway's documented examples sign.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request

from sandbox.security import is_loopback
from sandbox.settings import Settings

KEY_PARAM = "key"


def links_keyed(settings: Settings) -> bool:
    mode = settings.page_links
    return mode == "keyed" or (mode == "auto" and not is_loopback(settings.host))


def new_page_key(settings: Settings) -> str | None:
    """A fresh key for a new order's page, or None where links are plain."""
    return secrets.token_urlsafe(16) if links_keyed(settings) else None


def with_key(url: str, key: str | None) -> str:
    return url if key is None else f"{url}?{KEY_PARAM}={key}"


def key_accepted(request: Request, expected: str | None) -> bool:
    """True when the order has no key, or the request carries it."""
    if expected is None:
        return True
    return secrets.compare_digest(request.query_params.get(KEY_PARAM, ""), expected)
