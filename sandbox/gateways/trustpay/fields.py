"""TrustPay's request fields: read and checked in the endpoint's table order.

Names are given in v4 snake_case; on v3 the camelCase name is read and named in messages. Every
failure raises `TrustPayError(880002, …)` with the documented message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.gateways.trustpay.codes import TrustPayError, bad_request
from sandbox.signing.values import JsonNumber

_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)
_ORDER_NO_BAD = re.compile(r"[\s\x00-\x1f\x7f]")
_CAMEL_EXCEPTIONS = {"card_cvv": "cardCVV"}


def camel_name(snake: str) -> str:
    """The v3 spelling of a v4 field name: `order_no` → `orderNo`."""
    if snake in _CAMEL_EXCEPTIONS:
        return _CAMEL_EXCEPTIONS[snake]
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass
class Fields:
    """Reads and checks request fields, in the order the endpoint asks for them."""

    body: dict[str, Any]
    camel: bool = False

    def name(self, snake: str) -> str:
        return camel_name(snake) if self.camel else snake

    def raw(self, snake: str) -> Any:
        return self.body.get(self.name(snake))

    def present(self, snake: str) -> bool:
        value = self.raw(snake)
        return value is not None and value != ""

    def _required(self, snake: str, required: bool) -> Any:
        value = self.raw(snake)
        if value is None or value == "":
            if required:
                raise bad_request(f"missing field: {self.name(snake)}")
            return None
        return value

    def invalid(self, snake: str, rule: str) -> TrustPayError:
        return bad_request(f"invalid field: {self.name(snake)} ({rule})")

    def string(
        self,
        snake: str,
        *,
        required: bool = True,
        max_length: int | None = None,
        min_length: int = 1,
        pattern: re.Pattern[str] | None = None,
        rule: str = "",
    ) -> str | None:
        value = self._required(snake, required)
        if value is None:
            return None
        if not isinstance(value, str) or isinstance(value, JsonNumber):
            raise self.invalid(snake, "string")
        if max_length is not None and not min_length <= len(value) <= max_length:
            raise self.invalid(snake, rule or f"{min_length}-{max_length} characters")
        if pattern is not None and pattern.fullmatch(value) is None:
            raise self.invalid(snake, rule or "format")
        return value

    def text(self, snake: str, **kwargs: Any) -> str:
        """A required string (typed as `str`)."""
        value = self.string(snake, required=True, **kwargs)
        assert value is not None
        return value

    def integer(
        self, snake: str, *, required: bool = True, low: int | None = None, high: int | None = None
    ) -> int | None:
        value = self._required(snake, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.invalid(snake, "integer")
        text = str(value)
        if not text.isdigit() or len(text) > 19 or not text.isascii():
            raise self.invalid(snake, "integer")
        number = int(text)
        if (low is not None and number < low) or (high is not None and number > high):
            raise self.invalid(snake, f"{low if low is not None else ''}-{high or ''}")
        return number

    def amount(self, snake: str, *, required: bool = True) -> Decimal | None:
        """A JSON number or numeric string with at most 2 decimals; value rules come later."""
        value = self._required(snake, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str):  # JsonNumber is a str
            raise self.invalid(snake, "amount")
        if len(value) > 20 or _AMOUNT.fullmatch(value) is None:
            raise self.invalid(snake, "amount with at most 2 decimals")
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
            raise self.invalid(snake, "amount") from None

    def order_no(self, snake: str, *, required: bool = True) -> str | None:
        value = self.string(snake, required=required, max_length=64, rule="1-64 characters")
        if value is not None and _ORDER_NO_BAD.search(value):
            raise self.invalid(snake, "no whitespace or control characters")
        return value

    def url(self, snake: str, *, required: bool = True) -> str | None:
        value = self.string(snake, required=required)
        if value is None:
            return None
        if len(value) > 512 or _URL.fullmatch(value) is None:
            raise self.invalid(snake, "absolute http or https URL, at most 512 characters")
        return value

    def currency(self, snake: str = "currency", *, required: bool = True) -> str | None:
        value = self.string(snake, required=required)
        if value is not None and not (
            len(value) == 3 and value.isascii() and value.isalpha() and value.isupper()
        ):
            raise self.invalid(snake, "3 uppercase letters")
        return value

    def choice(self, snake: str, allowed: tuple[str, ...], *, required: bool = True) -> str | None:
        value = self.string(snake, required=required)
        if value is not None and value not in allowed:
            raise self.invalid(snake, "one of " + ", ".join(allowed))
        return value

    def page(self) -> tuple[int, int]:
        """`page` (≥ 1, default 1) and `page_size` (1-100, default 20)."""
        page = self.integer("page", required=False, low=1) or 1
        size = self.integer("page_size", required=False, low=1, high=100) or 20
        return page, size
