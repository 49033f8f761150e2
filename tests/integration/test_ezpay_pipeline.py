"""EzPay's request pipeline over the real server: envelope, merchant, IP, signature,
param, timestamp, country — each step's code, in order, with nothing stored on a rejection."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.ezpay import (
    DISABLED_APP_ID,
    FENCED_APP_ID,
    LIMITED_APP_ID,
    EzPayClient,
    orders_snapshot,
    payment,
    write_config,
)
from support.server import RunningSandbox, run_sandbox

from sandbox.signing.rsa import sign_param

pytestmark = pytest.mark.postgres

GENERATE = "/open-api/philippines/payment/generate"
BALANCE = "/open-api/account/balance"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    config = write_config(Path(tmp_path_factory.mktemp("ezpay")) / "config.yaml")
    with run_sandbox({"clock": "manual", "config": config}) as running:
        yield running


@pytest.fixture
def client(server: RunningSandbox) -> EzPayClient:
    return EzPayClient(server.client)


def post_raw(server: RunningSandbox, body: bytes, path: str = BALANCE) -> dict[str, object]:
    response = server.client.post(path, content=body)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    assert list(answer) == ["code", "message", "data"]
    return answer


def test_r1_balance_inquiry_succeeds(client: EzPayClient) -> None:
    answer = client.call(BALANCE, {"countryCode": "PH"})
    assert answer == {"code": 10000, "message": "Success", "data": {"balance": "1000000.00"}}


def test_the_prefix_serves_the_same_endpoints(client: EzPayClient) -> None:
    assert client.call("/ezpay" + BALANCE, {"countryCode": "PH"})["code"] == 10000


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "Request param error: body must be a JSON object"),
        (b"[1, 2]", "Request param error: body must be a JSON object"),
        (b"\xff\xfe", "Request param error: body must be a JSON object"),
        (b'{"sign": "x", "param": "{}"}', "Request param error: appId is required"),
        (
            b'{"appId": 5, "sign": "x", "param": "{}"}',
            "Request param error: appId must be a string",
        ),
        (b'{"appId": "a", "param": "{}"}', "Request param error: sign is required"),
        (b'{"appId": "a", "sign": "x"}', "Request param error: param is required"),
        (
            b'{"appId": "a", "sign": "x", "param": {"timestamp": 1}}',
            "Request param error: param must be a string containing JSON",
        ),
        (
            b'{"appId": "a", "appId": "b", "sign": "x", "param": "{}"}',
            "Request param error: body has a duplicate key appId",
        ),
    ],
)
def test_step_2_envelope_shape(server: RunningSandbox, body: bytes, message: str) -> None:
    answer = post_raw(server, body)
    assert answer == {"code": 21002, "message": message, "data": None}


def test_step_3_unknown_app_id(server: RunningSandbox, client: EzPayClient) -> None:
    body = client.envelope({"countryCode": "PH"})
    body["appId"] = "f" * 32
    answer = post_raw(server, json.dumps(body).encode())
    assert answer == {"code": 21003, "message": "Request appId error", "data": None}


def test_step_4_disabled_merchant(server: RunningSandbox) -> None:
    answer = EzPayClient(server.client, DISABLED_APP_ID).call(BALANCE, {"countryCode": "PH"})
    assert (answer["code"], answer["message"]) == (21004, "Merchant is unavailable")


def test_step_5_ip_outside_the_allow_list(server: RunningSandbox) -> None:
    forwarded = {"X-Forwarded-For": "10.1.2.3"}  # ignored: the peer address counts
    answer = EzPayClient(server.client, FENCED_APP_ID).call(
        BALANCE, {"countryCode": "PH"}, forwarded
    )
    assert (answer["code"], answer["message"]) == (21016, "Merchant ip forbidden")


def test_step_6_bad_signatures(server: RunningSandbox, client: EzPayClient) -> None:
    body = client.envelope({"countryCode": "PH"})
    tampered = {**body, "param": body["param"].replace("PH", "ID")}
    not_base64 = {**body, "sign": "***"}
    sha1 = {**body, "sign": sign_param(client.private_key, body["param"], algorithm="sha1")}
    for case in (tampered, not_base64, sha1):
        answer = post_raw(server, json.dumps(case).encode())
        assert answer == {"code": 21001, "message": "Request sign error", "data": None}
    wrapped = {**body, "sign": body["sign"][:100] + "\r\n " + body["sign"][100:]}
    assert post_raw(server, json.dumps(wrapped).encode())["code"] == 10000


def test_lenient_merchant_accepts_sha1_and_the_journal_says_so(server: RunningSandbox) -> None:
    client = EzPayClient(server.client, LIMITED_APP_ID)
    body = client.envelope({"countryCode": "PH"})
    body["sign"] = sign_param(client.private_key, body["param"], algorithm="sha1")
    assert post_raw(server, json.dumps(body).encode())["code"] == 10000
    entries = server.admin("GET", "requests", params={"gateway": "ezpay"}).json()["items"]
    assert entries[0]["signature"] == "ok (sha1)"
    assert entries[0]["merchant"] == LIMITED_APP_ID


def test_the_signed_bytes_are_the_decoded_param(
    server: RunningSandbox, client: EzPayClient
) -> None:
    text = json.dumps({"countryCode": "PH", "timestamp": int(time.time()), "note": 'ñ"x'})
    body = {"appId": client.app_id, "sign": sign_param(client.private_key, text), "param": text}
    escaped = json.dumps(body, ensure_ascii=True).encode()  # "\u00f1" and "\"" on the wire
    assert post_raw(server, escaped)["code"] == 10000


@pytest.mark.parametrize(
    ("param", "code", "message"),
    [
        ("[1,2]", 21002, "Request param error: param is not a JSON object"),
        ("not json", 21002, "Request param error: param is not a JSON object"),
        ('{"countryCode":"PH"}', 21002, "Request param error: timestamp is required"),
        (
            '{"countryCode":"PH","timestamp":null}',
            21002,
            "Request param error: timestamp is required",
        ),
        (
            '{"countryCode":"PH","timestamp":""}',
            21002,
            "Request param error: timestamp is required",
        ),
        ('{"countryCode":"PH","timestamp":"17e8"}', 21008, "Request timestamp error"),
        ('{"countryCode":"PH","timestamp":-1700000000}', 21008, "Request timestamp error"),
        ('{"countryCode":"PH","timestamp":1700000000.5}', 21008, "Request timestamp error"),
        ('{"countryCode":"PH","timestamp":true}', 21008, "Request timestamp error"),
        ('{"countryCode":"PH","timestamp":" 1700000000"}', 21008, "Request timestamp error"),
        ('{"countryCode":"PH","timestamp":1700000000}', 21009, "Request timestamp error"),
        ('{"countryCode":"PH","timestamp":"17000000000000"}', 21009, "Request timestamp error"),
        ('{"countryCode":"PH","timestamp":' + "9" * 5000 + "}", 21009, "Request timestamp error"),
    ],
)
def test_steps_7_to_10_param_and_timestamp(
    server: RunningSandbox, client: EzPayClient, param: str, code: int, message: str
) -> None:
    answer = client.call(BALANCE, param)
    assert answer == {"code": code, "message": message, "data": None}


@pytest.mark.parametrize("unit", ["s-number", "s-string", "ms-number", "ms-string"])
def test_timestamp_in_seconds_or_milliseconds(client: EzPayClient, unit: str) -> None:
    now = int(time.time())
    value: int | str = now if unit.startswith("s-") else now * 1000
    if unit.endswith("string"):
        value = str(value)
    answer = client.call(BALANCE, {"countryCode": "PH", "timestamp": value})
    assert answer["code"] == 10000


def test_timestamp_tolerance_null_accepts_old_stamps(server: RunningSandbox) -> None:
    client = EzPayClient(server.client, LIMITED_APP_ID)
    answer = client.call(BALANCE, {"countryCode": "PH", "timestamp": 1700000000})
    assert answer["code"] == 10000


@pytest.mark.parametrize(
    "path",
    [
        "/open-api/mars/payment/generate",
        "/open-api/russia/disbursement/transfer",
        "/open-api/malaysia/static/payment/generate",
        "/open-api/indonesia/static/code/cancel",
    ],
)
def test_step_11_country_without_the_service(client: EzPayClient, path: str) -> None:
    answer = client.call(path, payment("COUNTRY-1"))
    assert answer == {
        "code": 21017,
        "message": "Merchant has not opened this national service",
        "data": None,
    }


def test_step_11_country_not_opened_by_the_merchant(server: RunningSandbox) -> None:
    client = EzPayClient(server.client, LIMITED_APP_ID)
    answer = client.call("/open-api/thailand/payment/generate", payment("COUNTRY-2"))
    assert answer["code"] == 21017


def test_unknown_path_and_wrong_method(server: RunningSandbox) -> None:
    unknown = server.client.post("/open-api/philippines/nothing", json={})
    assert unknown.status_code == 404
    assert unknown.json() == {
        "code": 21002,
        "message": "Request param error: unknown endpoint /open-api/philippines/nothing",
        "data": None,
    }
    wrong = server.client.get(GENERATE)
    assert wrong.status_code == 405
    assert wrong.json()["code"] == 21002


def test_body_over_1_mib(server: RunningSandbox) -> None:
    response = server.client.post(GENERATE, content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.json() == {
        "code": 21002,
        "message": "Request param error: body larger than 1 MiB",
        "data": None,
    }


def test_every_request_is_journalled(server: RunningSandbox, client: EzPayClient) -> None:
    client.call(GENERATE, payment("E21014-JOURNAL"))
    entry = server.admin("GET", "requests", params={"gateway": "ezpay"}).json()["items"][0]
    assert entry["operation"] == "payment.create"
    assert entry["signature"] == "ok (sha256)"
    assert entry["note"].startswith("21014 Merchant balance insufficient")
    assert entry["scenario"] == "default"


# -- Hypothesis: arbitrary envelopes and param contents ------------------------------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["\ud800", "a\udfffb", "0" * 30, "\u0000", "9" * 19]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
_field_names = st.sampled_from(
    [
        "mchOrderId",
        "amount",
        "customerName",
        "channelCode",
        "notifyUrl",
        "redirectUrl",
        "email",
        "mobile",
        "remark",
        "idempotencyId",
        "payMethodCode",
        "transferCode",
        "accountNo",
        "accountName",
        "refundAmount",
        "originalTransactionId",
        "mchRefundOrderId",
        "refundCallbackUrl",
        "countryCode",
        "currency",
        "transDate",
        "transType",
        "expireSeconds",
    ]
)
_PATHS = [
    GENERATE,
    "/open-api/indonesia/disbursement/transfer",
    "/open-api/thailand/payment/generate",
    "/open-api/philippines/static/payment/generate",
    "/open-api/philippines/static/code/cancel",
    "/open-api/payment/refund",
    "/open-api/refund/payments",
    "/open-api/account/balance/v2",
    "/open-api/report/download",
    "/open-api/malaysia/disbursement/query",
]


def _check_envelope(response_status: int, body: bytes) -> None:
    assert response_status < 500
    answer = json.loads(body)
    assert list(answer) == ["code", "message", "data"]
    assert answer["code"] != 21000
    if answer["code"] != 10000:
        assert answer["data"] is None


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    path=st.sampled_from(_PATHS),
    fields=st.dictionaries(_field_names, _json_values, max_size=8),
    stamp=st.booleans(),
)
def test_arbitrary_signed_params_never_fail_or_store(
    server: RunningSandbox, path: str, fields: dict[str, object], stamp: bool
) -> None:
    client = EzPayClient(server.client)
    before = orders_snapshot(server)
    response = client.post(path, fields if stamp else json.dumps(fields))
    _check_envelope(response.status_code, response.content)
    if response.json()["code"] != 10000:
        assert orders_snapshot(server) == before


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    path=st.sampled_from(_PATHS),
    outer=st.one_of(
        st.binary(max_size=200),
        st.dictionaries(st.sampled_from(["appId", "sign", "param", "x"]), _json_values).map(
            lambda d: json.dumps(d).encode()
        ),
    ),
)
def test_arbitrary_envelopes_never_fail_or_store(
    server: RunningSandbox, path: str, outer: bytes
) -> None:
    before = orders_snapshot(server)
    response = server.client.post(path, content=outer)
    _check_envelope(response.status_code, response.content)
    assert response.json()["code"] != 10000
    assert orders_snapshot(server) == before
