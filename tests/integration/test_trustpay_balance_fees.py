"""TrustPay Balance (v4, v3) and Fee Query over HTTP."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, error, ok, post

pytestmark = pytest.mark.postgres

FEE_DATA = (
    b'{"fee_configs":[{"channel_id":5,"currency_id":"USD","business_type":0,"fee_rate":3.5,'
    b'"fee_fixed_amount":0.30,"fee_min_amount":0.00},{"channel_id":9,"currency_id":"INR",'
    b'"business_type":1,"fee_rate":1.5,"fee_fixed_amount":0.00,"fee_min_amount":0.00}],'
    b'"dispute_configs":[{"channel_id":5,"currency_id":"USD","chargeback_fee":15.00,'
    b'"refund_fee_rate":0,"refund_fee_fixed_amount":0.00}]}'
)


# The Fee Query page's example predates INR pay-ins: the demo merchant as it was then.
USD_PAYINS_ONLY = (
    "merchants:\n  trustpay:\n"
    "    - {merchant_id: 8820250900009, api_key: tp_test_0b1c2d3e4f5a6b7c,"
    " secret: tp_test_secret_9f8e7d6c,"
    " payin: {USD: {channel_id: 5, fee_rate: 3.5, fee_fixed: 0.30, fee_min: 0.00}}}\n"
)


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory, module_db_flags: dict[str, str]
) -> Iterator[RunningSandbox]:
    config = tmp_path_factory.mktemp("fees") / "sandbox.yaml"
    config.write_text(USD_PAYINS_ONLY)
    flags = {"clock": "manual", "clock_start": "2026-03-12T08:30:00Z", "config": str(config)}
    flags.update(module_db_flags)
    with run_sandbox(flags) as sandbox:
        yield sandbox


# -- Fee Query -------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/trustpay"])
def test_fee_overview_is_the_spec_example(running: RunningSandbox, prefix: str) -> None:
    response = post(running, prefix + "/v4/fee-overview", {})
    assert response.content == (
        b'{"code":880001,"message":"Fee overview retrieved successfully","data":' + FEE_DATA + b"}"
    )


def test_fee_overview_with_merchant_id(running: RunningSandbox) -> None:
    data = ok(
        post(running, "/v4/fee-overview", {"merchant_id": MERCHANT_ID}),
        "Fee overview retrieved successfully",
    )
    assert [c["currency_id"] for c in data["fee_configs"]] == ["USD", "INR"]
    assert error(post(running, "/v4/fee-overview", {"merchant_id": 1})) == (
        880011,
        "unauthorized",
    )
    assert error(post(running, "/v4/fee-overview", {"merchant_id": "12a"})) == (
        880002,
        "invalid field: merchant_id (integer)",
    )


def test_fee_overview_signature_is_required(running: RunningSandbox) -> None:
    assert error(post(running, "/v4/fee-overview", b'{"sign":""}')) == (880011, "unauthorized")
    assert error(post(running, "/v4/fee-overview", {}, api_key="nope")) == (
        880011,
        "unauthorized",
    )


def test_fee_overview_answers_a_forced_code(running: RunningSandbox) -> None:
    response = post(running, "/v4/fee-overview", {}, headers={"X-Sandbox-Code": "880007"})
    assert error(response) == (880007, "system_internal_error")


def test_get_is_refused_in_the_envelope(running: RunningSandbox) -> None:
    response = running.client.get("/v4/fee-overview", headers={"X-Api-Key": "x"})
    assert error(response) == (880002, "method not allowed: use POST")


# -- Balance ---------------------------------------------------------------------------------


def test_v4_balance_opening_values(running: RunningSandbox) -> None:
    response = post(running, "/v4/balance", {"currency_id": "USD"})
    assert response.content == (
        b'{"code":880001,"message":"success","data":'
        b'{"balance":10000.00,"frozen":0.00,"reserve":0.00}}'
    )
    data = ok(post(running, "/trustpay/v4/balance", {"currency_id": "INR"}))
    assert (data["balance"], data["frozen"], data["reserve"]) == ("1000000.00", "0.00", "0.00")


def test_v4_balance_errors(running: RunningSandbox) -> None:
    assert error(post(running, "/v4/balance", {})) == (880002, "missing field: currency_id")
    assert error(post(running, "/v4/balance", {"currency_id": "usd"})) == (
        880002,
        "invalid field: currency_id (3 uppercase letters)",
    )
    assert error(post(running, "/v4/balance", {"currency_id": 840})) == (
        880002,
        "invalid field: currency_id (string)",
    )
    assert error(post(running, "/v4/balance", {"currency_id": "EUR"})) == (
        880024,
        "no_channel_available",
    )
    assert error(post(running, "/v4/balance", {"currency_id": "USD", "merchant_id": 7})) == (
        880011,
        "unauthorized",
    )


def test_v4_balance_merchant_id_is_optional(running: RunningSandbox) -> None:
    data = ok(post(running, "/v4/balance", {"currency_id": "USD", "merchant_id": MERCHANT_ID}))
    assert data["balance"] == "10000.00"


def test_v3_balance_is_camel_case(running: RunningSandbox) -> None:
    data = ok(post(running, "/v3/balance", {"currencyId": "USD", "merchantId": MERCHANT_ID}))
    assert list(data) == ["balance", "frozen", "reserve"]
    assert error(post(running, "/v3/balance", {"currencyId": "USD"})) == (
        880002,
        "missing field: merchantId",
    )
    assert error(
        post(running, "/v3/balance", {"currency_id": "USD", "merchantId": MERCHANT_ID})
    ) == (
        880002,
        "missing field: currencyId",
    )
    assert error(
        post(running, "/v3/balance", {"currencyId": "JPY", "merchantId": MERCHANT_ID})
    ) == (
        880024,
        "no_channel_available",
    )


def test_balance_forced_code(running: RunningSandbox) -> None:
    response = post(
        running, "/v4/balance", {"currency_id": "USD"}, headers={"X-Sandbox-Code": "880013"}
    )
    assert error(response) == (880013, "internal_error")
    response = post(
        running, "/v4/balance", {"currency_id": "USD"}, headers={"X-Sandbox-Code": "nope"}
    )
    code, message = error(response)
    assert code == 880002 and "X-Sandbox-Code" in message


def test_requests_are_journaled(running: RunningSandbox) -> None:
    post(running, "/v4/balance", {"currency_id": "GBP"})
    entries = running.admin("GET", "requests", params={"gateway": "trustpay"}).json()["items"]
    entry = next(e for e in entries if e["operation"] == "balance")
    assert entry["signature"].startswith("ok")
    assert "880024" in entry["note"]


def test_v3_vector_request_byte_for_byte(running: RunningSandbox) -> None:
    # Spec.5 V3: the Balance request exactly as documented, with its digest.
    body = b'{"currency_id":"USD","sign":"f8dcedeafcf22554088e4749617d70c1"}'
    assert ok(post(running, "/v4/balance", body))["balance"] == "10000.00"
    upper = body.replace(b"f8dcedeafcf22554088e4749617d70c1", b"F8DCEDEAFCF22554088E4749617D70C1")
    assert error(post(running, "/v4/balance", upper)) == (880011, "unauthorized")  # strict


def test_fee_overview_signs_the_secret_alone(running: RunningSandbox) -> None:
    # No field to sign: the string is `secret=<secret>`.
    digest = hashlib.md5(b"secret=tp_test_secret_9f8e7d6c").hexdigest()
    body = b'{"sign":"' + digest.encode() + b'"}'
    ok(post(running, "/v4/fee-overview", body), "Fee overview retrieved successfully")
