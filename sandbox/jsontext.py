"""Text from JSON that the rest of the sandbox can store, sign and send.

`orjson_writer` makes a compact-JSON writer on orjson (a C serialiser) that writes byte for byte
what `signing.values.compact_json` writes: number tokens (`JsonNumber`) and Decimals bare and
exact, non-ASCII unescaped, control characters escaped alike, keys in insertion order. For what
it cannot write that way (other subclasses, nesting past orjson's limit, integers past 64 bits,
text orjson refuses, keys that are not strings) it answers None and the caller's serialiser
decides. One difference: the sandbox's own serialiser refuses floats, orjson writes them; no
JSON the sandbox parses holds one (numbers stay tokens).

JSON can escape a lone UTF-16 surrogate (`"\\ud800"`); Python decodes it into a `str` that
cannot be encoded as UTF-8, so it would fail much later (signing, storing, answering). Such a
document is refused at decoding, as malformed. Only escaped text can hold a surrogate (UTF-8
bytes cannot), so documents without a `\\u` escape are not walked at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def may_hold_surrogates(raw: bytes | str) -> bool:
    """Whether `raw` escapes a surrogate code point (paired or not): cheap, on the raw text."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    return _SURROGATE_ESCAPE.search(data) is not None


def has_lone_surrogate(value: Any) -> bool:
    """Whether any key or string inside a decoded JSON value holds a lone surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Subclasses (JsonNumber is a `str`), dataclasses and datetimes go to the `default` hook.
_ORJSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)


class _NotOurs(TypeError):
    """A value the orjson writer leaves to the caller's own serialiser."""


def orjson_writer(token: type[str]) -> Callable[[Any], str | None]:
    """A compact-JSON writer on orjson that writes `token` values (number tokens kept as text)
    and finite Decimals as bare numbers; it answers None for what it cannot write as the
    sandbox's serialiser does, and the caller writes that value itself."""

    def default(value: Any) -> Any:
        kind = type(value)
        if kind is token:
            return orjson.Fragment(str.__str__(value))
        if kind is Decimal and value.is_finite():
            return orjson.Fragment(str(value))
        raise _NotOurs

    dumps, fragment_options = orjson.dumps, _ORJSON_OPTIONS

    def write(value: Any) -> str | None:
        try:
            return dumps(value, default=default, option=fragment_options).decode()
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return None

    return write
