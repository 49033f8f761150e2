"""TrustPay MD5 signature: the published signing vectors and edge cases (docs/gateways/trustpay.md,
Signing, worked)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from sandbox.signing.md5 import trustpay_sign, trustpay_string_to_sign, trustpay_verify
from sandbox.signing.values import (
    DuplicateKeyError,
    JsonNumber,
    compact_json,
    normalise_number_text,
    parse_json,
    render_value,
)
from sandbox.signing.verdict import Verdict

SECRET = "tp_test_secret_9f8e7d6c"
NOTIFY = "https://merchant.example.com/trustpay/notify"

# (id, body as JSON text without "sign", string to sign, digest), as printed in
VECTORS = [
    (
        "V1",
        '{"merchant_id":8820250900009,"order_no":"ORD-20260312-0001","order_amount":5.00,'
        '"currency":"USD","notify_url":"https://merchant.example.com/trustpay/notify"}',
        "currency=USD&merchant_id=8820250900009&notify_url=https://merchant.example.com/trustpay/"
        "notify&order_amount=5.00&order_no=ORD-20260312-0001&secret=tp_test_secret_9f8e7d6c",
        "9f39fd79ea7e4bf47bb12e1dda5ebbeb",
    ),
    (
        "V2",
        '{"merchant_id":8820250900009,"order_no":"ORD-20260312-0002","order_amount":20,'
        '"currency":"USD","notify_url":"https://merchant.example.com/trustpay/notify",'
        '"card_number":"4111111111111111","card_expiry":"2028-09","card_cvv":"123",'
        '"card_holder_first_name":"Test","card_holder_last_name":"User","billing_country":"GB",'
        '"billing_city":"London","billing_postal_code":"SW1A 1AA","email":"","phone":null}',
        "billing_city=London&billing_country=GB&billing_postal_code=SW1A 1AA&card_cvv=123&"
        "card_expiry=2028-09&card_holder_first_name=Test&card_holder_last_name=User&"
        "card_number=4111111111111111&currency=USD&merchant_id=8820250900009&"
        "notify_url=https://merchant.example.com/trustpay/notify&order_amount=20&"
        "order_no=ORD-20260312-0002&secret=tp_test_secret_9f8e7d6c",
        "02e442efa007ea6b9977bb4ba7a035b6",
    ),
    (
        "V3",
        '{"currency_id":"USD"}',
        "currency_id=USD&secret=tp_test_secret_9f8e7d6c",
        "f8dcedeafcf22554088e4749617d70c1",
    ),
    (
        "V4",
        '{"order_no":"ORD-20260312-0002","merchant_refund_no":"RF-20260312-0001",'
        '"refund_amount":5.00,"reason":"customer request"}',
        "merchant_refund_no=RF-20260312-0001&order_no=ORD-20260312-0002&reason=customer request&"
        "refund_amount=5.00&secret=tp_test_secret_9f8e7d6c",
        "6e4af1052132c6335f3cedc5d11af9de",
    ),
    (
        "V5",
        '{"merchantId":8820250900009,"orderNo":"ORD-20260312-0004","orderAmount":20,'
        '"currency":"USD","cardNumber":"4242424242424242","cardExpiry":"2028-09","cardCVV":"123",'
        '"cardHolderName":"Test User","notifyUrl":"https://merchant.example.com/trustpay/notify"}',
        "cardCVV=123&cardExpiry=2028-09&cardHolderName=Test User&cardNumber=4242424242424242&"
        "currency=USD&merchantId=8820250900009&notifyUrl=https://merchant.example.com/trustpay/"
        "notify&orderAmount=20&orderNo=ORD-20260312-0004&secret=tp_test_secret_9f8e7d6c",
        "09a2f9919d8749b735148902b40a38fb",
    ),
    (
        "V6",
        '{"merchantId":8820250900009,"orderNo":"PO-20260312-0001","amount":"1000.00",'
        '"currency":"INR","notifyUrl":"https://merchant.example.com/trustpay/notify",'
        '"accountNo":"123456789012","accountName":"Ravi Kumar","ifsc":"HDFC0001234"}',
        "accountName=Ravi Kumar&accountNo=123456789012&amount=1000.00&currency=INR&"
        "ifsc=HDFC0001234&merchantId=8820250900009&notifyUrl=https://merchant.example.com/"
        "trustpay/notify&orderNo=PO-20260312-0001&secret=tp_test_secret_9f8e7d6c",
        "eb3438b15fcc5b97570a16c639c4626a",
    ),
    (
        "V7",
        '{"type":0,"merchant_id":8820250900009,"order_no":"ORD-20260312-0002",'
        '"order_amount":20.00,"paid_amount":20.00,"balance_amount":19.00,"fee":1.00,'
        '"pay_time":"2026-03-12 08:30:00","status":5,"reason":"success"}',
        "balance_amount=19.00&fee=1.00&merchant_id=8820250900009&order_amount=20.00&"
        "order_no=ORD-20260312-0002&paid_amount=20.00&pay_time=2026-03-12 08:30:00&"
        "reason=success&status=5&type=0&secret=tp_test_secret_9f8e7d6c",
        "1d4799fd3fcf014ca209cdc88e6536e6",
    ),
    (
        "V8",
        '{"type":0,"merchant_id":8820250900009,"order_no":"ORD-20260312-0003",'
        '"order_amount":20.00,"status":3,"reason":"card declined"}',
        "merchant_id=8820250900009&order_amount=20.00&order_no=ORD-20260312-0003&"
        "reason=card declined&status=3&type=0&secret=tp_test_secret_9f8e7d6c",
        "c7bfb8b10d85cf7c1cc05092d27574d5",
    ),
    (
        "V9",
        '{"type":0,"merchant_id":8820250900009,"order_no":"ORD-20260312-0002",'
        '"order_amount":20.00,"refund_amount":8.00,'
        '"merchant_refund_no":["RF-20260312-0001","RF-20260312-0002"],"status":8,'
        '"reason":"partially refunded"}',
        'merchant_id=8820250900009&merchant_refund_no=["RF-20260312-0001","RF-20260312-0002"]&'
        "order_amount=20.00&order_no=ORD-20260312-0002&reason=partially refunded&"
        "refund_amount=8.00&status=8&type=0&secret=tp_test_secret_9f8e7d6c",
        "3b33323180a7205644376a9280fd6752",
    ),
    (
        "V10",
        '{"type":1,"merchantId":8820250900009,"orderNo":"PO-20260312-0001",'
        '"orderAmount":1000.00,"paidAmount":1000.00,"balanceAmount":985.00,"fee":15.00,'
        '"payTime":"2026-03-12 08:30:05","status":2,"reason":"success"}',
        "balanceAmount=985.00&fee=15.00&merchantId=8820250900009&orderAmount=1000.00&"
        "orderNo=PO-20260312-0001&paidAmount=1000.00&payTime=2026-03-12 08:30:05&reason=success&"
        "status=2&type=1&secret=tp_test_secret_9f8e7d6c",
        "5d5113e400f2459aa0b0ccb4d2eb9219",
    ),
    (
        "V11",
        '{"order_no":"VC20260312a691486d","status":4,"card_id":1,"amount":30.00,"fee":11.00,'
        '"balance":19.00,"type":"OPEN_CARD","reason":""}',
        "amount=30.00&balance=19.00&card_id=1&fee=11.00&order_no=VC20260312a691486d&status=4&"
        "type=OPEN_CARD&secret=tp_test_secret_9f8e7d6c",
        "65fbe5c433d0cd423da85c94935312fe",
    ),
    (
        "V12",
        '{"cardholder_id":"7be4cbc7-00e9-4de1-a49e-ae8c6e1e2e90","cardholder_status":"APPROVED",'
        '"reason":""}',
        "cardholder_id=7be4cbc7-00e9-4de1-a49e-ae8c6e1e2e90&cardholder_status=APPROVED&"
        "secret=tp_test_secret_9f8e7d6c",
        "c48b14b49d1f561d50e2007006f86c69",
    ),
]

V1_BODY = VECTORS[0][1]
V1_DIGEST = "9f39fd79ea7e4bf47bb12e1dda5ebbeb"
V1_NORMALISED = (
    "currency=USD&merchant_id=8820250900009&notify_url=https://merchant.example.com/trustpay/"
    "notify&order_amount=5&order_no=ORD-20260312-0001&secret=tp_test_secret_9f8e7d6c"
)
V1_NORMALISED_DIGEST = "9c7ec0da95f40f943fd5d6288638a18a"


def with_sign(body_json: str, sign: str) -> str:
    """The body with `"sign":"…"` added as its last key, as the published bodies show it."""
    return body_json[:-1] + f',"sign":"{sign}"}}'


@pytest.mark.parametrize(
    ("body_json", "expected_text", "digest"), [v[1:] for v in VECTORS], ids=[v[0] for v in VECTORS]
)
def test_vector(body_json: str, expected_text: str, digest: str) -> None:
    # the published vector is self-consistent
    assert hashlib.md5(expected_text.encode()).hexdigest() == digest
    body = parse_json(with_sign(body_json, digest))

    assert trustpay_string_to_sign(body, SECRET) == expected_text
    assert trustpay_sign(body, SECRET) == digest
    assert trustpay_verify(body, SECRET) == Verdict(ok=True, form="raw")
    assert trustpay_verify(body, SECRET, "lenient") == Verdict(ok=True, form="raw")


@pytest.mark.parametrize(
    ("body_json", "expected_text", "digest"), [v[1:] for v in VECTORS], ids=[v[0] for v in VECTORS]
)
def test_vector_with_a_wrong_sign_is_rejected(
    body_json: str, expected_text: str, digest: str
) -> None:
    wrong = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    body = parse_json(with_sign(body_json, wrong))
    assert not trustpay_verify(body, SECRET).ok
    assert not trustpay_verify(body, SECRET, "lenient").ok


def test_v1_normalised_form_is_lenient_only() -> None:
    body = parse_json(with_sign(V1_BODY, V1_NORMALISED_DIGEST))
    assert trustpay_string_to_sign(body, SECRET, normalised=True) == V1_NORMALISED
    assert hashlib.md5(V1_NORMALISED.encode()).hexdigest() == V1_NORMALISED_DIGEST

    assert trustpay_verify(body, SECRET) == Verdict(ok=False, form=None)
    assert trustpay_verify(body, SECRET, "lenient") == Verdict(ok=True, form="normalised")


def test_v1_normalised_form_accepted_in_uppercase_too_when_lenient() -> None:
    body = parse_json(with_sign(V1_BODY, V1_NORMALISED_DIGEST.upper()))
    assert trustpay_verify(body, SECRET, "lenient") == Verdict(ok=True, form="normalised")


def test_uppercase_digest_is_lenient_only() -> None:
    body = parse_json(with_sign(V1_BODY, V1_DIGEST.upper()))
    assert not trustpay_verify(body, SECRET).ok
    assert trustpay_verify(body, SECRET, "lenient") == Verdict(ok=True, form="uppercase")


def test_numeric_string_is_normalised_in_lenient_mode() -> None:
    # V6 sends "1000.00" as a string; a merchant signing 1000 is accepted only when lenient.
    body = parse_json(VECTORS[5][1])
    normalised = trustpay_string_to_sign(body, SECRET, normalised=True)
    assert "&amount=1000&" in normalised
    body["sign"] = hashlib.md5(normalised.encode()).hexdigest()
    assert not trustpay_verify(body, SECRET).ok
    assert trustpay_verify(body, SECRET, "lenient") == Verdict(ok=True, form="normalised")


def test_identifiers_with_leading_zeros_are_not_normalised() -> None:
    body = parse_json('{"accountNo":"0071000123456","amount":"5.00","phone":"09171234567"}')
    assert trustpay_string_to_sign(body, SECRET, normalised=True) == (
        f"accountNo=0071000123456&amount=5&phone=09171234567&secret={SECRET}"
    )


@pytest.mark.parametrize("sign", [None, "", 12345, JsonNumber("12345"), ["x"], True])
def test_missing_empty_or_non_string_sign_is_rejected(sign: object) -> None:
    body = parse_json(V1_BODY)
    if sign is not None:
        body["sign"] = sign
    for mode in ("strict", "lenient"):
        assert trustpay_verify(body, SECRET, mode) == Verdict(ok=False, form=None)


def test_sign_held_as_a_json_number_is_rejected_even_when_its_text_matches() -> None:
    body = parse_json(V1_BODY)
    body["sign"] = JsonNumber(V1_DIGEST)
    assert not trustpay_verify(body, SECRET, "lenient").ok


def test_sign_with_whitespace_is_rejected() -> None:
    body = parse_json(with_sign(V1_BODY, V1_DIGEST + " "))
    assert not trustpay_verify(body, SECRET, "lenient").ok


def test_non_ascii_sign_is_rejected_not_an_error() -> None:
    body = parse_json(with_sign(V1_BODY, "é" * 32))
    assert not trustpay_verify(body, SECRET, "lenient").ok


def test_unknown_extra_fields_are_signed() -> None:
    body = parse_json(V1_BODY)
    body["zz_extra"] = "x"
    text = trustpay_string_to_sign(body, SECRET)
    assert text.endswith(f"&order_no=ORD-20260312-0001&zz_extra=x&secret={SECRET}")
    body["sign"] = V1_DIGEST
    assert not trustpay_verify(body, SECRET).ok


def test_field_named_secret_is_signed_in_its_place_and_secret_still_appended() -> None:
    body = parse_json('{"amount":5.00,"secret":"mine","zone":"A"}')
    assert (
        trustpay_string_to_sign(body, SECRET) == f"amount=5.00&secret=mine&zone=A&secret={SECRET}"
    )


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(DuplicateKeyError) as info:
        parse_json('{"order_no":"A","amount":5.00,"order_no":"B","sign":"x"}')
    assert info.value.key == "order_no"
    assert isinstance(info.value, ValueError)


def test_duplicate_keys_in_nested_objects_are_refused() -> None:
    with pytest.raises(DuplicateKeyError) as info:
        parse_json('{"a":[{"k":1,"k":2}]}')
    assert info.value.key == "k"


def test_zero_and_false_are_values() -> None:
    body = parse_json('{"type":0,"flag":false,"on":true,"n":null,"e":"","z":"0"}')
    assert trustpay_string_to_sign(body, SECRET) == f"flag=false&on=true&type=0&z=0&secret={SECRET}"


def test_no_field_to_sign_gives_secret_alone() -> None:
    body = parse_json('{"sign":"whatever"}')
    assert trustpay_string_to_sign(body, SECRET) == f"secret={SECRET}"
    body["sign"] = hashlib.md5(f"secret={SECRET}".encode()).hexdigest()
    assert trustpay_verify(body, SECRET).ok


def test_only_empty_fields_give_secret_alone() -> None:
    assert trustpay_string_to_sign({"a": "", "b": None}, SECRET) == f"secret={SECRET}"


def test_keys_sort_in_ascii_byte_order() -> None:
    text = trustpay_string_to_sign({"b": "1", "_u": "2", "B": "3", "a": "4"}, SECRET)
    assert text == f"B=3&_u=2&a=4&b=1&secret={SECRET}"


def test_values_are_not_url_encoded_and_unicode_is_utf8() -> None:
    body = parse_json('{"name":"Jos\\u00e9 & co","url":"http://x/y?a=1"}')
    text = trustpay_string_to_sign(body, SECRET)
    assert text == f"name=José & co&url=http://x/y?a=1&secret={SECRET}"
    assert trustpay_sign(body, SECRET) == hashlib.md5(text.encode("utf-8")).hexdigest()


def test_empty_array_and_object_are_signed() -> None:
    body = parse_json('{"a":[],"o":{},"n":{"x":1.50,"y":[null,true,"\\u00e9"]}}')
    assert trustpay_string_to_sign(body, SECRET) == (
        f'a=[]&n={{"x":1.50,"y":[null,true,"é"]}}&o={{}}&secret={SECRET}'
    )


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(ValueError, match="mode"):
        trustpay_verify({"sign": "x"}, SECRET, "loose")


# Value rendering shared by the MD5 schemes.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.00", "5"),
        ("1000.00", "1000"),
        ("5.50", "5.5"),
        ("1e2", "100"),
        ("100.", "100"),
        ("100.50", "100.5"),
        ("20", "20"),
        ("0", "0"),
        ("0.00", "0"),
        ("-0.0", "0"),
        ("-5.10", "-5.1"),
        ("0.025", "0.025"),
        ("1.5e-3", "0.0015"),
        ("12E+1", "120"),
        ("1.20e1", "12"),
        ("8820250900009", "8820250900009"),
    ],
)
def test_normalise_number_text(text: str, expected: str) -> None:
    assert normalise_number_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "09171234567",
        "007",
        "+5",
        ".5",
        " 5",
        "5 ",
        "1_000",
        "NaN",
        "Infinity",
        "0x10",
        "5.00 USD",
        "١٢",
        "1e999999999",
        "1e-999999999",
    ],
)
def test_normalise_number_text_refuses_non_numbers(text: str) -> None:
    assert normalise_number_text(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("USD", "USD"),
        ("", None),
        (" ", " "),
        (JsonNumber("5.00"), "5.00"),
        (JsonNumber("1e2"), "1e2"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (20, "20"),
        (Decimal("5.00"), "5.00"),
        (None, None),
        ([], "[]"),
        ({}, "{}"),
        (["RF-1", JsonNumber("2.50"), None, False], '["RF-1",2.50,null,false]'),
        ({"é": "ü\n", "q": '"/'}, '{"é":"ü\\n","q":"\\"/"}'),
        ((Decimal("1.10"), 3), "[1.10,3]"),
    ],
)
def test_render_value(value: object, expected: str | None) -> None:
    assert render_value(value) == expected


@pytest.mark.parametrize("value", [1.5, object(), {1: "a"}])
def test_render_value_refuses_floats_and_foreign_types(value: object) -> None:
    with pytest.raises(TypeError):
        render_value(value)


def test_render_value_refuses_non_finite_decimals() -> None:
    with pytest.raises(ValueError):
        render_value(Decimal("NaN"))


def test_parse_json_keeps_number_tokens() -> None:
    body = parse_json(b'{"a":5.00,"b":20,"c":-1.5E+3,"d":"5.00","e":[0.10]}')
    assert body == {"a": "5.00", "b": "20", "c": "-1.5E+3", "d": "5.00", "e": ["0.10"]}
    assert all(isinstance(body[k], JsonNumber) for k in "abc")
    assert not isinstance(body["d"], JsonNumber)
    assert isinstance(body["e"][0], JsonNumber)
    assert body["a"].as_decimal() == Decimal("5.00")


def test_parse_json_keeps_huge_integers_exact() -> None:
    digits = "9" * 5000
    assert parse_json(f'{{"n":{digits}}}')["n"] == digits


@pytest.mark.parametrize("text", ["NaN", '{"a":Infinity}', "[-Infinity]", b"\xff{}", "{", ""])
def test_parse_json_refuses_invalid_documents_with_value_error(text: str | bytes) -> None:
    with pytest.raises(ValueError):
        parse_json(text)


def test_parse_json_refuses_absurd_nesting_with_value_error() -> None:
    with pytest.raises(ValueError, match="nested"):
        parse_json("[" * 100_000 + "]" * 100_000)


def test_deeply_nested_values_render_without_recursion() -> None:
    value = parse_json("[" * 500 + "1.0" + "]" * 500)
    assert render_value(value) == "[" * 500 + "1.0" + "]" * 500


def test_compact_json_normalise_touches_only_number_tokens() -> None:
    value = parse_json('{"a":[5.00,"5.00",true],"b":{"c":1e2}}')
    assert compact_json(value) == '{"a":[5.00,"5.00",true],"b":{"c":1e2}}'
    assert compact_json(value, normalise=True) == '{"a":[5,"5.00",true],"b":{"c":100}}'


def test_lone_surrogate_does_not_crash_signing() -> None:
    body = parse_json('{"name":"\\ud800x"}')
    body["sign"] = trustpay_sign(body, SECRET)
    assert trustpay_verify(body, SECRET).ok
