"""Explaining a refused signature never fails, whatever the refused request holds (floats,
huge numbers, nested values, non-ASCII, lone surrogates), and never shows the secret."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.signing.demo_keys import EZPAY_DEMO_MERCHANT_PUBLIC_KEY
from sandbox.signing.explain import explain_goldenpay, explain_rsa, explain_trustpay
from sandbox.signing.rsa import signature_checker
from sandbox.signing.values import JsonNumber, parse_json

SECRET = "s3cret-value"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.text(max_size=8)
    | st.integers().map(lambda n: JsonNumber(str(n)))
    | st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: JsonNumber(str(d))),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(fields=st.dictionaries(st.text(min_size=1, max_size=6), json_values, max_size=6))
def test_md5_explanations_never_fail_nor_show_the_secret(fields: dict[str, object]) -> None:
    for explain in (explain_trustpay, explain_goldenpay):
        explanation = explain({**fields, "sign": "0" * 32}, SECRET, [("other", "x")])
        assert SECRET not in str(explanation.to_json())
        assert "<secret>" in explanation.signed_string


def test_huge_and_exponent_numbers() -> None:
    fields = {"amount": JsonNumber("1e999"), "fee": JsonNumber("12345678901234567890123456789.5")}
    explanation = explain_trustpay({**fields, "sign": "0" * 32}, SECRET)
    assert explanation.hints == ()


def test_rsa_explanation_of_a_param_with_floats() -> None:
    param = '{"amount": 10.5, "timestamp": 1700000000, "note": "caf\\u00e9"}'
    check = signature_checker(EZPAY_DEMO_MERCHANT_PUBLIC_KEY)
    explanation = explain_rsa(param, base64.b64encode(b"x" * 256).decode(), check, expected=None)
    assert explanation.signed_string == param
    assert explanation.hints == ()
    assert parse_json(param)["amount"] == "10.5"


def test_rsa_explanation_of_a_sign_that_is_not_base64() -> None:
    check = signature_checker(EZPAY_DEMO_MERCHANT_PUBLIC_KEY)
    explanation = explain_rsa("{}", "not base64!", check, expected=None)
    assert [hint.code for hint in explanation.hints] == ["signature_encoding"]
