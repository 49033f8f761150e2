"""Masking what must not be shown back: card numbers (first 6, last 4), CVVs and credentials.

Used for stored card numbers and for the request journal's copies of request and response
bodies and headers. Works on the text, so an EzPay `param` (JSON inside a JSON string, its
quotes escaped) is masked too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

_PAN_KEYS = "card_number|cardNumber|card_no|cardNo|pan"
_HIDDEN_KEYS = "cvv|cvv2|card_cvv|cardCVV|cardCvv|secret|api_token|apiToken|password"
_FIELD = r'(\\?"(?:{keys})\\?"\s*:\s*\\?")([^"\\]*)'
_PAN_FIELD = re.compile(_FIELD.format(keys=_PAN_KEYS))
_HIDDEN_FIELD = re.compile(_FIELD.format(keys=_HIDDEN_KEYS))
_QUERY_FIELD = re.compile(rf"(^|&)((?:{_PAN_KEYS}|{_HIDDEN_KEYS})=)([^&]*)")
# A cheap first look: text without any of these needs no masking (the usual case).
_MAYBE_SENSITIVE = re.compile(r"card|cvv|CVV|Cvv|secret|oken|password|pan")
_HIDDEN_HEADERS = frozenset({"x-api-key", "authorization", "cookie", "x-csrf-token"})


def mask_pan(pan: str) -> str:
    if len(pan) <= 10:
        return "*" * len(pan)
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def mask_text(text: str) -> str:
    """A JSON (or JSON-in-JSON) body with card numbers masked and CVVs and secrets hidden."""
    if _MAYBE_SENSITIVE.search(text) is None:
        return text
    if "=" in text:  # a query string, or a signed `k=v&...` string
        text = _QUERY_FIELD.sub(_mask_query, text)
    if '"' not in text:
        return text
    text = _PAN_FIELD.sub(lambda m: m.group(1) + mask_pan(m.group(2)), text)
    return _HIDDEN_FIELD.sub(lambda m: m.group(1) + MASK, text)


def mask_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers by lower-case name, credentials replaced by `***`."""
    return {
        name: (MASK if name in _HIDDEN_HEADERS else value)
        for name, value in ((n.lower(), v) for n, v in headers)
    }


def _mask_query(match: re.Match[str]) -> str:
    name = match.group(2)
    value = match.group(3)
    if value == "<secret>":  # already hidden (an explained signed string)
        return match.group(0)
    hidden = mask_pan(value) if name[:-1] in _PAN_KEYS.split("|") else MASK
    return match.group(1) + name + hidden
