"""Answers written with orjson are byte for byte what the sandbox's own serialiser writes.

`compact_json` tries the orjson writer (sandbox/jsontext.py) first; these properties compare it
with `python_compact_json` on generated values (number tokens, Decimals, non-ASCII and control
characters, nesting) and on representative gateway answers, and check that what orjson cannot
write the same way falls back instead of changing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.jsontext import orjson_writer
from sandbox.signing.values import JsonNumber, compact_json, parse_json, python_compact_json

write = orjson_writer(JsonNumber)

tokens = st.from_regex(
    r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,12})?([eE][+-]?[0-9]{1,3})?", fullmatch=True
)
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None) | st.sampled_from(
    [Decimal("-0"), Decimal("1E+2"), Decimal("5.00"), Decimal("0.000001"), Decimal("1E-7")]
)
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["é", "日本語", "\x00\x1f\x7f", '"\\/', "\u2028\u2029", "😀", "\b\f\n\r\t"]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | texts
    | tokens.map(JsonNumber)
    | decimals
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(texts, inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(values)
def test_orjson_writes_the_same_bytes_or_leaves_the_value_alone(value: Any) -> None:
    expected = python_compact_json(value)
    written = write(value)
    assert written is None or written.encode() == expected.encode()
    assert compact_json(value) == expected


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(texts, scalars, max_size=6))
def test_flat_bodies_are_always_written_by_orjson(body: dict[str, Any]) -> None:
    # the shape of a gateway answer: every such body takes the fast path, none falls back
    if all(not isinstance(v, int) or -(2**63) <= v < 2**64 for v in body.values()):
        assert write(body) == python_compact_json(body)


ANSWERS = [
    {
        "code": 880001,
        "msg": "Success",
        "data": {
            "merchant_id": JsonNumber("8820250900009"),
            "order_no": "BENCH-1765-123",
            "order_amount": JsonNumber("5.00"),
            "paid_amount": Decimal("4.90"),
            "currency": "USD",
            "cashier_url": "http://127.0.0.1:8080/pay/trustpay/TP2026120700000012",
            "remark": "Zahlung für José — 日本",
        },
        "sign": "0123456789abcdef0123456789abcdef",
    },
    {"code": 10000, "message": "success", "data": {"amount": 500, "fee": JsonNumber("12.5e1")}},
    {"code": 200, "data": {"amount": "100.00", "nonce": "n\u00e9\u0007", "list": [1, None, False]}},
    parse_json('{"a":1e999,"b":-0.0,"c":[{"d":"\\u00e9\\n"}],"e":12345678901234567890123}'),
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_representative_answers_are_written_by_orjson_with_the_same_bytes(answer: Any) -> None:
    written = write(answer)
    assert written is not None
    assert written.encode() == python_compact_json(answer).encode()


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "value",
    [
        nested(300),  # past orjson's nesting limit
        {"big": 2**70},
        {"kind": type("Text", (str,), {})("x")},  # a str subclass other than JsonNumber
    ],
)
def test_what_orjson_cannot_write_alike_falls_back(value: Any) -> None:
    assert write(value) is None
    assert compact_json(value) == python_compact_json(value)


def test_refusals_stay_those_of_the_sandbox_serialiser() -> None:
    with pytest.raises(TypeError, match="keys must be strings"):
        compact_json({1: "a"})
    with pytest.raises(ValueError, match="non-finite"):
        compact_json({"a": Decimal("NaN")})
    with pytest.raises(TypeError):
        compact_json({"a": object()})
