"""GoldenPay's request fields: read and checked in the order the endpoint
asks for them; every failure raises `GoldenPayError` with the documented validation message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sandbox.gateways.goldenpay.codes import GoldenPayError, invalid, missing
from sandbox.gateways.goldenpay.common import (
    CHANNEL_CURRENCIES,
    COLLECT_MAX,
    CURRENCIES,
    amount_format_ok,
)
from sandbox.gateways.goldenpay.merchant import GoldenPayMerchant
from sandbox.signing.values import JsonNumber

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
# Longer amounts cannot be held exactly by the default decimal context; none fits a limit.
_MAX_AMOUNT_DIGITS = 24


def is_empty(value: Any) -> bool:
    return value is None or value == ""


@dataclass
class Amount:
    value: Decimal
    # None when too long to match scenario amount conditions exactly (never a valid order).
    facts_value: Decimal | None


@dataclass
class Fields:
    """Reads and checks one request's fields in the order the endpoint asks for them; every
    failure raises `GoldenPayError` with the documented validation message."""

    params: dict[str, Any]
    merchant: GoldenPayMerchant
    channel_seen: str | None = None  # for the placeholders of forced errors
    currency_seen: str | None = None

    def string(self, name: str, *, required: bool = True, numbers: bool = False) -> str | None:
        """A string field (`numbers`: a JSON number is accepted as its token text)."""
        value = self.params.get(name)
        if is_empty(value):
            if required:
                raise missing(name)
            return None
        if not isinstance(value, str) or (isinstance(value, JsonNumber) and not numbers):
            raise invalid(name, "must be a string")
        return str(value)

    def text(self, name: str, *, numbers: bool = False) -> str:
        value = self.string(name, numbers=numbers)
        assert value is not None
        return value

    def optional(self, *names: str) -> dict[str, Any]:
        """Optional string fields that are stored but not checked."""
        found: dict[str, Any] = {}
        for name in names:
            value = self.string(name, required=False)
            if value is not None:
                found[name] = value
        return found

    def trans_id(self) -> str:
        value = self.text("trans_id", numbers=True)
        if len(value) > 64:
            raise invalid("trans_id", "at most 64 characters")
        return value

    def channel(self, direction: str) -> str:
        value = self.text("channel")
        self.channel_seen = value
        enabled = getattr(self.merchant.channels, direction)
        if value not in enabled or value not in CHANNEL_CURRENCIES:
            raise GoldenPayError(f"Insufficient channel permission: {value}")
        return value

    def currency(self, channel: str | None = None) -> str:
        """Upper-case; forced to USDT for `usdt…` channels; checked against the channel."""
        value = self.text("currency")
        if channel is not None and channel.startswith("usdt"):
            self.currency_seen = "USDT"
            return "USDT"
        upper = value.upper()
        self.currency_seen = upper
        if upper not in CURRENCIES:
            raise GoldenPayError(f"Unsupported currency: {value}")
        if channel is not None and upper not in CHANNEL_CURRENCIES[channel]:
            raise invalid("currency", f"channel {channel} does not accept {upper}")
        return upper

    def amount(self, currency: str, *, collect: bool) -> Amount:
        value = self.text("amount", numbers=True)
        if not amount_format_ok(value, currency):
            if currency == "VND":
                raise invalid("amount", "must be digits only for VND")
            raise invalid("amount", "must be a positive decimal with at most 2 decimal places")
        amount = Decimal(value)
        if amount <= 0:
            raise invalid("amount", "must be greater than 0")
        if collect and amount > COLLECT_MAX:
            raise invalid("amount", "must not exceed 50000000000")
        exact = len(value.lstrip("0")) <= _MAX_AMOUNT_DIGITS
        return Amount(amount, amount if exact else None)

    def url(self, name: str, *, required: bool = True) -> str | None:
        value = self.string(name, required=required)
        if value is None:
            return None
        if not valid_url(value):
            raise invalid(name, "must be a valid http(s) URL")
        return value

    def account_no(self, currency: str) -> str:
        value = self.text("account_no")
        if len(value) > 34:
            raise invalid("account_no", "at most 34 characters")
        if currency == "VND" and (_ALNUM.fullmatch(value) is None or value.isalpha()):
            raise invalid("account_no", "must be alphanumeric and not letters only")
        return value

    def email(self, name: str) -> str | None:
        value = self.string(name, required=False)
        if value is not None and _EMAIL.fullmatch(value) is None:
            raise invalid(name, "must be a valid email address")
        return value


def valid_url(value: str) -> bool:
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)
