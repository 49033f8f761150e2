"""GoldenPay endpoints over real HTTP: every success and every listed error (the endpoint and
error tables of docs/gateways/goldenpay.md). One sandbox for the module (manual clock: nothing
moves unless a test advances it)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.goldenpay import (
    BALANCE,
    COLLECT,
    INFO,
    MCH,
    OTHER_MCH,
    OTHER_TOKEN,
    PAYOUT,
    TOKEN,
    balance_of,
    collect_fields,
    common,
    error_of,
    get,
    goldenpay_sandbox,
    payload_of,
    payout_fields,
    post,
    unique,
    with_sign,
)
from support.server import RunningSandbox, run_sandbox

from sandbox.signing.md5 import goldenpay_sign
from sandbox.signing.values import JsonNumber, compact_json

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def gp(
    tmp_path_factory: pytest.TempPathFactory, module_db_flags: dict[str, str]
) -> Iterator[RunningSandbox]:
    flags = {**module_db_flags, "clock": "manual", "clock_start": "2026-05-04T03:05:00Z"}
    with goldenpay_sandbox(tmp_path_factory.mktemp("gp"), **flags) as running:
        yield running


# -- envelopes of the routing layer -------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/goldenpay"])
def test_paths_are_served_at_the_real_path_and_under_the_prefix(
    gp: RunningSandbox, prefix: str
) -> None:
    assert payload_of(get(gp, prefix + INFO, common()))["id"] == "10001"


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", COLLECT), ("DELETE", PAYOUT), ("POST", INFO), ("POST", "/goldenpay" + BALANCE)],
)
def test_wrong_method_is_405_in_the_goldenpay_envelope(
    gp: RunningSandbox, method: str, path: str
) -> None:
    answer = gp.client.request(method, path)
    assert answer.status_code == 405
    assert answer.json() == {"code": 405, "errors": {"message": "Method Not Allowed"}}


@pytest.mark.parametrize("path", ["/api/v1/mch/orders", "/goldenpay/api/v1/mch/nope"])
def test_unknown_path_is_404_in_the_goldenpay_envelope(gp: RunningSandbox, path: str) -> None:
    answer = gp.client.get(path)
    assert answer.status_code == 404
    assert answer.json() == {"code": 404, "errors": {"message": "Not Found"}}


def test_body_over_1_mib_is_413_in_the_goldenpay_envelope(gp: RunningSandbox) -> None:
    answer = gp.client.post(COLLECT, content=b"x" * (1024 * 1024 + 1))
    assert answer.status_code == 413
    assert answer.json() == {
        "code": 413,
        "errors": {"message": "Request body too large (limit 1 MiB)"},
    }


# --.0: body, common parameters, signature ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "Invalid body: malformed JSON"),
        (b"\xff\xfe", "Invalid body: malformed JSON"),
        (b"[1,2]", "Invalid body: must be a JSON object"),
        (b'"text"', "Invalid body: must be a JSON object"),
        (b'{"mch_id":10001,"mch_id":10002}', "Invalid body: duplicate key mch_id"),
        (b'{"mch_id":10001,"channel":"\\ud800"}', "Invalid body: malformed JSON"),
    ],
)
def test_bad_bodies(gp: RunningSandbox, body: bytes, message: str) -> None:
    assert error_of(gp.client.post(COLLECT, content=body)) == message


def test_repeated_query_parameter(gp: RunningSandbox) -> None:
    answer = gp.client.get(f"{INFO}?mch_id=10001&nonce=abcdefg&nonce=abcdefh")
    assert error_of(answer) == "Invalid nonce: repeated parameter"


def _unsigned(fields: dict[str, Any], sign: str | None = "x" * 32) -> dict[str, Any]:
    return fields if sign is None else {**fields, "sign": sign}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mch_id": ...}, "Missing mch_id param"),
        ({"mch_id": None}, "Missing mch_id param"),
        ({"mch_id": "abc"}, "Invalid mch_id"),
        ({"mch_id": 99999}, "Invalid mch_id"),
        ({"mch_id": 10001.5}, "Invalid mch_id"),
        ({"mch_id": True}, "Invalid mch_id"),
        ({"sign": ...}, "Missing sign param"),
        ({"sign": ""}, "Missing sign param"),
        ({"nonce": ...}, "Missing nonce param"),
        ({"nonce": "abc"}, "Invalid nonce"),
        ({"nonce": "a" * 25}, "Invalid nonce"),
        ({"nonce": 12345678}, "Invalid nonce"),
        ({"timestamp": ...}, "Missing timestamp param"),
        ({"timestamp": 177786390}, "Invalid timestamp: must be a 10-digit UNIX time in seconds"),
        ({"timestamp": "17778639x0"}, "Invalid timestamp: must be a 10-digit UNIX time in seconds"),
        ({"timestamp": 1777863900.5}, "Invalid timestamp: must be a 10-digit UNIX time in seconds"),
        ({"timestamp": 1000000000}, "Timestamp expired"),
        ({"sign": "0" * 32}, "Invalid sign"),
        ({"sign": 12345}, "Invalid sign"),
    ],
)
def test_common_parameter_errors(gp: RunningSandbox, change: dict[str, Any], message: str) -> None:
    fields = with_sign(common())
    fields.update(change)
    fields = {k: v for k, v in fields.items() if v is not ...}
    body = json.dumps(fields)
    assert error_of(gp.client.post(COLLECT, content=body)) == message


def test_common_checks_come_in_spec_order(gp: RunningSandbox) -> None:
    """mch_id, then sign present, then nonce, then timestamp, then the signature."""
    body = {"mch_id": "x", "nonce": "a", "timestamp": 1}
    assert error_of(gp.client.post(COLLECT, json=body)) == "Invalid mch_id"
    body["mch_id"] = MCH
    assert error_of(gp.client.post(COLLECT, json=body)) == "Missing sign param"
    body["sign"] = "0" * 32
    assert error_of(gp.client.post(COLLECT, json=body)) == "Invalid nonce"
    body["nonce"] = "abcdefgh"
    assert error_of(gp.client.post(COLLECT, json=body)).startswith("Invalid timestamp")
    body["timestamp"] = int(time.time())
    assert error_of(gp.client.post(COLLECT, json=body)) == "Invalid sign"


def test_strings_for_mch_id_and_timestamp_and_an_uppercase_sign(gp: RunningSandbox) -> None:
    fields = collect_fields(mch_id=str(MCH), timestamp=str(int(time.time())))
    signed = with_sign(fields)
    signed["sign"] = signed["sign"].upper()
    answer = gp.client.post(COLLECT, content=json.dumps(signed))
    assert payload_of(answer)["status"] == 20


def test_query_values_are_signed_url_decoded(gp: RunningSandbox) -> None:
    fields = {**common(), "nonce": "Qm7+Tr2/Wx"}
    sign = goldenpay_sign(fields, TOKEN)
    query = f"mch_id={MCH}&nonce=Qm7%2BTr2%2FWx&timestamp={fields['timestamp']}&sign={sign}"
    assert payload_of(gp.client.get(f"{INFO}?{query}"))["id"] == "10001"


def test_unknown_fields_are_signed_and_ignored(gp: RunningSandbox) -> None:
    fields = collect_fields(bank_code="VCB", payer_acccount_org="X")
    signed = {**fields, "extra": JsonNumber("2.50"), "nested": {"a": [1, JsonNumber("2.50")]}}
    signed["sign"] = goldenpay_sign(signed, TOKEN)
    body = compact_json(signed)
    assert '"extra":2.50' in body
    assert payload_of(gp.client.post(COLLECT, content=body))["status"] == 20
    fields = collect_fields(bank_code="VCB")
    signed = with_sign(fields)
    signed["bank_code"] = "OTHER"
    assert error_of(gp.client.post(COLLECT, content=json.dumps(signed))) == "Invalid sign"


def test_lenient_merchant_accepts_the_normalised_number_form(
    tmp_path: Path, db_flags: dict[str, str]
) -> None:
    config = tmp_path / "lenient.yaml"
    config.write_text(
        f"merchants:\n  goldenpay:\n    - {{mch_id: {MCH}, api_token: {TOKEN}, "
        "signature_mode: lenient}\n",
        encoding="utf-8",
    )
    with run_sandbox({**db_flags, "config": str(config)}) as sb:
        fields = payout_fields(amount="5.00")
        normalised = goldenpay_sign({**fields, "amount": "5"}, TOKEN)
        answer = sb.client.post(PAYOUT, json={**fields, "sign": normalised})
        assert payload_of(answer)["order_amount"] == "5.00"
        entries = sb.admin("GET", "requests").json()["items"]
        assert entries[0]["signature"] == "ok (normalised)"
    # the demo merchant is strict
    with run_sandbox(db_flags) as sb:
        answer = sb.client.post(PAYOUT, json={**fields, "sign": normalised})
        assert error_of(answer) == "Invalid sign"


def test_timestamp_window_zero_replays_a_fixed_vector(
    tmp_path: Path, db_flags: dict[str, str]
) -> None:
    """Signing vector V4 (tests/unit/test_signing_goldenpay.py) replayed as is (timestamp
    1777863900) against `timestamp_window_s: 0`."""
    config = tmp_path / "nowindow.yaml"
    config.write_text(
        f"merchants:\n  goldenpay:\n    - {{mch_id: {MCH}, api_token: {TOKEN}, "
        "timestamp_window_s: 0}\n",
        encoding="utf-8",
    )
    with run_sandbox({**db_flags, "config": str(config)}) as sb:
        query = (
            "mch_id=10001&currency=THB&nonce=b8Kq2Lx9&timestamp=1777863900"
            "&sign=967bc3672481bffda504cc9a7c041d73"
        )
        assert payload_of(sb.client.get(f"{BALANCE}?{query}"))["balance"] == 1_000_000


def test_every_request_is_journaled_with_its_verdict(gp: RunningSandbox) -> None:
    post(gp, COLLECT, collect_fields(), token="wrong-token")
    entry = gp.admin("GET", "requests", params={"gateway": "goldenpay"}).json()["items"][0]
    assert entry["operation"] == "collect.create"
    assert entry["signature"] == "bad"
    assert entry["note"] == "400 Invalid sign"


# -- collect.create -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"trans_id": ...}, "Missing trans_id param"),
        ({"trans_id": ""}, "Missing trans_id param"),
        ({"trans_id": "T" * 65}, "Invalid trans_id: at most 64 characters"),
        ({"trans_id": ["a"]}, "Invalid trans_id: must be a string"),
        ({"channel": ...}, "Missing channel param"),
        ({"channel": 5}, "Invalid channel: must be a string"),
        ({"channel": "alipay"}, "Insufficient channel permission: alipay"),
        ({"channel": "GCASH"}, "Insufficient channel permission: GCASH"),
        ({"currency": ...}, "Missing currency param"),
        ({"currency": "EUR"}, "Unsupported currency: EUR"),
        ({"currency": "eur"}, "Unsupported currency: eur"),
        (
            {"channel": "gcash", "currency": "thb"},
            "Invalid currency: channel gcash does not accept THB",
        ),
        (
            {"channel": "bank", "currency": "PHP"},
            "Invalid currency: channel bank does not accept PHP",
        ),
        ({"amount": ...}, "Missing amount param"),
        ({"amount": True}, "Invalid amount: must be a string"),
        (
            {"amount": "1.234"},
            "Invalid amount: must be a positive decimal with at most 2 decimal places",
        ),
        (
            {"amount": "-5.00"},
            "Invalid amount: must be a positive decimal with at most 2 decimal places",
        ),
        ({"amount": "100.5", "currency": "VND"}, "Invalid amount: must be digits only for VND"),
        ({"amount": "0.00"}, "Invalid amount: must be greater than 0"),
        ({"amount": "50000000000.01"}, "Invalid amount: must not exceed 50000000000"),
        ({"callback_url": ...}, "Missing callback_url param"),
        (
            {"callback_url": "ftp://x.example/cb"},
            "Invalid callback_url: must be a valid http(s) URL",
        ),
        ({"callback_url": "/relative"}, "Invalid callback_url: must be a valid http(s) URL"),
        ({"return_url": "nope"}, "Invalid return_url: must be a valid http(s) URL"),
        ({"remarks": 5}, "Invalid remarks: must be a string"),
        ({"payer_account_no": {"a": 1}}, "Invalid payer_account_no: must be a string"),
    ],
)
def test_collect_create_errors(gp: RunningSandbox, change: dict[str, Any], message: str) -> None:
    fields = collect_fields(**change)
    assert error_of(post(gp, COLLECT, fields)) == message


def test_collect_create_success_and_duplicate(gp: RunningSandbox) -> None:
    fields = collect_fields(amount=250, currency="php", channel="gcash", remarks="hi")
    payload = payload_of(post(gp, COLLECT, fields))
    assert list(payload) == [
        "id", "trans_id", "order_amount", "ratio", "currency", "code", "status", "created_at",
        "url", "cashier_type", "meta", "sign",
    ]  # fmt: skip
    assert payload["order_amount"] == "250.00"
    assert payload["currency"] == "PHP" and payload["code"] == "gcash"
    assert payload["cashier_type"] == 0 and payload["meta"] is None
    assert payload["url"] == f"{gp.url}/_sandbox/pay/goldenpay/{payload['id']}"
    assert payload["id"].startswith("C20260504")
    again = {**fields, **common()}
    assert error_of(post(gp, COLLECT, again)) == "Duplicate trans_id"
    # uniqueness is per order type: the same trans_id may name a payout
    assert payload_of(post(gp, PAYOUT, payout_fields(trans_id=fields["trans_id"])))


def test_collect_trans_id_as_a_number_is_returned_as_its_text(gp: RunningSandbox) -> None:
    number = int(time.time_ns() % 10**12)
    payload = payload_of(post(gp, COLLECT, collect_fields(trans_id=number)))
    assert payload["trans_id"] == str(number)


def test_collect_vnd_bank_has_meta_and_a_qr_picture(gp: RunningSandbox) -> None:
    fields = collect_fields(channel="bank", currency="VND", amount="500000")
    payload = payload_of(post(gp, COLLECT, fields))
    assert payload["order_amount"] == "500000" and payload["cashier_type"] == 9
    meta = payload["meta"]
    assert list(meta) == [
        "account_no", "account_name", "account_org", "account_org_code", "remarks", "qr_url",
    ]  # fmt: skip
    assert len(meta["account_no"]) == 13 and meta["account_no"].isdigit()
    assert len(meta["remarks"]) == 8
    assert meta["qr_url"] == payload["url"] + "/qr.svg"
    picture = gp.client.get(meta["qr_url"])
    assert picture.status_code == 200
    assert picture.headers["content-type"].startswith("image/svg+xml")


def test_usdt_channel_forces_the_currency(gp: RunningSandbox) -> None:
    fields = collect_fields(channel="usdt.trc20", currency="PHP", amount="10.5")
    payload = payload_of(post(gp, COLLECT, fields))
    assert payload["currency"] == "USDT" and payload["order_amount"] == "10.50"
    payout = payload_of(post(gp, PAYOUT, payout_fields(channel="usdt.trc20", currency="thb")))
    assert payout["currency"] == "USDT"


def test_e429_prefix_is_rate_limited_and_creates_nothing(gp: RunningSandbox) -> None:
    fields = collect_fields(trans_id=unique("E429-"))
    answer = post(gp, COLLECT, fields)
    assert answer.status_code == 429
    assert answer.json() == {"code": 429, "errors": {"message": "Too Many Requests"}}
    query = {**common(), "id": fields["trans_id"]}
    assert error_of(get(gp, COLLECT, query)) == "Order not found"


def test_channel_not_enabled_for_the_merchant(gp: RunningSandbox) -> None:
    fields = collect_fields(mch_id=OTHER_MCH, channel="bank")
    answer = post(gp, COLLECT, fields, token=OTHER_TOKEN)
    assert error_of(answer) == "Insufficient channel permission: bank"


# -- collect.query / payout.query -------------------------------------------------------------


def test_collect_query_by_platform_id_and_by_trans_id(gp: RunningSandbox) -> None:
    fields = collect_fields(amount="12.3")
    created = payload_of(post(gp, COLLECT, fields))
    for wanted in (created["id"], fields["trans_id"]):
        payload = payload_of(get(gp, COLLECT, {**common(), "id": wanted}))
        assert list(payload) == [
            "id", "mch_id", "trans_id", "order_amount", "payed_amount", "channel", "currency",
            "status", "created_at", "payed_at", "sign",
        ]  # fmt: skip
        assert payload["id"] == created["id"] and payload["mch_id"] == MCH
        assert payload["order_amount"] == "12.30" and payload["payed_amount"] == "0.00"
        assert payload["status"] == 20 and payload["payed_at"] is None


@pytest.mark.parametrize("path", [COLLECT, PAYOUT])
def test_query_errors(gp: RunningSandbox, path: str) -> None:
    assert error_of(get(gp, path, common())) == "Missing id param"
    assert error_of(get(gp, path, {**common(), "id": ""})) == "Missing id param"
    assert error_of(get(gp, path, {**common(), "id": "C209901010001"})) == "Order not found"


def test_another_merchants_order_is_not_found(gp: RunningSandbox) -> None:
    fields = collect_fields()
    created = payload_of(post(gp, COLLECT, fields))
    for wanted in (created["id"], fields["trans_id"]):
        query = {**common(OTHER_MCH), "id": wanted}
        assert error_of(get(gp, COLLECT, query, token=OTHER_TOKEN)) == "Order not found"


def test_payout_query(gp: RunningSandbox) -> None:
    fields = payout_fields()
    created = payload_of(post(gp, PAYOUT, fields))
    payload = payload_of(get(gp, PAYOUT, {**common(), "id": fields["trans_id"]}))
    assert list(payload) == [
        "id", "trans_id", "mch_id", "channel", "currency", "order_amount", "account_no",
        "account_name", "account_org", "callback_url", "attachments", "status", "created_at",
        "sign",
    ]  # fmt: skip
    assert payload["id"] == created["id"] and payload["attachments"] == []
    assert payload["account_org"] is None and payload["status"] == 20


# -- payout.create --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"trans_id": ...}, "Missing trans_id param"),
        ({"channel": "alipay"}, "Insufficient channel permission: alipay"),
        ({"currency": ...}, "Missing currency param"),
        ({"currency": "JPY"}, "Unsupported currency: JPY"),
        ({"currency": "VND"}, "Invalid currency: channel gcash does not accept VND"),
        ({"amount": ...}, "Missing amount param"),
        ({"amount": "0"}, "Invalid amount: must be greater than 0"),
        ({"amount": "5.001"}, "Invalid amount: must be a positive decimal with at most 2 decimal "
                              "places"),
        ({"account_no": ...}, "Missing account_no param"),
        ({"account_no": "1" * 35}, "Invalid account_no: at most 34 characters"),
        (
            {"channel": "bank", "currency": "VND", "amount": "100000", "account_no": "ABCDEF",
             "account_org": "VCB", "account_org_code": "970436"},
            "Invalid account_no: must be alphanumeric and not letters only",
        ),
        (
            {"channel": "bank", "currency": "VND", "amount": "100000", "account_no": "12-34",
             "account_org": "VCB", "account_org_code": "970436"},
            "Invalid account_no: must be alphanumeric and not letters only",
        ),
        ({"account_name": ...}, "Missing account_name param"),
        ({"channel": "bank", "currency": "THB"}, "Missing account_org param"),
        (
            {"channel": "bank", "currency": "VND", "amount": "100000", "account_org": "VCB"},
            "Missing account_org_code param",
        ),
        ({"account_sub_org": 1}, "Invalid account_sub_org: must be a string"),
        ({"account_email": "not-an-email"}, "Invalid account_email: must be a valid email address"),
        ({"account_phone": []}, "Invalid account_phone: must be a string"),
        ({"callback_url": ...}, "Missing callback_url param"),
        ({"callback_url": "http://"}, "Invalid callback_url: must be a valid http(s) URL"),
        ({"amount": "0.50"}, "Withdrawal amount exceeds limit"),
        ({"amount": "600000.00"}, "Withdrawal amount exceeds limit"),
        ({"trans_id": "ELIMIT-1"}, "Withdrawal amount exceeds limit"),
        ({"trans_id": "EBAL-1"}, "Insufficient balance"),
        ({"trans_id": "EWALLET-1"}, "Wallet not found for currency PHP"),
        ({"trans_id": "EWALLET-2", "channel": "bank", "currency": "thb", "account_org": "K",
          "account_org_code": "004"}, "Wallet not found for currency THB"),
    ],
)  # fmt: skip
def test_payout_create_errors(gp: RunningSandbox, change: dict[str, Any], message: str) -> None:
    before = balance_of(gp, "PHP")
    assert error_of(post(gp, PAYOUT, payout_fields(**change))) == message
    assert balance_of(gp, "PHP") == before


def test_payout_optional_fields_for_the_philippines(gp: RunningSandbox) -> None:
    fields = payout_fields(account_email="juan@example.ph", account_phone="0917", remarks="r")
    assert payload_of(post(gp, PAYOUT, fields))["status"] == 20


def test_payout_debits_amount_and_fee_and_refuses_a_duplicate(gp: RunningSandbox) -> None:
    before = balance_of(gp, "THB")
    fields = payout_fields(
        channel="truemoney", currency="THB", amount="200.00", account_org="KBank",
        account_org_code="004",
    )  # fmt: skip
    payload = payload_of(post(gp, PAYOUT, fields))
    assert payload["id"].startswith("P20260504") and payload["account_org"] == "KBank"
    assert float(before) - float(balance_of(gp, "THB")) == pytest.approx(202.00)
    assert error_of(post(gp, PAYOUT, {**fields, **common()})) == "Duplicate trans_id"


def test_wallet_limit_and_balance_of_a_config_merchant(gp: RunningSandbox) -> None:
    other = {"mch_id": OTHER_MCH}
    vnd = payout_fields(
        **other, channel="mock", currency="VND", amount="100000", account_org="V",
        account_org_code="1",
    )  # fmt: skip
    answer = post(gp, PAYOUT, vnd, token=OTHER_TOKEN)
    assert error_of(answer) == "Wallet not found for currency VND"
    # 99.50 + 1 % fee (1.00 after rounding half-up) is above the 100.00 wallet
    answer = post(gp, PAYOUT, payout_fields(**other, amount="99.50"), token=OTHER_TOKEN)
    assert error_of(answer) == "Insufficient balance"
    query = {**common(OTHER_MCH), "currency": "vnd"}
    assert (
        error_of(get(gp, BALANCE, query, token=OTHER_TOKEN)) == "Wallet not found for currency VND"
    )
    assert balance_of(gp, "PHP", OTHER_MCH, OTHER_TOKEN) == "100"


# -- info / balance ---------------------------------------------------------------------------


def test_balance_errors(gp: RunningSandbox) -> None:
    assert error_of(get(gp, BALANCE, common())) == "Missing currency param"
    answer = get(gp, BALANCE, {**common(), "currency": "eur"})
    assert error_of(answer) == "Unsupported currency: eur"


def test_balance_accepts_any_case_and_has_no_trailing_zeros(gp: RunningSandbox) -> None:
    assert balance_of(gp, "vnd") == "10000000000"


def test_info_answers_common_errors(gp: RunningSandbox) -> None:
    assert error_of(get(gp, INFO, common(), token="wrong")) == "Invalid sign"
    assert error_of(get(gp, INFO, {**common(), "mch_id": "99999"})) == "Invalid mch_id"


# -- scenario answers -------------------------------------------------------------------------


def test_x_sandbox_code_forces_any_error_with_sandbox_placeholders(gp: RunningSandbox) -> None:
    headers = {"X-Sandbox-Code": "channel_permission"}
    answer = post(gp, COLLECT, collect_fields(), headers=headers)
    assert error_of(answer) == "Insufficient channel permission: sandbox"
    answer = get(gp, INFO, common(), headers={"X-Sandbox-Code": "wallet_not_found"})
    assert error_of(answer) == "Wallet not found for currency sandbox"
    answer = get(gp, INFO, common(), headers={"X-Sandbox-Code": "too_many_requests"})
    assert answer.status_code == 429
    answer = get(gp, INFO, common(), headers={"X-Sandbox-Code": "bogus"})
    assert error_of(answer) == "Invalid X-Sandbox-Code: bogus"
    answer = get(gp, INFO, common(), headers={"X-Sandbox-Code": "missing_param"})
    assert error_of(answer) == "Invalid X-Sandbox-Code: missing_param"


def test_x_sandbox_code_comes_after_field_validation(gp: RunningSandbox) -> None:
    headers = {"X-Sandbox-Code": "order_not_found"}
    answer = post(gp, COLLECT, collect_fields(amount="1.234"), headers=headers)
    assert error_of(answer).startswith("Invalid amount")


def test_scenario_errors_take_the_request_values(gp: RunningSandbox) -> None:
    text = (
        "name: gp-force\ngateway: goldenpay\nrules:\n"
        "  - when: {operation: payout.create}\n"
        "    respond: {error: [unsupported_currency, channel_permission, wallet_not_found]}\n"
    )
    assert gp.admin("POST", "scenarios", content=text).status_code == 201
    headers = {"X-Sandbox-Scenario": "gp-force"}
    messages = [
        error_of(post(gp, PAYOUT, payout_fields(currency="php"), headers=headers)) for _ in range(3)
    ]
    assert messages == [
        "Unsupported currency: PHP",
        "Insufficient channel permission: gcash",
        "Wallet not found for currency PHP",
    ]
    answer = get(gp, INFO, common(), headers={"X-Sandbox-Scenario": "nope"})
    assert error_of(answer) == "Invalid X-Sandbox-Scenario: nope"


def test_ids_follow_the_daily_sequence_and_reset_rewinds_it(db_flags: dict[str, str]) -> None:
    with run_sandbox({**db_flags, "clock": "manual", "clock_start": "2026-05-04T16:59:58Z"}) as sb:
        ids = [payload_of(post(sb, COLLECT, collect_fields()))["id"] for _ in range(2)]
        assert ids == ["C202605040001", "C202605040002"]
        assert payload_of(post(sb, PAYOUT, payout_fields()))["id"] == "P202605040001"
        sb.advance(2)  # midnight in +07:00: a new day, a new sequence
        assert payload_of(post(sb, COLLECT, collect_fields()))["id"] == "C202605050001"
        assert sb.admin("POST", "reset").status_code == 200
        assert payload_of(post(sb, COLLECT, collect_fields()))["id"] == "C202605050001"
