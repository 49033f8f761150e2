"""Properties of the signing layer: order independence, skipped empties, tamper
detection, round-trips, and a JSON parser that fails only with ValueError."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.signing.demo_keys import (
    EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
    EZPAY_DEMO_MERCHANT_PUBLIC_KEY,
)
from sandbox.signing.md5 import (
    goldenpay_sign,
    goldenpay_verify,
    trustpay_sign,
    trustpay_verify,
)
from sandbox.signing.rsa import sign_param, verify_param
from sandbox.signing.values import (
    JsonNumber,
    compact_json,
    normalise_number_text,
    parse_json,
    render_value,
)

MD5 = settings(max_examples=200, deadline=None)
RSA = settings(max_examples=25, deadline=None)

Signer = Callable[[dict[str, Any], str], str]
Verifier = Callable[..., Any]
SCHEMES: list[tuple[Signer, Verifier]] = [
    (trustpay_sign, trustpay_verify),
    (goldenpay_sign, goldenpay_verify),
]
schemes = st.sampled_from(SCHEMES)
modes = st.sampled_from(["strict", "lenient"])


def _number_token(integer: int, fraction: str | None, exponent: str | None) -> str:
    return f"{integer}{'' if fraction is None else '.' + fraction}{exponent or ''}"


# JSON number tokens: 5, -0, 5.00, 1e2, 12.50E-3 ...
number_tokens = st.builds(
    _number_token,
    st.integers(min_value=-(10**9), max_value=10**9),
    st.none() | st.text(alphabet="0123456789", min_size=1, max_size=4),
    st.none()
    | st.sampled_from(["e", "E", "e+", "e-", "E-"]).flatmap(
        # At most 90: ten digits times 1e90 stays within the hundred zeros normalising allows.
        lambda mark: st.integers(min_value=0, max_value=90).map(lambda n: f"{mark}{n}")
    ),
)
scalars = st.one_of(
    st.text(max_size=12),
    number_tokens.map(JsonNumber),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.none(),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=5,
)
keys = st.text(min_size=1, max_size=8).filter(lambda key: key != "sign")
field_sets = st.dictionaries(keys, json_values, max_size=6)
secrets = st.text(min_size=1, max_size=16)


@MD5
@given(scheme=schemes, fields=field_sets, secret=secrets, data=st.data())
def test_field_order_never_changes_the_signature(
    scheme: tuple[Signer, Verifier], fields: dict[str, Any], secret: str, data: st.DataObject
) -> None:
    sign, _ = scheme
    shuffled = dict(data.draw(st.permutations(list(fields.items()))))
    assert sign(shuffled, secret) == sign(fields, secret)


@MD5
@given(
    scheme=schemes,
    fields=field_sets,
    secret=secrets,
    key=keys,
    empty=st.sampled_from(["", None]),
)
def test_empty_and_null_fields_are_skipped(
    scheme: tuple[Signer, Verifier], fields: dict[str, Any], secret: str, key: str, empty: Any
) -> None:
    sign, _ = scheme
    fields.pop(key, None)
    expected = sign(fields, secret)
    assert sign({**fields, key: empty}, secret) == expected
    assert sign({key: empty, **fields}, secret) == expected


@MD5
@given(scheme=schemes, fields=field_sets, secret=secrets, mode=modes)
def test_sign_then_verify_round_trips(
    scheme: tuple[Signer, Verifier], fields: dict[str, Any], secret: str, mode: str
) -> None:
    sign, verify = scheme
    fields["sign"] = sign(fields, secret)
    verdict = verify(fields, secret, mode)
    assert verdict.ok
    assert verdict.form == "raw"


@MD5
@given(
    scheme=schemes,
    fields=st.dictionaries(
        keys,
        st.text(min_size=1, max_size=12) | number_tokens.map(JsonNumber),
        min_size=1,
        max_size=8,
    ),
    secret=secrets,
    mode=modes,
    data=st.data(),
)
def test_any_one_character_change_to_a_signed_value_fails(
    scheme: tuple[Signer, Verifier],
    fields: dict[str, Any],
    secret: str,
    mode: str,
    data: st.DataObject,
) -> None:
    sign, verify = scheme
    fields["sign"] = sign(fields, secret)
    key = data.draw(st.sampled_from(sorted(k for k in fields if k != "sign")))
    value: str = fields[key]
    index = data.draw(st.integers(min_value=0, max_value=len(value) - 1))
    replacement = data.draw(st.characters().filter(lambda c: c != value[index]))
    changed = value[:index] + replacement + value[index + 1 :]
    fields[key] = type(value)(changed)
    assert not verify(fields, secret, mode).ok


@RSA
@given(param=st.text(max_size=200), mode=modes)
def test_rsa_sign_then_verify_round_trips(param: str, mode: str) -> None:
    sign = sign_param(EZPAY_DEMO_MERCHANT_PRIVATE_KEY, param)
    verdict = verify_param(EZPAY_DEMO_MERCHANT_PUBLIC_KEY, param, sign, mode)
    assert verdict.ok
    assert verdict.form == "sha256"


@RSA
@given(param=st.text(min_size=1, max_size=200), mode=modes, data=st.data())
def test_rsa_any_one_character_change_to_param_fails(
    param: str, mode: str, data: st.DataObject
) -> None:
    sign = sign_param(EZPAY_DEMO_MERCHANT_PRIVATE_KEY, param)
    index = data.draw(st.integers(min_value=0, max_value=len(param) - 1))
    replacement = data.draw(st.characters().filter(lambda c: c != param[index]))
    changed = param[:index] + replacement + param[index + 1 :]
    assert not verify_param(EZPAY_DEMO_MERCHANT_PUBLIC_KEY, changed, sign, mode).ok


JSONISH = st.text(alphabet='{}[]":,0123456789.eE-+ ntrufalsNIinfy\\u', max_size=40)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=60) | st.text(max_size=60) | JSONISH)
def test_parse_json_fails_only_with_value_error(data: bytes | str) -> None:
    with contextlib.suppress(ValueError):
        parse_json(data)


@settings(max_examples=50, deadline=None)
@given(depth=st.integers(min_value=1, max_value=5000), opener=st.sampled_from(["[", '{"a":']))
def test_deep_nesting_fails_only_with_value_error(depth: int, opener: str) -> None:
    try:
        value = parse_json(opener * depth)
    except ValueError:
        return
    render_value(value)


@MD5
@given(value=json_values)
def test_compact_json_round_trips_through_parse_json(value: Any) -> None:
    text = compact_json(value)
    parsed = parse_json(text)
    assert compact_json(parsed) == text
    # Same bytes as the standard library's compact output, where floats cannot creep in.
    if not _contains_number_token(value):
        assert text == json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@MD5
@given(token=number_tokens)
def test_normalised_numbers_keep_their_value(token: str) -> None:
    normalised = normalise_number_text(token)
    assert normalised is not None
    assert Decimal(normalised) == Decimal(token)
    assert normalise_number_text(normalised) == normalised
    assert "e" not in normalised.lower()
    assert not ("." in normalised and normalised.endswith("0"))


@MD5
@given(text=st.text(max_size=12))
def test_normalise_never_raises(text: str) -> None:
    normalised = normalise_number_text(text)
    if normalised is not None:
        assert Decimal(normalised) == Decimal(text)


def _contains_number_token(value: Any) -> bool:
    if isinstance(value, JsonNumber):
        return True
    if isinstance(value, list):
        return any(_contains_number_token(item) for item in value)
    if isinstance(value, dict):
        return any(_contains_number_token(item) for item in value.values())
    return False
