"""Text from JSON that the rest of the sandbox can store, sign and send.

JSON can escape a lone UTF-16 surrogate (`"\\ud800"`); Python decodes it into a `str` that
cannot be encoded as UTF-8, so it would fail much later (signing, storing, answering). Such a
document is refused at decoding, as malformed. Only escaped text can hold a surrogate (UTF-8
bytes cannot), so documents without a `\\u` escape are not walked at all.
"""

from __future__ import annotations

import re
from typing import Any

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
