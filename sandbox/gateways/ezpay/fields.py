"""EzPay's `param` fields: read in table order; the first failure raises 21002
naming the field."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.gateways.ezpay.codes import param_error
from sandbox.signing.values import JsonNumber

INT64_MAX = 9223372036854775807
_ID_CHARS = re.compile(r"[A-Za-z0-9_-]+")
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)
DIGITS = re.compile(r"[0-9]+")
_PHONE = re.compile(r"\+?[0-9]{5,20}")
_AMOUNT_FIELDS = ("amount", "refundAmount")


@dataclass
class Fields:
    """Reads `param` fields in table order; the first failure raises 21002 naming the field."""

    param: dict[str, Any]

    def present(self, name: str) -> bool:
        value = self.param.get(name)
        return value is not None and value != ""

    def _value(self, name: str, required: bool) -> Any:
        value = self.param.get(name)
        if value is None or value == "":
            if required:
                raise param_error(f"{name} is required")
            return None
        return value

    def string(
        self,
        name: str,
        *,
        required: bool = True,
        length: tuple[int, int] | None = None,
    ) -> str | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or isinstance(value, JsonNumber):
            raise param_error(f"{name} must be a string")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # a lone "\ud800" escape: no text can hold it
                raise param_error(f"{name} must be valid Unicode text") from None
        if length is not None and not length[0] <= len(value) <= length[1]:
            raise param_error(f"{name} length must be between {length[0]} and {length[1]}")
        return value

    def text(self, name: str, length: tuple[int, int] | None = None) -> str:
        value = self.string(name, required=True, length=length)
        assert value is not None
        return value

    def ident(
        self, name: str, length: tuple[int, int] = (1, 32), *, required: bool = True
    ) -> str | None:
        """`mchOrderId`-like ids: the length, then letters, digits, `_` and `-` only."""
        value = self.string(name, required=required, length=length)
        if value is not None and _ID_CHARS.fullmatch(value) is None:
            raise param_error(f"{name} may contain only letters, digits, '_' and '-'")
        return value

    def integer(self, name: str, *, required: bool = True) -> Decimal | None:
        """A JSON integer or a string of ASCII digits, at most 2^63-1 (minor units)."""
        value = self._value(name, required)
        if value is None:
            return None
        rule = (
            f"{name} must be an integer in minor units"
            if name in _AMOUNT_FIELDS
            else f"{name} must be an integer"
        )
        if not isinstance(value, str) or DIGITS.fullmatch(value) is None or len(value) > 19:
            raise param_error(rule)
        number = int(value)
        if number > INT64_MAX:
            raise param_error(rule)
        return Decimal(number)

    def url(self, name: str, *, required: bool = True, max_length: int = 256) -> str | None:
        value = self.string(name, required=required, length=(1, max_length))
        if value is not None and _URL.fullmatch(value) is None:
            raise param_error(f"{name} must be an absolute http(s) URL")
        return value

    def choice(self, name: str, allowed: tuple[str, ...], *, required: bool = True) -> str | None:
        value = self.string(name, required=required)
        if value is not None and value not in allowed:
            raise param_error(f"{name} must be one of {', '.join(allowed)}")
        return value

    def phone(
        self,
        name: str,
        *,
        required: bool = True,
        length: tuple[int, int] | None = None,
        strict: tuple[str, str] | None = None,
    ) -> str | None:
        """Default shape: 5-20 digits with an optional leading `+`; `strict` = (regex, shape)
        when the merchant enforces the documented country shape."""
        value = self.string(name, required=required, length=length)
        if value is None:
            return None
        if strict is not None:
            if re.fullmatch(strict[0], value) is None:
                raise param_error(f"{name} has invalid format ({strict[1]})")
        elif _PHONE.fullmatch(value) is None:
            raise param_error(f"{name} has invalid format (5-20 digits, optional leading +)")
        return value

    def ip(self, name: str, *, required: bool = True) -> str | None:
        value = self.string(name, required=required, length=(1, 64))
        if value is not None:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                raise param_error(f"{name} must be an IPv4 or IPv6 address") from None
        return value

    def require_when(self, name: str, other: str, value: str) -> None:
        if not self.present(name):
            raise param_error(f"{name} is required when {other} is {value}")
