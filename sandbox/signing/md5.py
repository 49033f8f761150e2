"""TrustPay and GoldenPay: MD5 over the sorted `key=value` pairs of a message.

TrustPay: `k1=v1&k2=v2&secret=<secret>`, lowercase hex.
GoldenPay: `<api_token>&k1=v1&k2=v2`, lowercase hex, verified
case-insensitively.

In both, `sign` and empty values (null, "", absent) are left out, keys sort in byte order and
values are rendered by `values.render_value`. Worked examples: docs/gateways/trustpay.md and
docs/gateways/goldenpay.md (Signing, worked).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any
from urllib.parse import unquote_plus

from sandbox.signing.values import (
    DuplicateKeyError,
    JsonNumber,
    render_normalised,
    render_value,
)
from sandbox.signing.verdict import REJECTED, Verdict

MODES = ("strict", "lenient")

_by_key = itemgetter(0)


def trustpay_string_to_sign(
    fields: Mapping[str, Any], secret: str, *, normalised: bool = False
) -> str:
    """`k1=v1&k2=v2&secret=<secret>`; just `secret=<secret>` when no field is signed."""
    return "&".join([*_pairs(fields, normalised), "secret=" + secret])


def trustpay_sign(fields: Mapping[str, Any], secret: str) -> str:
    return _md5(trustpay_string_to_sign(fields, secret))


def goldenpay_string_to_sign(
    fields: Mapping[str, Any], api_token: str, *, normalised: bool = False
) -> str:
    """`<api_token>&k1=v1&k2=v2`."""
    return api_token + "&" + "&".join(_pairs(fields, normalised))


def goldenpay_sign(fields: Mapping[str, Any], api_token: str) -> str:
    return _md5(goldenpay_string_to_sign(fields, api_token))


def trustpay_verify(fields: Mapping[str, Any], secret: str, mode: str = "strict") -> Verdict:
    """Check `fields["sign"]`.

    strict: the lowercase digest of the string as received. lenient also accepts the uppercase
    digest ("uppercase") and the digest with every number normalised ("normalised", either
    case).
    """
    lenient = _is_lenient(mode)
    given = _given_sign(fields)
    if given is None:
        return REJECTED
    raw = trustpay_sign(fields, secret)
    if _equal(given, raw):
        return Verdict(ok=True, form="raw")
    if not lenient:
        return REJECTED
    if _equal(given, raw.upper()):
        return Verdict(ok=True, form="uppercase")
    normalised_text = trustpay_string_to_sign(fields, secret, normalised=True)
    if _equal(given.lower(), _md5(normalised_text)):
        return Verdict(ok=True, form="normalised")
    return REJECTED


def goldenpay_verify(fields: Mapping[str, Any], api_token: str, mode: str = "strict") -> Verdict:
    """Check `fields["sign"]`, case-insensitively in both modes.

    lenient also accepts the digest with every decimal value normalised ("normalised").
    """
    lenient = _is_lenient(mode)
    given = _given_sign(fields)
    if given is None:
        return REJECTED
    given = given.lower()
    if _equal(given, goldenpay_sign(fields, api_token)):
        return Verdict(ok=True, form="raw")
    if lenient:
        normalised_text = goldenpay_string_to_sign(fields, api_token, normalised=True)
        if _equal(given, _md5(normalised_text)):
            return Verdict(ok=True, form="normalised")
    return REJECTED


def parse_query(query: bytes | str) -> dict[str, str]:
    """The parameters of a GET query string, in the order given.

    Names and values are URL-decoded (`%XX` as UTF-8, `+` as space); an empty value is kept as
    "" (and so skipped when signing). A parameter given twice raises DuplicateKeyError.
    """
    text = query.decode("utf-8", "replace") if isinstance(query, bytes) else query
    params: dict[str, str] = {}
    for part in text.split("&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition("=")
        name = unquote_plus(raw_name, errors="replace")
        if name in params:
            raise DuplicateKeyError(name)
        params[name] = unquote_plus(raw_value, errors="replace")
    return params


def _pairs(fields: Mapping[str, Any], normalised: bool) -> list[str]:
    render: Callable[[Any], str | None] = render_normalised if normalised else render_value
    kept: list[tuple[str, str]] = []
    for key, value in fields.items():
        if key == "sign":
            continue
        text = render(value)
        if text is not None:
            kept.append((key, text))
    kept.sort(key=_by_key)
    return [key + "=" + text for key, text in kept]


def _md5(text: str) -> str:
    return hashlib.md5(_utf8(text), usedforsecurity=False).hexdigest()


def _utf8(text: str) -> bytes:
    # surrogatepass: a lone surrogate from a JSON "\ud800" escape must not crash signing.
    return text.encode("utf-8", "surrogatepass")


def _given_sign(fields: Mapping[str, Any]) -> str | None:
    sign = fields.get("sign")
    if not isinstance(sign, str) or isinstance(sign, JsonNumber) or not sign:
        return None
    return sign


def _equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(_utf8(given), _utf8(expected))


def _is_lenient(mode: str) -> bool:
    if mode not in MODES:
        raise ValueError(f"unknown signature mode {mode!r}; expected 'strict' or 'lenient'")
    return mode == "lenient"
