"""TrustPay v2 payout over HTTP: flat camelCase answers, states,
money movements and type-1 camelCase callbacks on a real receiver, on the manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.receiver import Receiver, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import CODE_NAMES, MERCHANT_ID, SECRET, answer, post

from sandbox.signing.md5 import trustpay_verify
from sandbox.signing.values import parse_json

pytestmark = pytest.mark.postgres

PATH = "/v2/payout/create"


@pytest.fixture(scope="module")
def receiver(store_backend: str) -> Iterator[Receiver]:
    """One per store backend, so the two runs' callbacks never mix."""
    with run_receiver() as merchant_side:
        yield merchant_side


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {**module_db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    ) as sandbox:
        yield sandbox


def payout(receiver: Receiver, order_no: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "merchantId": MERCHANT_ID,
        "orderNo": order_no,
        "amount": "1000.00",
        "currency": "INR",
        "notifyUrl": receiver.url + "/trustpay/notify",
        "accountNo": "123456789012",
        "accountName": "Ravi Kumar",
        "ifsc": "HDFC0001234",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def inr(running: RunningSandbox) -> tuple[str, str]:
    data = answer(post(running, "/v4/balance", {"currency_id": "INR"}))["data"]
    return data["balance"], data["frozen"]


def callbacks_for(receiver: Receiver, order_no: str) -> list[dict[str, Any]]:
    found = []
    for body in receiver.bodies:
        parsed = parse_json(body)
        if parsed.get("orderNo") == order_no:
            assert trustpay_verify(parsed, SECRET).ok, body
            found.append(parsed)
    return found


def flat_error(response: Any) -> tuple[int, str]:
    envelope = answer(response)
    assert list(envelope) == ["code", "message"], envelope  # v2 errors: no data key
    return int(envelope["code"]), envelope["message"]


def test_payout_paid_after_five_seconds(running: RunningSandbox, receiver: Receiver) -> None:
    before = inr(running)
    response = post(running, PATH, payout(receiver, "PO-20260312-0001"))
    envelope = answer(response)
    platform = envelope["platformOrderNo"]
    assert response.content == (
        b'{"code":880001,"message":"success","merchantId":8820250900009,'
        b'"orderNo":"PO-20260312-0001","platformOrderNo":"' + platform.encode() + b'",'
        b'"amount":1000.00,"fee":15.00,"status":1}'
    )
    assert len(platform) == 24 and platform.isalnum()
    assert before == ("1000000.00", "0.00")
    assert inr(running) == ("999000.00", "1000.00")
    running.advance(4)
    assert callbacks_for(receiver, "PO-20260312-0001") == []
    running.advance(1)
    (callback,) = callbacks_for(receiver, "PO-20260312-0001")
    assert list(callback) == [
        "type", "merchantId", "orderNo", "orderAmount", "paidAmount", "balanceAmount", "fee",
        "payTime", "status", "reason", "sign",
    ]  # fmt: skip
    assert (callback["type"], callback["status"], callback["reason"]) == ("1", "2", "success")
    assert (callback["orderAmount"], callback["paidAmount"]) == ("1000.00", "1000.00")
    assert (callback["balanceAmount"], callback["fee"]) == ("985.00", "15.00")
    assert callback["payTime"] == "2026-03-12 08:30:05"
    assert inr(running) == ("999000.00", "0.00")
    order = running.admin("GET", f"orders/{platform}").json()
    assert (order["kind"], order["status"], order["amount"]) == ("payout", "2", "1000.00")


def test_v6_vector_is_verified(running: RunningSandbox) -> None:
    # Spec.5 V6, byte for byte with its digest: the signature is accepted, and the order
    # number is the one the first test used.
    body = (
        b'{"merchantId":8820250900009,"orderNo":"PO-20260312-0001","amount":"1000.00",'
        b'"currency":"INR","notifyUrl":"https://merchant.example.com/trustpay/notify",'
        b'"accountNo":"123456789012","accountName":"Ravi Kumar","ifsc":"HDFC0001234",'
        b'"sign":"eb3438b15fcc5b97570a16c639c4626a"}'
    )
    assert flat_error(post(running, PATH, body)) == (880012, "order_already_exists")
    assert flat_error(post(running, PATH, body.replace(b'"eb34', b'"eb35'))) == (
        880011,
        "unauthorized",
    )


def test_fail_prefix_returns_the_hold(running: RunningSandbox, receiver: Receiver) -> None:
    running.advance(5)  # settle earlier payouts
    before = inr(running)
    envelope = answer(post(running, PATH, payout(receiver, "FAIL-PO-1", amount="250.50")))
    assert envelope["status"] == "1" and envelope["fee"] == "3.76"
    assert inr(running)[1] != before[1]
    running.advance(5)
    (callback,) = callbacks_for(receiver, "FAIL-PO-1")
    assert list(callback) == [
        "type",
        "merchantId",
        "orderNo",
        "orderAmount",
        "status",
        "reason",
        "sign",
    ]
    assert (callback["status"], callback["reason"], callback["orderAmount"]) == (
        "3",
        "payout failed",
        "250.50",
    )
    assert inr(running) == before


def test_pend_prefix_stays_pending(running: RunningSandbox, receiver: Receiver) -> None:
    envelope = answer(post(running, PATH, payout(receiver, "PEND-PO-1", amount=100)))
    running.advance(3600)
    assert callbacks_for(receiver, "PEND-PO-1") == []
    order = running.admin("GET", f"orders/{envelope['platformOrderNo']}").json()
    assert order["status"] == "1"


def test_backend_success_is_processed(running: RunningSandbox, receiver: Receiver) -> None:
    envelope = answer(post(running, PATH, payout(receiver, "E880010-PO")))
    assert (int(envelope["code"]), envelope["message"]) == (880010, "backend_success")
    assert envelope["status"] == "1" and "data" not in envelope
    running.advance(5)
    assert callbacks_for(receiver, "E880010-PO")[0]["status"] == "2"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"merchantId": None}, "missing field: merchantId"),
        ({"merchantId": "abc"}, "invalid field: merchantId (integer)"),
        ({"orderNo": None}, "missing field: orderNo"),
        ({"orderNo": "has space"}, "invalid field: orderNo (no whitespace or control characters)"),
        ({"orderNo": "x" * 65}, "invalid field: orderNo (1-64 characters)"),
        ({"amount": None}, "missing field: amount"),
        ({"amount": "1000.001"}, "invalid field: amount (amount with at most 2 decimals)"),
        ({"amount": True}, "invalid field: amount (amount)"),
        ({"currency": None}, "missing field: currency"),
        ({"currency": "inr"}, "invalid field: currency (3 uppercase letters)"),
        ({"notifyUrl": None}, "missing field: notifyUrl"),
        (
            {"notifyUrl": "ftp://x"},
            "invalid field: notifyUrl (absolute http or https URL, at most 512 characters)",
        ),
        ({"accountNo": None}, "missing field: accountNo"),
        ({"accountNo": "12345678"}, "invalid field: accountNo (9-18 digits)"),
        ({"accountNo": 123456789012}, "invalid field: accountNo (string)"),
        ({"accountName": None}, "missing field: accountName"),
        ({"accountName": "x" * 101}, "invalid field: accountName (1-100 characters)"),
        ({"ifsc": None}, "missing field: ifsc"),
        ({"ifsc": "HDFC1001234"}, "invalid field: ifsc (expected AAAA0XXXXXX)"),
        ({"bankName": "b" * 101}, "invalid field: bankName (at most 100 characters)"),
    ],
)
def test_field_errors(
    running: RunningSandbox, receiver: Receiver, overrides: dict[str, Any], message: str
) -> None:
    before = inr(running)
    response = post(running, PATH, payout(receiver, "PO-BAD", **overrides))
    assert flat_error(response) == (880002, message)
    assert inr(running) == before


@pytest.mark.parametrize(
    ("order_no", "overrides", "code", "message"),
    [
        ("PO-DUP", {}, 880012, "order_already_exists"),
        ("PO-USD", {"currency": "USD"}, 880024, "no_channel_available"),
        ("PO-SMALL", {"amount": "0.99"}, 880015, "amount_rule_violation"),
        ("PO-BIG", {"amount": "100000.01"}, 880015, "amount_rule_violation"),
        ("PO-PERTX", {"amount": "50000.01"}, 880022, "transaction_amount_limit_exceeded"),
        ("E880005-PO", {}, 880005, "insufficient_balance"),
        ("E880023-PO", {}, 880023, "channel_quota_limit_exceeded"),
    ],
)
def test_business_errors_store_nothing(
    running: RunningSandbox,
    receiver: Receiver,
    order_no: str,
    overrides: dict[str, Any],
    code: int,
    message: str,
) -> None:
    if code == 880012:  # take the number here: under xdist no other test's order can be relied on
        post(running, PATH, payout(receiver, order_no))
    before = inr(running)
    orders_before = running.admin("GET", "orders", params={"gateway": "trustpay"}).json()["total"]
    response = post(running, PATH, payout(receiver, order_no, **overrides))
    assert flat_error(response) == (code, message)
    assert inr(running) == before
    orders = running.admin("GET", "orders", params={"gateway": "trustpay"}).json()["total"]
    assert orders == orders_before


def test_insufficient_balance_natural(tmp_path: Path, receiver: Receiver) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        "merchants:\n  trustpay:\n"
        "    - {merchant_id: 8820250900009, api_key: tp_test_0b1c2d3e4f5a6b7c,"
        " secret: tp_test_secret_9f8e7d6c, balances: {INR: {balance: 500.00}}}\n"
    )
    with run_sandbox({"clock": "manual", "config": str(config)}) as small:
        response = post(small, PATH, payout(receiver, "PO-TOO-MUCH", amount="500.01"))
        assert flat_error(response) == (880005, "insufficient_balance")
        assert int(answer(post(small, PATH, payout(receiver, "PO-ALL", amount="500")))["code"]) == (
            880001
        )
        assert inr(small) == ("0.00", "500.00")


def test_served_under_the_gateway_prefix(running: RunningSandbox, receiver: Receiver) -> None:
    envelope = answer(post(running, "/trustpay" + PATH, payout(receiver, "PO-PREFIX")))
    assert int(envelope["code"]) == 880001


FORCED = [(code, name) for code, name in CODE_NAMES.items() if code != 880010]


@pytest.mark.parametrize(("code", "message"), FORCED)
def test_every_prefix_is_answered_and_stores_nothing(
    running: RunningSandbox, receiver: Receiver, code: int, message: str
) -> None:
    before = inr(running)
    response = post(running, PATH, payout(receiver, f"E{code}-PO-SWEEP"))
    assert flat_error(response) == (code, message)
    assert inr(running) == before
    found = running.admin("GET", "orders", params={"order": f"E{code}-PO-SWEEP"}).json()
    assert found["total"] == 0


def test_gateway_down_answers_502_and_stores_nothing(
    running: RunningSandbox, receiver: Receiver
) -> None:
    before = inr(running)
    response = post(
        running,
        PATH,
        payout(receiver, "PO-DOWN"),
        headers={"X-Sandbox-Scenario": "gateway-down"},
    )
    assert (response.status_code, response.text) == (502, "Bad Gateway")
    assert inr(running) == before
    assert running.admin("GET", "orders", params={"order": "PO-DOWN"}).json()["total"] == 0


def test_connection_drop_stores_nothing(running: RunningSandbox, receiver: Receiver) -> None:
    before = inr(running)
    with pytest.raises(httpx.TransportError):
        post(
            running,
            PATH,
            payout(receiver, "PO-DROP"),
            headers={"X-Sandbox-Scenario": "connection-drop"},
        )
    assert inr(running) == before
    assert running.admin("GET", "orders", params={"order": "PO-DROP"}).json()["total"] == 0
