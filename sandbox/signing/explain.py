"""Why a signature was refused: the exact string checked, what was expected, and which common
mistake (if any) reproduces the signature that was sent.

Only ever called on the refusal path, so it may try a dozen alternative strings: a request that
verifies never gets here. Pure functions, no I/O; the secret never appears in the output (it is
written `<secret>`).

Each hint is one mistake, tried on its own: the hint fires when signing the fields *with that
mistake* gives exactly the signature received (for RSA: when it verifies).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from sandbox.signing.values import JsonNumber, compact_json, parse_json, render_value

SECRET_MARK = "<secret>"

# Every hint code, in the order they are reported.
HINTS = (
    "uppercase_digest",
    "field_order",
    "empty_fields_included",
    "fields_left_out",
    "number_rendering",
    "url_encoded_values",
    "secret_position",
    "other_key",
    "sha1",
    "param_reserialised",
    "signature_encoding",
)


@dataclass(frozen=True)
class Hint:
    code: str  # one of HINTS
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Explanation:
    """What the sandbox checked a refused signature against."""

    scheme: str  # "trustpay-md5", "goldenpay-md5", "ezpay-rsa-sha256"
    signed_string: str  # the exact string signed or verified, the secret as `<secret>`
    expected: str | None  # the signature expected (None: cannot be known, e.g. RSA)
    received: str | None  # the signature sent (None: none was sent)
    hints: tuple[Hint, ...] = field(default=())
    note: str = ""  # e.g. why `expected` is unknown

    def to_json(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "signed_string": self.signed_string,
            "expected": self.expected,
            "received": self.received,
            "hints": [hint.to_json() for hint in self.hints],
            "note": self.note,
        }

    def summary(self) -> str:
        """One line: what was expected over which string, and the first hint."""
        expected = self.expected if self.expected is not None else "(unknown)"
        text = f"expected {expected} over {self.signed_string}"
        if self.hints:
            text += f"; hint: {self.hints[0].message}"
        return text

    def lines(self) -> list[str]:
        """The explanation as printed by `sandbox verify --explain`."""
        out = [
            f"scheme:    {self.scheme}",
            f"signed:    {self.signed_string}",
            f"expected:  {self.expected if self.expected is not None else '(unknown)'}",
            f"received:  {self.received if self.received is not None else '(none)'}",
        ]
        if self.note:
            out.append(f"note:      {self.note}")
        if self.hints:
            out.extend(f"hint:      {hint.message}" for hint in self.hints)
        else:
            out.append("hint:      no common mistake reproduces the signature received")
        return out


# -- the MD5 schemes (TrustPay, GoldenPay) -------------------------------------------------------

Pairs = list[tuple[str, str]]
Builder = Callable[[Pairs, str], str]


def _trustpay_text(pairs: Pairs, secret: str) -> str:
    return "&".join([*(f"{k}={v}" for k, v in pairs), "secret=" + secret])


def _goldenpay_text(pairs: Pairs, secret: str) -> str:
    return secret + "&" + "&".join(f"{k}={v}" for k, v in pairs)


def _trustpay_secret_first(pairs: Pairs, secret: str) -> str:
    return "&".join(["secret=" + secret, *(f"{k}={v}" for k, v in pairs)])


def _goldenpay_secret_last(pairs: Pairs, secret: str) -> str:
    return "&".join([*(f"{k}={v}" for k, v in pairs), secret])


def explain_trustpay(
    fields: Mapping[str, Any], secret: str, other_keys: Iterable[tuple[str, str]] = ()
) -> Explanation:
    """`other_keys`: (who, secret) of every other key the sign might have been made with."""
    return _explain_md5(
        "trustpay-md5",
        fields,
        secret,
        other_keys,
        build=_trustpay_text,
        misplaced=_trustpay_secret_first,
        misplaced_words="the secret goes last, as `&secret=<secret>`",
        case_sensitive=True,
    )


def explain_goldenpay(
    fields: Mapping[str, Any], api_token: str, other_keys: Iterable[tuple[str, str]] = ()
) -> Explanation:
    return _explain_md5(
        "goldenpay-md5",
        fields,
        api_token,
        other_keys,
        build=_goldenpay_text,
        misplaced=_goldenpay_secret_last,
        misplaced_words="the api_token goes first, as `<secret>&k1=v1...`",
        case_sensitive=False,
    )


def _explain_md5(
    scheme: str,
    fields: Mapping[str, Any],
    secret: str,
    other_keys: Iterable[tuple[str, str]],
    *,
    build: Builder,
    misplaced: Builder,
    misplaced_words: str,
    case_sensitive: bool,
) -> Explanation:
    given_value = fields.get("sign")
    given = given_value if isinstance(given_value, str) and given_value else None
    signed = {key: value for key, value in fields.items() if key != "sign"}
    pairs = _pairs(signed, render_value, sort=True)
    expected = _md5(build(pairs, secret))
    shown = build(pairs, SECRET_MARK)
    if given is None:
        return Explanation(scheme, shown, expected, None, note="no sign field was sent")
    hints: list[Hint] = []

    def matches(text: str) -> bool:
        return _md5(text) == given.lower()

    if case_sensitive and given != expected and given.lower() == expected:
        hints.append(Hint("uppercase_digest", "the digest is uppercase hex; send it lowercase"))
    if list(signed) != sorted(signed) and matches(build(_pairs(signed, render_value), secret)):
        hints.append(
            Hint(
                "field_order",
                "the fields were signed in the order sent; sort them by key (byte order)",
            )
        )
    empties = [key for key, value in signed.items() if render_value(value) is None]
    if empties and matches(build(_pairs(signed, _render_with_empty, sort=True), secret)):
        hints.append(
            Hint(
                "empty_fields_included",
                "empty fields were signed (" + ", ".join(sorted(empties)) + "); leave out "
                "fields that are null or empty",
            )
        )
    left_out = _left_out_hint(signed, secret, build, matches)
    if left_out is not None:
        hints.append(left_out)
    numbers = _number_hint(signed, secret, build, matches)
    if numbers is not None:
        hints.append(numbers)
    if _has_url_special(signed) and matches(build(_pairs(signed, _render_url, sort=True), secret)):
        hints.append(
            Hint(
                "url_encoded_values",
                "values were URL-encoded before signing; sign the decoded values",
            )
        )
    if matches(misplaced(pairs, secret)):
        hints.append(Hint("secret_position", f"the key is in the wrong place: {misplaced_words}"))
    for who, other in other_keys:
        if other != secret and matches(build(pairs, other)):
            hints.append(Hint("other_key", f"the sign was made with {who}'s key"))
            break
    return Explanation(scheme, shown, expected, given, tuple(hints))


def _pairs(
    fields: Mapping[str, Any], render: Callable[[Any], str | None], sort: bool = False
) -> Pairs:
    kept = [(key, text) for key, value in fields.items() if (text := render(value)) is not None]
    if sort:
        kept.sort(key=lambda pair: pair[0])
    return kept


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def _render_with_empty(value: Any) -> str:
    return "" if value is None else (render_value(value) or "")


def _left_out_hint(
    signed: Mapping[str, Any], secret: str, build: Builder, matches: Callable[[str], bool]
) -> Hint | None:
    """Fields a client often drops although they are signed: 0, false and nested values."""
    dropped = [
        key
        for key, value in signed.items()
        if isinstance(value, bool | list | dict)
        or (isinstance(value, str) and value in ("0", "false"))
    ]
    if not dropped:
        return None
    kept = {key: value for key, value in signed.items() if key not in dropped}
    if not matches(build(_pairs(kept, render_value, sort=True), secret)):
        return None
    return Hint(
        "fields_left_out",
        "fields were left out of the signed string (" + ", ".join(sorted(dropped)) + "); sign "
        "every non-empty field, 0, false and nested values too",
    )


def _number_hint(
    signed: Mapping[str, Any], secret: str, build: Builder, matches: Callable[[str], bool]
) -> Hint | None:
    numeric = {key: value for key, value in signed.items() if _decimal(value) is not None}
    if not numeric:
        return None
    renderings = (
        ("with trailing zeros dropped (10 for 10.00)", _render_stripped),
        ("with two decimals (10.00 for 10)", _render_two_places),
    )
    # One field at a time: it is usually the amount, and ids are numbers too.
    for key, value in numeric.items():
        for words, render in renderings:
            changed = render(value)
            if changed == value:
                continue
            variant = {**signed, key: changed}
            if matches(build(_pairs(variant, render_value, sort=True), secret)):
                return Hint(
                    "number_rendering",
                    f"{key} was signed {words}: sign the exact text sent, "
                    f"{key}={render_value(value)}",
                )
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _render_stripped(value: Any) -> Any:
    number = _decimal(value)
    assert number is not None
    text = format(number.normalize(), "f")
    return JsonNumber(text) if isinstance(value, JsonNumber) else text


def _render_two_places(value: Any) -> Any:
    number = _decimal(value)
    assert number is not None
    try:
        text = format(number.quantize(Decimal("0.01")), "f")
    except InvalidOperation:  # too many digits for two places: not a money amount
        return value
    return JsonNumber(text) if isinstance(value, JsonNumber) else text


def _has_url_special(signed: Mapping[str, Any]) -> bool:
    return any(
        isinstance(value, str) and quote(value, safe="") != value for value in signed.values()
    )


def _render_url(value: Any) -> str | None:
    text = render_value(value)
    return None if text is None else quote(text, safe="")


# -- EzPay (RSA over the exact param string) -----------------------------------------------------


def explain_rsa(
    param: str,
    sign: str,
    verify: Callable[[str, bytes, str], bool],
    *,
    expected: str | None,
    other_keys: Iterable[tuple[str, Callable[[str, bytes, str], bool]]] = (),
) -> Explanation:
    """`verify(text, signature, algorithm)` checks a decoded signature with the merchant's
    public key; `expected` is the signature the sandbox would accept when it holds the private
    key (the demo merchant), else None. `other_keys`: (who, verify) of other known keys."""
    import base64
    import binascii

    note = "" if expected is not None else "the sandbox holds only your public key"
    hints: list[Hint] = []
    cleaned = sign.translate(str.maketrans("", "", "\r\n "))
    try:
        signature: bytes | None = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        signature = None
    alternative = _other_encoding(cleaned)
    if alternative is not None and verify(param, alternative[1], "sha256"):
        hints.append(
            Hint(
                "signature_encoding",
                f"the signature is {alternative[0]}; send it in standard Base64 with padding",
            )
        )
    if signature is None:
        if alternative is None:
            hints.append(Hint("signature_encoding", "sign is not Base64 (standard, padded)"))
        return Explanation("ezpay-rsa-sha256", param, expected, sign, tuple(hints), note)
    if verify(param, signature, "sha1"):
        hints.append(Hint("sha1", "signed with SHA1withRSA; sign with SHA256withRSA"))
    for words, text in _reserialised(param):
        if verify(text, signature, "sha256"):
            hints.append(
                Hint(
                    "param_reserialised",
                    f"the signature is over {words}, not the exact param string sent; sign "
                    "the very string you send",
                )
            )
            break
    for who, other_verify in other_keys:
        if other_verify(param, signature, "sha256"):
            hints.append(Hint("other_key", f"the sign was made with {who}'s key"))
            break
    return Explanation("ezpay-rsa-sha256", param, expected, sign, tuple(hints), note)


def _other_encoding(text: str) -> tuple[str, bytes] | None:
    """A signature sent in hex or URL-safe Base64 (or unpadded), decoded."""
    import base64
    import binascii

    if len(text) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in text):
        return "hex", bytes.fromhex(text)
    if any(c in "-_" for c in text) or len(text) % 4:
        try:
            padded = text + "=" * (-len(text) % 4)
            return "URL-safe or unpadded Base64", base64.urlsafe_b64decode(padded.encode())
        except (binascii.Error, ValueError):
            return None
    return None


def _reserialised(param: str) -> list[tuple[str, str]]:
    try:
        value = json.loads(param)
        exact = parse_json(param)  # numbers kept as their text
    except (ValueError, RecursionError):
        return []
    variants = [
        ("the param re-serialised compactly", compact_json(exact)),
        ("the param with keys sorted", json.dumps(value, sort_keys=True, separators=(",", ":"))),
        ("the param with spaces after , and :", json.dumps(value, ensure_ascii=False)),
        ("the param with non-ASCII escaped", json.dumps(value, separators=(",", ":"))),
    ]
    return [(words, text) for words, text in variants if text != param]
