"""How JSON values become text for the MD5 signature schemes.

A value is signed as the text of its JSON token as received: numbers keep their exact token
(`5.00` stays `5.00`), so bodies are parsed with `parse_json`, which keeps every number as a
`JsonNumber` (a `str` holding the token) instead of converting it to int or float.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sandbox.jsontext import has_lone_surrogate, may_hold_surrogates, orjson_writer


class JsonNumber(str):
    """A JSON number token kept as its exact text: `5.00` stays "5.00", `1e2` stays "1e2".

    It is a `str`, so it compares equal to a string with the same text; use
    `isinstance(value, JsonNumber)` to tell a number from a string.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"JsonNumber({str.__repr__(self)})"

    def as_decimal(self) -> Decimal:
        """The exact value (never a float)."""
        return Decimal(self)


class DuplicateKeyError(ValueError):
    """A JSON object or a query string gave the same key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate key: {key}")
        self.key = key


def _build_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON value: {name}")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_build_object,
    parse_float=JsonNumber,
    parse_int=JsonNumber,
    parse_constant=_reject_constant,
)


def parse_json(data: bytes | str) -> Any:
    """Parse a JSON document, keeping number tokens as `JsonNumber`.

    Raises ValueError (json.JSONDecodeError, DuplicateKeyError for a key given twice in any
    object, UnicodeDecodeError for bytes that are not UTF-8, nesting too deep) and nothing else.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def parse_request_json(data: bytes | str) -> Any:
    """`parse_json` for a request body: also refuses text that is not valid Unicode (a lone
    surrogate escape such as `"\\ud800"`), which could be neither stored nor answered."""
    value = parse_json(data)
    if may_hold_surrogates(data) and has_lone_surrogate(value):
        raise ValueError("JSON text holds a lone surrogate (not valid Unicode)")
    return value


def render_value(value: Any) -> str | None:
    """The text a value is signed as, or None when the field is skipped (null, "")."""
    if isinstance(value, str):
        return value or None
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, list | tuple | dict):
        return compact_json(value)
    raise TypeError(f"cannot sign a value of type {type(value).__name__}")


def render_normalised(value: Any) -> str | None:
    """Like `render_value`, with every number and numeric string in normalised form.

    Inside arrays and objects only number tokens are normalised; strings there stay strings.
    """
    if isinstance(value, str):
        if not value:
            return None
        return normalise_number_text(value) or value
    if isinstance(value, Decimal):
        text = _decimal_text(value)
        return normalise_number_text(text) or text
    if isinstance(value, list | tuple | dict):
        return compact_json(value, normalise=True)
    return render_value(value)


class _Token(str):
    """Output text already rendered, queued on the serialiser's stack."""

    __slots__ = ()


def compact_json(value: Any, *, normalise: bool = False) -> str:
    """Compact JSON (`,` and `:`, no spaces, non-ASCII unescaped, keys in insertion order).

    `JsonNumber` and `Decimal` values are written as bare number tokens, exactly as held (or
    normalised when `normalise` is true), so a parsed body re-serialises to the same tokens.
    """
    if not normalise:
        text = _orjson_compact(value)
        if text is not None:
            return text
    return python_compact_json(value, normalise=normalise)


def python_compact_json(value: Any, *, normalise: bool = False) -> str:
    """`compact_json` written by this module alone (what the orjson writer must match)."""
    if not normalise:
        try:
            return _compact(value, 0)
        except _Deep:
            pass
    encode = _encode_string
    parts: list[str] = []
    # Iterative, so nesting depth is bounded by memory rather than the recursion limit.
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if type(item) is _Token:
            parts.append(item)
        elif isinstance(item, JsonNumber):
            parts.append((normalise_number_text(item) or item) if normalise else item)
        elif isinstance(item, str):
            parts.append(encode(item))
        elif item is None:
            parts.append("null")
        elif item is True:
            parts.append("true")
        elif item is False:
            parts.append("false")
        elif isinstance(item, int):
            parts.append(str(item))
        elif isinstance(item, Decimal):
            text = _decimal_text(item)
            parts.append((normalise_number_text(text) or text) if normalise else text)
        elif isinstance(item, dict):
            parts.append("{")
            stack.append(_Token("}"))
            entries = list(item.items())
            for index in range(len(entries) - 1, -1, -1):
                key, member = entries[index]
                if not isinstance(key, str):
                    raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
                stack.append(member)
                stack.append(_Token(("," if index else "") + encode(key) + ":"))
        elif isinstance(item, list | tuple):
            parts.append("[")
            stack.append(_Token("]"))
            for index in range(len(item) - 1, -1, -1):
                stack.append(item[index])
                if index:
                    stack.append(_Token(","))
        else:
            raise TypeError(f"cannot serialise a value of type {type(item).__name__}")
    return "".join(parts)


_orjson_compact = orjson_writer(JsonNumber)


class _Deep(Exception):
    """Nested deeper than the recursive fast path goes: use the iterative serialiser."""


_FAST_DEPTH = 32


def _compact(value: Any, depth: int) -> str:
    """`compact_json` for the common case, recursively (faster than the explicit stack)."""
    kind = type(value)
    if kind is str:
        return _encode_string(value)
    if kind is JsonNumber:
        return str.__str__(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return str(value)
    if kind is Decimal:
        return _decimal_text(value)
    if depth >= _FAST_DEPTH:
        raise _Deep
    if kind is dict:
        items = []
        for key, member in value.items():
            if type(key) is not str:
                raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
            items.append(_encode_string(key) + ":" + _compact(member, depth + 1))
        return "{" + ",".join(items) + "}"
    if kind is list or kind is tuple:
        return "[" + ",".join([_compact(member, depth + 1) for member in value]) + "]"
    raise _Deep  # anything else (subclasses...): the general serialiser decides


# The C encoder behind `json.dumps(text, ensure_ascii=False)`, without its per-call set-up.
_encode_string: Callable[[str], str] = json.encoder.encode_basestring


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"cannot sign a non-finite number: {value}")
    return str(value)


# JSON number grammar, plus a bare trailing dot (`100.`). A leading zero before more digits is
# refused, so identifiers such as "09171234567" are never mistaken for numbers.
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_MAX_PADDING = 100  # zeros an exponent may expand to; larger ones are left as they are


def normalise_number_text(text: str) -> str | None:
    """The normalised form of a numeric text: no trailing fractional zeros, no exponent.

    `5.00` -> `5`, `1000.00` -> `1000`, `5.50` -> `5.5`, `1e2` -> `100`, `100.` -> `100`,
    `-0.0` -> `0`. None when the text is not a number, or when its exponent would expand it by
    more than a hundred zeros.
    """
    if _NUMBER.fullmatch(text) is None:
        return None
    try:
        negative, digit_tuple, exponent = Decimal(text).as_tuple()
    except ArithmeticError:  # an exponent beyond what Decimal can hold
        return None
    assert isinstance(exponent, int)  # the grammar admits finite numbers only
    digits = "".join(map(str, digit_tuple))
    trimmed = digits.rstrip("0")
    if not trimmed:
        return "0"
    exponent += len(digits) - len(trimmed)
    if exponent >= 0:
        if exponent > _MAX_PADDING:
            return None
        body = trimmed + "0" * exponent
    else:
        point = len(trimmed) + exponent
        if point > 0:
            body = trimmed[:point] + "." + trimmed[point:]
        elif -point > _MAX_PADDING:
            return None
        else:
            body = "0." + "0" * -point + trimmed
    return "-" + body if negative else body
