"""A refused signature is explained: the journal entry (GET /_sandbox/requests/{id}) holds the
exact string the sandbox signed or verified (secret as `<secret>`), the signature it expected,
and a hint for each common mistake that reproduces the signature sent. Each hint fires for its
own mistake and for no other; `sandbox verify --explain` prints the same explanation."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from support.ezpay import DEMO_APP_ID, OWN_APP_ID
from support.ezpay import write_config as ezpay_config
from support.server import RunningSandbox, run_sandbox

from sandbox.cli import main
from sandbox.client.goldenpay import COLLECT
from sandbox.signing.demo_keys import (
    EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
    EZPAY_DEMO_PLATFORM_PRIVATE_KEY,
)
from sandbox.signing.md5 import goldenpay_sign, trustpay_sign
from sandbox.signing.rsa import load_private_key, sign_param
from sandbox.signing.values import JsonNumber, compact_json

TP_KEY, TP_SECRET, TP_ID = "tp_test_0b1c2d3e4f5a6b7c", "tp_test_secret_9f8e7d6c", 8820250900009
TP_OTHER_KEY, TP_OTHER_SECRET, TP_OTHER_ID = "tp_other_key_1", "tp_other_secret_1", 8820250900010
GP_MCH, GP_TOKEN = 10001, "gp_test_token_5e6f7a8b"
GP_OTHER_MCH, GP_OTHER_TOKEN = 10002, "gp_token_10002"

EXTRA = f"""
  trustpay:
    - merchant_id: {TP_OTHER_ID}
      api_key: {TP_OTHER_KEY}
      secret: {TP_OTHER_SECRET}
  goldenpay:
    - mch_id: {GP_OTHER_MCH}
      api_token: {GP_OTHER_TOKEN}
"""


pytestmark = pytest.mark.postgres  # the journal's new columns, on both store backends


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory, module_db_flags: dict[str, str]
) -> Iterator[RunningSandbox]:
    path = tmp_path_factory.mktemp("explain") / "config.yaml"
    ezpay_config(path)
    # The EzPay config lists `merchants:` first; the other gateways' merchants go beside it.
    path.write_text(path.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    with run_sandbox({**module_db_flags, "config": str(path)}) as server:
        yield server


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def last_entry(running: RunningSandbox, gateway: str) -> dict[str, Any]:
    [item] = running.admin("GET", "requests", params={"gateway": gateway, "page_size": 1}).json()[
        "items"
    ]
    detail = running.admin("GET", f"requests/{item['id']}")
    assert detail.status_code == 200, detail.text
    entry: dict[str, Any] = detail.json()
    return entry


def hint_codes(entry: dict[str, Any]) -> set[str]:
    return {hint["code"] for hint in entry["explanation"]["hints"]}


# -- TrustPay -------------------------------------------------------------------------------


def tp_post(running: RunningSandbox, body: bytes, api_key: str = TP_KEY) -> httpx.Response:
    headers = {"X-Api-Key": api_key, "Content-Type": "application/json"}
    return running.client.post("/v4/balance", content=body, headers=headers)


def test_trustpay_refusal_shows_the_string_and_the_expected_sign(running: RunningSandbox) -> None:
    fields = {"merchant_id": str(TP_ID), "currency_id": "USD"}
    body = compact_json({**fields, "sign": "0" * 32}).encode()
    answer = tp_post(running, body).json()
    assert (answer["code"], answer["message"]) == (880011, "unauthorized")
    entry = last_entry(running, "trustpay")
    explanation = entry["explanation"]
    assert explanation["signed_string"] == f"currency_id=USD&merchant_id={TP_ID}&secret=<secret>"
    assert explanation["expected"] == trustpay_sign(fields, TP_SECRET)
    assert explanation["received"] == "0" * 32
    assert explanation["hints"] == []  # a random sign reproduces no mistake
    assert entry["signature"] == "bad"
    assert entry["signature_detail"].startswith("invalid sign: expected ")
    # The request and the answer, the API key masked, the secret nowhere.
    assert entry["request"]["headers"]["x-api-key"] == "***"
    assert json.loads(entry["request"]["body"]) == {**fields, "sign": "0" * 32}
    assert json.loads(entry["response"]["body"])["code"] == 880011
    assert entry["response"]["status"] == 200
    assert TP_SECRET not in json.dumps(entry)


def _tp_text(pairs: list[tuple[str, str]], secret: str = TP_SECRET) -> str:
    return "&".join([*(f"{k}={v}" for k, v in pairs), f"secret={secret}"])


def _sorted_pairs(fields: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((k, str(v)) for k, v in fields.items() if v not in ("", None))


BASE = {"merchant_id": str(TP_ID), "currency_id": "USD"}

# (mistake, the fields sent, the sign made with the mistake, the hint expected)
TRUSTPAY_MISTAKES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "uppercase digest",
        BASE,
        md5(_tp_text(_sorted_pairs(BASE))).upper(),
        "uppercase_digest",
    ),
    (
        "fields in the order sent",
        {"merchant_id": str(TP_ID), "currency_id": "USD", "amount": "1"},
        md5(_tp_text([("merchant_id", str(TP_ID)), ("currency_id", "USD"), ("amount", "1")])),
        "field_order",
    ),
    (
        "empty field signed",
        {**BASE, "remark": ""},
        md5(_tp_text(sorted([*_sorted_pairs(BASE), ("remark", "")]))),
        "empty_fields_included",
    ),
    (
        "false left out",
        {**BASE, "flag": False},
        md5(_tp_text(_sorted_pairs(BASE))),
        "fields_left_out",
    ),
    (
        "10.00 signed as 10",
        {**BASE, "amount": JsonNumber("10.00")},
        md5(_tp_text(sorted([*_sorted_pairs(BASE), ("amount", "10")]))),
        "number_rendering",
    ),
    (
        "10 signed as 10.00",
        {**BASE, "amount": JsonNumber("10")},
        md5(_tp_text(sorted([*_sorted_pairs(BASE), ("amount", "10.00")]))),
        "number_rendering",
    ),
    (
        "URL-encoded value",
        {**BASE, "remark": "a b&c"},
        md5(_tp_text(sorted([*_sorted_pairs(BASE), ("remark", quote("a b&c", safe=""))]))),
        "url_encoded_values",
    ),
    (
        "secret first",
        BASE,
        md5("&".join([f"secret={TP_SECRET}", *(f"{k}={v}" for k, v in _sorted_pairs(BASE))])),
        "secret_position",
    ),
    (
        "another merchant's secret",
        BASE,
        md5(_tp_text(_sorted_pairs(BASE), TP_OTHER_SECRET)),
        "other_key",
    ),
]


@pytest.mark.parametrize(
    ("fields", "sign", "hint"),
    [case[1:] for case in TRUSTPAY_MISTAKES],
    ids=[case[0] for case in TRUSTPAY_MISTAKES],
)
def test_trustpay_each_hint_fires_for_its_mistake_only(
    running: RunningSandbox, fields: dict[str, Any], sign: str, hint: str
) -> None:
    answer = tp_post(running, compact_json({**fields, "sign": sign}).encode()).json()
    assert answer["code"] == 880011
    entry = last_entry(running, "trustpay")
    assert hint_codes(entry) == {hint}, entry["explanation"]


def test_trustpay_demo_key_used_by_another_merchant_is_named(running: RunningSandbox) -> None:
    fields = {"merchant_id": str(TP_OTHER_ID), "currency_id": "USD"}
    sign = trustpay_sign(fields, TP_SECRET)
    tp_post(running, compact_json({**fields, "sign": sign}).encode(), api_key=TP_OTHER_KEY)
    [hint] = last_entry(running, "trustpay")["explanation"]["hints"]
    assert hint == {
        "code": "other_key",
        "message": "the sign was made with the demo merchant's key",
    }


def test_a_good_request_has_no_explanation(running: RunningSandbox) -> None:
    fields = {"merchant_id": str(TP_ID), "currency_id": "USD"}
    body = compact_json({**fields, "sign": trustpay_sign(fields, TP_SECRET)}).encode()
    assert tp_post(running, body).json()["code"] == 880001
    entry = last_entry(running, "trustpay")
    assert entry["explanation"] is None
    assert entry["signature"] == "ok (raw)"


# -- GoldenPay ------------------------------------------------------------------------------


def gp_fields(**extra: Any) -> dict[str, Any]:
    return {
        "mch_id": str(GP_MCH),
        "nonce": f"n{time.monotonic_ns()}",
        "timestamp": str(int(time.time())),
        **extra,
    }


def gp_post(running: RunningSandbox, body: dict[str, Any]) -> dict[str, Any]:
    answer = running.client.post(COLLECT, content=compact_json(body).encode())
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _gp_text(pairs: list[tuple[str, str]], token: str = GP_TOKEN) -> str:
    return token + "&" + "&".join(f"{k}={v}" for k, v in pairs)


def test_goldenpay_refusal_shows_the_string_the_expected_sign_and_a_short_detail(
    running: RunningSandbox,
) -> None:
    fields = gp_fields(currency="THB")
    answer = gp_post(running, {**fields, "sign": "f" * 32})
    assert answer["code"] == 400
    assert answer["errors"]["message"] == "Invalid sign"  # the gateway's exact text
    expected = goldenpay_sign(fields, GP_TOKEN)
    assert answer["errors"]["detail"].startswith(f"expected {expected} over <secret>&currency=THB")
    explanation = last_entry(running, "goldenpay")["explanation"]
    assert explanation["signed_string"] == _gp_text(_sorted_pairs(fields), "<secret>")
    assert explanation["expected"] == expected
    assert explanation["hints"] == []


def _gp_cases() -> list[tuple[str, dict[str, Any], str, str]]:
    base = gp_fields()
    ordered = {**base, "amount": "5", "channel": "mock"}
    return [
        (
            "fields in the order sent",
            ordered,
            md5(_gp_text([(k, str(v)) for k, v in ordered.items()])),
            "field_order",
        ),
        (
            "empty field signed",
            {**base, "remark": ""},
            md5(_gp_text(sorted([*_sorted_pairs(base), ("remark", "")]))),
            "empty_fields_included",
        ),
        (
            "zero left out",
            {**base, "fee": "0"},
            md5(_gp_text(_sorted_pairs(base))),
            "fields_left_out",
        ),
        (
            "100.00 signed as 100",
            {**base, "amount": "100.00"},
            md5(_gp_text(sorted([*_sorted_pairs(base), ("amount", "100")]))),
            "number_rendering",
        ),
        (
            "URL-encoded value",
            {**base, "remark": "x/y z"},
            md5(_gp_text(sorted([*_sorted_pairs(base), ("remark", quote("x/y z", safe=""))]))),
            "url_encoded_values",
        ),
        (
            "token last",
            base,
            md5("&".join([*(f"{k}={v}" for k, v in _sorted_pairs(base)), GP_TOKEN])),
            "secret_position",
        ),
        (
            "another merchant's token",
            base,
            md5(_gp_text(_sorted_pairs(base), GP_OTHER_TOKEN)),
            "other_key",
        ),
    ]


@pytest.mark.parametrize("case", range(len(_gp_cases())), ids=[c[0] for c in _gp_cases()])
def test_goldenpay_each_hint_fires_for_its_mistake_only(running: RunningSandbox, case: int) -> None:
    _, fields, sign, hint = _gp_cases()[case]
    answer = gp_post(running, {**fields, "sign": sign})
    assert answer["errors"]["message"] == "Invalid sign"
    entry = last_entry(running, "goldenpay")
    assert hint_codes(entry) == {hint}, entry["explanation"]


def test_goldenpay_uppercase_digest_is_not_a_mistake(running: RunningSandbox) -> None:
    fields = gp_fields(currency="THB", trans_id=f"T{time.monotonic_ns()}")
    answer = gp_post(running, {**fields, "sign": goldenpay_sign(fields, GP_TOKEN).upper()})
    assert answer["errors"]["message"] != "Invalid sign"  # verified case-insensitively


# -- EzPay ----------------------------------------------------------------------------------


def ez_post(running: RunningSandbox, app_id: str, param: str, sign: str) -> dict[str, Any]:
    body = json.dumps({"appId": app_id, "sign": sign, "param": param})
    answer = running.client.post("/open-api/account/balance", content=body.encode())
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def ez_param() -> str:
    return json.dumps({"timestamp": int(time.time() * 1000), "currency": "PHP"})


def sha1_sign(private_pem: str, text: str) -> str:
    return sign_param(load_private_key(private_pem), text, algorithm="sha1")


def test_ezpay_refusal_shows_the_param_and_for_the_demo_key_the_expected_sign(
    running: RunningSandbox,
) -> None:
    param = ez_param()
    wrong = base64.b64encode(b"\0" * 256).decode()
    answer = ez_post(running, DEMO_APP_ID, param, wrong)
    assert (answer["code"], answer["message"]) == (21001, "Request sign error")
    explanation = last_entry(running, "ezpay")["explanation"]
    assert explanation["signed_string"] == param
    assert explanation["expected"] == sign_param(EZPAY_DEMO_MERCHANT_PRIVATE_KEY, param)
    assert explanation["hints"] == []

    ez_post(running, OWN_APP_ID, param, wrong)
    explanation = last_entry(running, "ezpay")["explanation"]
    assert explanation["expected"] is None
    assert explanation["note"] == "the sandbox holds only your public key"


def _ez_cases() -> list[tuple[str, str, str, str, str]]:
    """(mistake, app id, param sent, sign, hint)."""
    param = ez_param()
    demo = EZPAY_DEMO_MERCHANT_PRIVATE_KEY
    good = base64.b64decode(sign_param(demo, param))
    platform = EZPAY_DEMO_PLATFORM_PRIVATE_KEY
    url_safe = base64.urlsafe_b64encode(good).decode().rstrip("=")
    reordered = json.dumps(json.loads(param), sort_keys=True, separators=(",", ":"))
    return [
        ("SHA1withRSA", DEMO_APP_ID, param, sha1_sign(demo, param), "sha1"),
        ("re-serialised", DEMO_APP_ID, param, sign_param(demo, reordered), "param_reserialised"),
        ("demo key for own merchant", OWN_APP_ID, param, sign_param(demo, param), "other_key"),
        ("platform key", DEMO_APP_ID, param, sign_param(platform, param), "other_key"),
        ("hex signature", DEMO_APP_ID, param, good.hex(), "signature_encoding"),
        ("URL-safe Base64", DEMO_APP_ID, param, url_safe, "signature_encoding"),
    ]  # fmt: skip


@pytest.mark.parametrize("case", range(len(_ez_cases())), ids=[c[0] for c in _ez_cases()])
def test_ezpay_each_hint_fires_for_its_mistake_only(running: RunningSandbox, case: int) -> None:
    _, app_id, param, sign, hint = _ez_cases()[case]
    assert ez_post(running, app_id, param, sign)["code"] == 21001
    entry = last_entry(running, "ezpay")
    assert hint_codes(entry) == {hint}, entry["explanation"]


def test_ezpay_own_merchant_sign_made_with_demo_key_names_it(running: RunningSandbox) -> None:
    param = ez_param()
    ez_post(running, OWN_APP_ID, param, sign_param(EZPAY_DEMO_MERCHANT_PRIVATE_KEY, param))
    [hint] = last_entry(running, "ezpay")["explanation"]["hints"]
    assert hint["message"] == "the sign was made with the demo merchant's key"


def test_unknown_journal_entry_is_a_404_with_a_message(running: RunningSandbox) -> None:
    for given in ("999999999", "abc"):
        answer = running.admin("GET", f"requests/{given}")
        assert answer.status_code == 404
        assert "no journal entry" in answer.json()["error"]["message"]


# -- sandbox verify --explain ---------------------------------------------------------------


def test_verify_explain_prints_the_same_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    fields = {"currency_id": "USD", "amount": "1"}
    ordered = md5(_tp_text([("currency_id", "USD"), ("amount", "1")]))
    argv = ["verify", "trustpay", "--secret", TP_SECRET, "currency_id=USD", "amount=1"]
    assert main([*argv, f"sign={ordered}", "--explain"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "signed:    amount=1&currency_id=USD&secret=<secret>" in out
    assert f"expected:  {trustpay_sign(fields, TP_SECRET)}" in out
    assert any(
        line.startswith("hint:      the fields were signed in the order sent") for line in out
    )

    assert main([*argv, f"sign={ordered}"]) == 1  # without --explain: the verdict only
    assert capsys.readouterr().out == ""


def test_verify_explain_ezpay_with_the_demo_key(capsys: pytest.CaptureFixture[str]) -> None:
    param = '{"timestamp":1700000000}'
    sign = sha1_sign(EZPAY_DEMO_MERCHANT_PRIVATE_KEY, param)
    assert main(["verify", "ezpay", "--demo", "--param", param, "--sign", sign, "--explain"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"signed:    {param}" in out
    assert f"expected:  {sign_param(EZPAY_DEMO_MERCHANT_PRIVATE_KEY, param)}" in out
    assert "hint:      signed with SHA1withRSA; sign with SHA256withRSA" in out


def test_journal_detail_masks_card_numbers_and_cvv(running: RunningSandbox) -> None:
    fields = {"card_number": "4111111111111111", "card_cvv": "123", "currency_id": "USD"}
    tp_post(running, compact_json({**fields, "sign": "0" * 32}).encode())
    entry = last_entry(running, "trustpay")
    body = json.loads(entry["request"]["body"])
    assert (body["card_number"], body["card_cvv"]) == ("411111******1111", "***")
    assert "4111111111111111" not in json.dumps(entry)
    explanation = entry["explanation"]
    assert explanation["signed_string"] == (
        "card_cvv=***&card_number=411111******1111&currency_id=USD&secret=<secret>"
    )
    assert "4111111111111111" not in entry["signature_detail"]
