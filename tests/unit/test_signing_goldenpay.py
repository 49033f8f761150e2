"""GoldenPay MD5 signature: the published signing vectors and rules (docs/gateways/goldenpay.md,
Signing, worked)."""

from __future__ import annotations

import hashlib

import pytest

from sandbox.signing.md5 import (
    goldenpay_sign,
    goldenpay_string_to_sign,
    goldenpay_verify,
    parse_query,
)
from sandbox.signing.values import DuplicateKeyError, parse_json
from sandbox.signing.verdict import Verdict

TOKEN = "gp_test_token_5e6f7a8b"

V2_BODY = (
    '{"mch_id":"10001","trans_id":"WDL-10003","channel":"gcash","amount":5.00,"currency":"php",'
    '"account_no":"09171234567","account_name":"JUAN DELA CRUZ","remarks":"",'
    '"callback_url":"https://merchant.example/goldenpay/payout","nonce":"Zp81LmQ4",'
    '"timestamp":1777865100}'
)
V2_DIGEST = "bce41dee5dadef74a2cee5f78ba7273c"
V2_NORMALISED_DIGEST = "3301a75f30bf56ab218838ff266c260e"

# (id, JSON body (V1, V2 as requests; V5-V11 as the published example responses and callbacks
# show them), string, digest).
BODY_VECTORS = [
    (
        "V1",
        '{"mch_id":10001,"trans_id":"ORDER-10001","currency":"THB","amount":"100.00",'
        '"channel":"bank","callback_url":"https://merchant.example/goldenpay/collect",'
        '"nonce":"k3J9xQ2mPz","timestamp":1777863900}',
        "gp_test_token_5e6f7a8b&amount=100.00&callback_url=https://merchant.example/goldenpay/"
        "collect&channel=bank&currency=THB&mch_id=10001&nonce=k3J9xQ2mPz&timestamp=1777863900&"
        "trans_id=ORDER-10001",
        "356337b44a080bc783c647be1f9c462c",
    ),
    (
        "V2",
        V2_BODY,
        "gp_test_token_5e6f7a8b&account_name=JUAN DELA CRUZ&account_no=09171234567&amount=5.00&"
        "callback_url=https://merchant.example/goldenpay/payout&channel=gcash&currency=php&"
        "mch_id=10001&nonce=Zp81LmQ4&timestamp=1777865100&trans_id=WDL-10003",
        V2_DIGEST,
    ),
    (
        "V5",
        '{"id":"C202605040001","trans_id":"ORDER-10001","mch_id":10001,"order_amount":"100.00",'
        '"payed_amount":"100.00","channel":"bank","status":60,"created_at":"2026-05-04 10:05:00",'
        '"payed_at":"2026-05-04 10:06:10"}',
        "gp_test_token_5e6f7a8b&channel=bank&created_at=2026-05-04 10:05:00&id=C202605040001&"
        "mch_id=10001&order_amount=100.00&payed_amount=100.00&payed_at=2026-05-04 10:06:10&"
        "status=60&trans_id=ORDER-10001",
        "9841e5b8217b986cf8b9fe3de9fa41cb",
    ),
    (
        "V6",
        '{"id":"C202605040003","trans_id":"ORDER-10003","mch_id":10001,"order_amount":"100.01",'
        '"payed_amount":"0.00","channel":"mock","status":30,"created_at":"2026-05-04 11:00:00",'
        '"payed_at":null}',
        "gp_test_token_5e6f7a8b&channel=mock&created_at=2026-05-04 11:00:00&id=C202605040003&"
        "mch_id=10001&order_amount=100.01&payed_amount=0.00&status=30&trans_id=ORDER-10003",
        "427bc947b4353213c028dbfe9b224c7b",
    ),
    (
        "V7",
        '{"id":"P202605040001","trans_id":"WDL-10001","mch_id":10001,"order_amount":"100.00",'
        '"status":60,"created_at":"2026-05-04 10:10:00","payed_at":"2026-05-04 10:15:00"}',
        "gp_test_token_5e6f7a8b&created_at=2026-05-04 10:10:00&id=P202605040001&mch_id=10001&"
        "order_amount=100.00&payed_at=2026-05-04 10:15:00&status=60&trans_id=WDL-10001",
        "dc570eb7da31314977655ae3f9155244",
    ),
    (
        "V8",
        '{"id":"P202605040002","trans_id":"WDL-10002","mch_id":10001,"order_amount":"100.00",'
        '"status":50,"created_at":"2026-05-04 10:20:00","canceled_at":"2026-05-04 10:23:00"}',
        "gp_test_token_5e6f7a8b&canceled_at=2026-05-04 10:23:00&created_at=2026-05-04 10:20:00&"
        "id=P202605040002&mch_id=10001&order_amount=100.00&status=50&trans_id=WDL-10002",
        "8f60d1ad823510ed72f70a3efe4ca2f4",
    ),
    (
        "V9",
        '{"id":"C202605040001","trans_id":"ORDER-10001","order_amount":"100.00","ratio":0.025,'
        '"currency":"THB","code":"bank","status":20,"created_at":"2026-05-04 10:05:00",'
        '"url":"http://127.0.0.1:8080/_sandbox/pay/goldenpay/C202605040001","cashier_type":0,'
        '"meta":null}',
        "gp_test_token_5e6f7a8b&cashier_type=0&code=bank&created_at=2026-05-04 10:05:00&"
        "currency=THB&id=C202605040001&order_amount=100.00&ratio=0.025&status=20&"
        "trans_id=ORDER-10001&url=http://127.0.0.1:8080/_sandbox/pay/goldenpay/C202605040001",
        "883541e227a56e2f11c2987357583360",
    ),
    (
        "V10",
        '{"id":"C202605040002","trans_id":"ORDER-10002","order_amount":"500000","ratio":0.025,'
        '"currency":"VND","code":"bank","status":20,"created_at":"2026-05-04 10:06:30",'
        '"url":"http://127.0.0.1:8080/_sandbox/pay/goldenpay/C202605040002","cashier_type":9,'
        '"meta":{"account_no":"0071000123456","account_name":"NGUYEN VAN AN",'
        '"account_org":"Vietcombank","account_org_code":"970436","remarks":"k7p2xw9d",'
        '"qr_url":"http://127.0.0.1:8080/_sandbox/pay/goldenpay/C202605040002/qr.svg"}}',
        "gp_test_token_5e6f7a8b&cashier_type=9&code=bank&created_at=2026-05-04 10:06:30&"
        "currency=VND&id=C202605040002&meta={"
        '"account_no":"0071000123456","account_name":"NGUYEN VAN AN","account_org":"Vietcombank",'
        '"account_org_code":"970436","remarks":"k7p2xw9d",'
        '"qr_url":"http://127.0.0.1:8080/_sandbox/pay/goldenpay/C202605040002/qr.svg"}'
        "&order_amount=500000&ratio=0.025&status=20&trans_id=ORDER-10002&"
        "url=http://127.0.0.1:8080/_sandbox/pay/goldenpay/C202605040002",
        "4145a01f5fc44999063d8f96dccfb758",
    ),
    (
        "V11",
        '{"id":"P202605040003","trans_id":"WDL-10003","mch_id":10001,"channel":"gcash",'
        '"currency":"PHP","order_amount":"5.00","account_no":"09171234567",'
        '"account_name":"JUAN DELA CRUZ","account_org":null,'
        '"callback_url":"https://merchant.example/goldenpay/payout","attachments":[],'
        '"status":60,"created_at":"2026-05-04 10:25:00","payed_at":"2026-05-04 10:25:05"}',
        "gp_test_token_5e6f7a8b&account_name=JUAN DELA CRUZ&account_no=09171234567&attachments=[]&"
        "callback_url=https://merchant.example/goldenpay/payout&channel=gcash&"
        "created_at=2026-05-04 10:25:00&currency=PHP&id=P202605040003&mch_id=10001&"
        "order_amount=5.00&payed_at=2026-05-04 10:25:05&status=60&trans_id=WDL-10003",
        "88659fbcc15941a1b7c7929006fadba8",
    ),
]

# (id, query string as sent, string, digest).
QUERY_VECTORS = [
    (
        "V3",
        "id=ORDER-10001&mch_id=10001&nonce=Qm7%2BTr2%2FWx&timestamp=1777864000",
        "gp_test_token_5e6f7a8b&id=ORDER-10001&mch_id=10001&nonce=Qm7+Tr2/Wx&timestamp=1777864000",
        "1cea5dd52f3bab98dee9c07919ff3024",
    ),
    (
        "V4",
        "mch_id=10001&currency=THB&nonce=b8Kq2Lx9&timestamp=1777863900",
        "gp_test_token_5e6f7a8b&currency=THB&mch_id=10001&nonce=b8Kq2Lx9&timestamp=1777863900",
        "967bc3672481bffda504cc9a7c041d73",
    ),
]

# Published example response payloads with their sign (each must verify as is).
SIGNED_PAYLOADS = [
    '{"id":"C202605040001","mch_id":10001,"trans_id":"ORDER-10001","order_amount":"100.00",'
    '"payed_amount":"100.00","channel":"bank","currency":"THB","status":60,'
    '"created_at":"2026-05-04 10:05:00","payed_at":"2026-05-04 10:06:10",'
    '"sign":"18241aee9a535eeec550cbbbf9a84be0"}',
    '{"id":"P202605040003","trans_id":"WDL-10003","mch_id":10001,"channel":"gcash",'
    '"currency":"PHP","order_amount":"5.00","account_no":"09171234567",'
    '"account_name":"JUAN DELA CRUZ","account_org":null,'
    '"callback_url":"https://merchant.example/goldenpay/payout","status":20,'
    '"created_at":"2026-05-04 10:25:00","sign":"7d54896c54d323bac07af8bd8535e7c1"}',
    '{"id":"10001","name":"Demo Merchant","created_at":"2026-05-04 10:00:00",'
    '"sign":"5fd4120f0b0f223a12eaa96d90cb53b2"}',
    '{"balance":1000000,"sign":"11358d6a6f469d8527d97b12ec9c4e70"}',
]


def with_sign(body_json: str, sign: str) -> str:
    return body_json[:-1] + f',"sign":"{sign}"}}'


@pytest.mark.parametrize(
    ("body_json", "expected_text", "digest"),
    [v[1:] for v in BODY_VECTORS],
    ids=[v[0] for v in BODY_VECTORS],
)
def test_body_vector(body_json: str, expected_text: str, digest: str) -> None:
    assert hashlib.md5(expected_text.encode()).hexdigest() == digest
    body = parse_json(with_sign(body_json, digest))

    assert goldenpay_string_to_sign(body, TOKEN) == expected_text
    assert goldenpay_sign(body, TOKEN) == digest
    assert goldenpay_verify(body, TOKEN) == Verdict(ok=True, form="raw")
    assert goldenpay_verify(body, TOKEN, "lenient") == Verdict(ok=True, form="raw")


@pytest.mark.parametrize(
    ("query", "expected_text", "digest"),
    [v[1:] for v in QUERY_VECTORS],
    ids=[v[0] for v in QUERY_VECTORS],
)
def test_query_vector(query: str, expected_text: str, digest: str) -> None:
    assert hashlib.md5(expected_text.encode()).hexdigest() == digest
    sent = query + "&sign=" + digest
    for params in (parse_query(sent), parse_query(sent.encode())):
        assert goldenpay_string_to_sign(params, TOKEN) == expected_text
        assert goldenpay_sign(params, TOKEN) == digest
        assert goldenpay_verify(params, TOKEN) == Verdict(ok=True, form="raw")


@pytest.mark.parametrize("payload_json", SIGNED_PAYLOADS)
def test_signed_payloads_printed_in_the_spec_verify(payload_json: str) -> None:
    assert goldenpay_verify(parse_json(payload_json), TOKEN) == Verdict(ok=True, form="raw")


def test_v2_normalised_digest_is_lenient_only() -> None:
    body = parse_json(with_sign(V2_BODY, V2_NORMALISED_DIGEST))
    normalised = goldenpay_string_to_sign(body, TOKEN, normalised=True)
    # amount 5.00 -> 5; "09171234567" and "10001" are untouched.
    assert normalised == (
        "gp_test_token_5e6f7a8b&account_name=JUAN DELA CRUZ&account_no=09171234567&amount=5&"
        "callback_url=https://merchant.example/goldenpay/payout&channel=gcash&currency=php&"
        "mch_id=10001&nonce=Zp81LmQ4&timestamp=1777865100&trans_id=WDL-10003"
    )
    assert hashlib.md5(normalised.encode()).hexdigest() == V2_NORMALISED_DIGEST

    assert goldenpay_verify(body, TOKEN) == Verdict(ok=False, form=None)
    assert goldenpay_verify(body, TOKEN, "lenient") == Verdict(ok=True, form="normalised")


def test_normalised_numeric_strings_in_lenient_mode() -> None:
    # V1's amount is the string "100.00"; lenient accepts a merchant that signed 100.
    body = parse_json(BODY_VECTORS[0][1])
    text = goldenpay_string_to_sign(body, TOKEN, normalised=True)
    assert "&amount=100&" in text
    body["sign"] = hashlib.md5(text.encode()).hexdigest()
    assert not goldenpay_verify(body, TOKEN).ok
    assert goldenpay_verify(body, TOKEN, "lenient") == Verdict(ok=True, form="normalised")


@pytest.mark.parametrize("mode", ["strict", "lenient"])
def test_verification_is_case_insensitive(mode: str) -> None:
    for sign in (V2_DIGEST.upper(), V2_DIGEST, V2_DIGEST[:16].upper() + V2_DIGEST[16:]):
        body = parse_json(with_sign(V2_BODY, sign))
        assert goldenpay_verify(body, TOKEN, mode) == Verdict(ok=True, form="raw")


@pytest.mark.parametrize("sign", [None, "", 5, True, ["x"]])
def test_missing_empty_or_non_string_sign_is_rejected(sign: object) -> None:
    body = parse_json(V2_BODY)
    if sign is not None:
        body["sign"] = sign
    assert not goldenpay_verify(body, TOKEN).ok
    assert not goldenpay_verify(body, TOKEN, "lenient").ok


def test_wrong_token_is_rejected() -> None:
    body = parse_json(with_sign(V2_BODY, V2_DIGEST))
    assert not goldenpay_verify(body, "gp_other_token").ok


def test_repeated_query_parameter_is_refused() -> None:
    with pytest.raises(DuplicateKeyError) as info:
        parse_query("mch_id=10001&nonce=a&mch_id=10002")
    assert info.value.key == "mch_id"


def test_repeated_query_parameter_is_refused_even_when_empty_or_encoded() -> None:
    with pytest.raises(DuplicateKeyError):
        parse_query("remarks=&remarks=x")
    with pytest.raises(DuplicateKeyError) as info:
        parse_query("trans%5Fid=1&trans_id=2")
    assert info.value.key == "trans_id"


def test_query_decoding() -> None:
    params = parse_query(b"a=x+y&b=%C3%A9%2B&remarks=&flag&c=1%3D2")
    assert params == {"a": "x y", "b": "é+", "remarks": "", "flag": "", "c": "1=2"}
    assert list(params) == ["a", "b", "remarks", "flag", "c"]


def test_empty_query_parameter_is_skipped_when_signing() -> None:
    with_empty = parse_query(
        "mch_id=10001&currency=THB&remarks=&nonce=b8Kq2Lx9&timestamp=1777863900"
    )
    assert goldenpay_sign(with_empty, TOKEN) == "967bc3672481bffda504cc9a7c041d73"


def test_zero_false_and_space_are_values() -> None:
    body = parse_json('{"status":0,"z":"0","f":false,"s":" ","n":null,"e":""}')
    assert goldenpay_string_to_sign(body, TOKEN) == TOKEN + "&f=false&s= &status=0&z=0"


def test_nothing_to_sign_leaves_the_token_and_ampersand() -> None:
    assert goldenpay_string_to_sign({"sign": "x"}, TOKEN) == TOKEN + "&"


def test_nested_values_are_compact_json_with_utf8_and_received_number_tokens() -> None:
    body = parse_json('{"meta": {"b": 1.50, "a": "Nguy\\u1ec5n \\"A\\" a\\/b", "l": [1e2, {}]}}')
    assert goldenpay_string_to_sign(body, TOKEN) == (
        TOKEN + '&meta={"b":1.50,"a":"Nguyễn \\"A\\" a/b","l":[1e2,{}]}'
    )


def test_lenient_normalises_number_tokens_inside_nested_values() -> None:
    body = parse_json('{"meta":{"amount":5.00,"ref":"5.00"}}')
    assert goldenpay_string_to_sign(body, TOKEN, normalised=True) == (
        TOKEN + '&meta={"amount":5,"ref":"5.00"}'
    )
