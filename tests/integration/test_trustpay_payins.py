"""TrustPay pay-ins over HTTP (the pay-in endpoints, their callbacks and statuses of
docs/gateways/trustpay.md): card and cashier,
v4 and v3, test cards, prefixes, natural limits, settlement, expiry, callbacks on a real receiver,
all on the manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, SECRET, error, num, ok, post

from sandbox.signing.md5 import trustpay_sign, trustpay_verify
from sandbox.signing.values import compact_json, parse_json

pytestmark = pytest.mark.postgres

CARD = "/v4/payin/create/card"
CASHIER = "/v4/payin/create/order"
V3_SYNC = "/v3/payin/create/card/sync"
V3_ASYNC = "/v3/payin/create/card/async"
V3_CASHIER = "/v3/payin/create/order"
START = "2026-03-12T08:30:00Z"


@pytest.fixture(scope="module")
def receiver(store_backend: str) -> Iterator[Receiver]:
    """One per store backend, so the two runs' callbacks never mix."""
    with run_receiver(Reply(200, b"{}")) as merchant_side:
        yield merchant_side


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox({**module_db_flags, "clock": "manual", "clock_start": START}) as sandbox:
        yield sandbox


def notify(receiver: Receiver) -> str:
    return receiver.url + "/trustpay/notify"


def card_body(receiver: Receiver, order_no: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "merchant_id": num(MERCHANT_ID),
        "order_no": order_no,
        "order_amount": num("20"),
        "currency": "USD",
        "notify_url": notify(receiver),
        "card_number": "4111111111111111",
        "card_expiry": "2028-09",
        "card_cvv": "123",
        "card_holder_first_name": "Test",
        "card_holder_last_name": "User",
        "billing_country": "GB",
        "billing_city": "London",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def v3_card_body(receiver: Receiver, order_no: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "merchantId": num(MERCHANT_ID),
        "orderNo": order_no,
        "orderAmount": num("20"),
        "currency": "USD",
        "cardNumber": "4242424242424242",
        "cardExpiry": "2028-09",
        "cardCVV": "123",
        "cardHolderName": "Test User",
        "notifyUrl": notify(receiver),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def cashier_body(receiver: Receiver, order_no: str, amount: str = "5.00", **extra: Any) -> Any:
    body = {
        "merchant_id": num(MERCHANT_ID),
        "order_no": order_no,
        "order_amount": num(amount),
        "currency": "USD",
        "notify_url": notify(receiver),
    }
    return {**body, **extra}


def callbacks_for(receiver: Receiver, order_no: str) -> list[dict[str, Any]]:
    found = []
    for body in receiver.bodies:
        parsed = parse_json(body)
        if order_no in (parsed.get("order_no"), parsed.get("orderNo")):
            assert trustpay_verify(parsed, SECRET).ok, body
            found.append(parsed)
    return found


def raw_callbacks(receiver: Receiver, order_no: str) -> list[bytes]:
    return [b for b in receiver.bodies if f'"{order_no}"'.encode() in b]


def query(running: RunningSandbox, order_no: str, path: str = "/v4/query/order") -> Any:
    if path.startswith("/v3"):
        return ok(post(running, path, {"merchantId": num(MERCHANT_ID), "orderNo": order_no}))
    return ok(post(running, path, {"order_no": order_no}))


def usd_balance(running: RunningSandbox) -> Decimal:
    return Decimal(ok(post(running, "/v4/balance", {"currency_id": "USD"}))["balance"])


def orders_total(running: RunningSandbox) -> int:
    total: int = running.admin("GET", "orders", params={"gateway": "trustpay"}).json()["total"]
    return total


# -- v4 card -------------------------------------------------------------------------------


def test_card_success_v2_vector_response_and_v7_shaped_callback(
    running: RunningSandbox, receiver: Receiver
) -> None:
    body = card_body(
        receiver,
        "ORD-20260312-0002",
        billing_postal_code="SW1A 1AA",
        email="",
        phone=None,
        notify_url="https://merchant.example.com/trustpay/notify",
    )
    # signing vector V2 (tests/unit/test_signing_trustpay.py): `email: ""` and `phone: null` are
    # skipped in the string to sign
    assert trustpay_sign(body, SECRET) == "02e442efa007ea6b9977bb4ba7a035b6"
    data = ok(post(running, CARD, body))
    assert list(data) == [
        "merchant_id",
        "order_no",
        "platform_order_no",
        "currency",
        "order_amount",
        "paid_amount",
        "refund_amount",
        "fee",
        "status",
        "reason",
    ]
    assert (data["order_amount"], data["paid_amount"], data["fee"]) == ("20.00", "20.00", "1.00")
    assert (data["refund_amount"], data["status"], data["reason"]) == ("0.00", "5", "success")
    assert len(data["platform_order_no"]) == 24 and data["platform_order_no"].isalnum()

    running.advance(0)
    body = card_body(receiver, "CARD-OK-1")
    ok(post(running, CARD, body))
    running.advance(0)
    [raw] = raw_callbacks(receiver, "CARD-OK-1")
    assert raw == (
        b'{"type":0,"merchant_id":8820250900009,"order_no":"CARD-OK-1","order_amount":20.00,'
        b'"paid_amount":20.00,"balance_amount":19.00,"fee":1.00,'
        b'"pay_time":"2026-03-12 08:30:00","status":5,"reason":"success","sign":"'
        + trustpay_sign(parse_json(raw), SECRET).encode()
        + b'"}'
    )
    [received] = [r for r in receiver.requests if r.body == raw]
    assert received.headers["content-type"] == "application/json"
    assert received.headers["user-agent"].startswith("TrustPay-Sandbox/")
    assert received.headers["x-sandbox-callback-id"].startswith("cb_")
    view = query(running, "CARD-OK-1")
    assert (view["notify_status"], view["notify_time"]) == ("2", "2026-03-12T08:30:00.000000Z")


@pytest.mark.parametrize("number", ["4111111111111111", "4242424242424242", "5555555555554444"])
def test_success_test_cards(running: RunningSandbox, receiver: Receiver, number: str) -> None:
    order_no = f"OK-{number}"
    assert (
        ok(post(running, CARD, card_body(receiver, order_no, card_number=number)))["status"] == "5"
    )
    running.advance(0)
    assert [c["status"] for c in callbacks_for(receiver, order_no)] == ["5"]


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("4000000000000002", "card declined"),
        ("4000000000009995", "insufficient funds"),
        ("4000000000000069", "expired card"),
    ],
)
def test_declining_test_cards(
    running: RunningSandbox, receiver: Receiver, number: str, reason: str
) -> None:
    order_no = f"NO-{number}"
    data = ok(post(running, CARD, card_body(receiver, order_no, card_number=number)))
    assert (data["status"], data["reason"], data["paid_amount"], data["fee"]) == (
        "3",
        reason,
        "0.00",
        "0.00",
    )
    running.advance(0)
    [callback] = callbacks_for(receiver, order_no)
    assert list(callback) == [
        "type",
        "merchant_id",
        "order_no",
        "order_amount",
        "status",
        "reason",
        "sign",
    ]
    assert (callback["status"], callback["reason"]) == ("3", reason)


def test_all_channels_failed_card_v4_and_v3(running: RunningSandbox, receiver: Receiver) -> None:
    before = orders_total(running)
    body = card_body(receiver, "ACF-1", card_number="4000000000000119")
    assert error(post(running, CARD, body)) == (880014, "all_channels_failed")
    data = ok(
        post(running, V3_SYNC, v3_card_body(receiver, "ACF-2", cardNumber="4000000000000119"))
    )
    assert data == {
        "merchantId": str(MERCHANT_ID),
        "orderNo": "ACF-2",
        "platformOrderNo": "",
        "currency": "USD",
        "orderAmount": "20.00",
        "paidAmount": "0.00",
        "refundAmount": "0.00",
        "fee": "0.00",
        "status": "3",
        "reason": "all channels failed: channel[5]: card payin failed: issuer unavailable",
    }
    running.advance(0)
    assert callbacks_for(receiver, "ACF-1") == [] and callbacks_for(receiver, "ACF-2") == []
    assert error(post(running, "/v4/query/order", {"order_no": "ACF-1"})) == (
        880002,
        "order not found",
    )
    kinds = running.admin("GET", "orders", params={"gateway": "trustpay", "kind": "payin"})
    assert all(o["merchant_order_id"] not in ("ACF-1", "ACF-2") for o in kinds.json()["items"])
    assert orders_total(running) == before + 2  # two card attempts, kept for rule 8 only
    # the third 880014 attempt with the card, then the limit (rule 8)
    assert error(post(running, CARD, card_body(receiver, "ACF-3", card_number="4000000000000119")))
    fourth = card_body(receiver, "ACF-4", card_number="4000000000000119")
    assert error(post(running, CARD, fourth)) == (880018, "card_failure_limit_exceeded")


def test_three_declines_then_card_failure_limit(receiver: Receiver) -> None:
    number = "4000000000000002"
    with run_sandbox({"clock": "manual", "clock_start": START}) as fresh:
        for index in range(3):
            body = card_body(receiver, f"LIM-{index}", card_number=number)
            assert ok(post(fresh, CARD, body))["status"] == "3"
        fourth = card_body(receiver, "LIM-3", card_number=number)
        assert error(post(fresh, CARD, fourth)) == (880018, "card_failure_limit_exceeded")
        # another card is unaffected; 24 h later the failures no longer count
        assert ok(post(fresh, CARD, card_body(receiver, "LIM-4")))["status"] == "5"
        fresh.advance(24 * 3600 + 1)
        assert ok(post(fresh, CARD, fourth))["status"] == "3"


def test_three_d_secure_cards(running: RunningSandbox, receiver: Receiver) -> None:
    cases = {
        "TDS-OK": "4000000000003220",
        "TDS-FAIL": "4000000000003238",
        "TDS-GONE": "4000000000003063",
    }
    for order_no, number in cases.items():
        data = ok(post(running, CARD, card_body(receiver, order_no, card_number=number)))
        assert (data["status"], data["reason"]) == ("1", "authentication pending")
        assert (data["paid_amount"], data["fee"]) == ("0.00", "0.00")
    running.advance(0)
    assert all(callbacks_for(receiver, o) == [] for o in cases)
    running.advance(10)
    [paid] = callbacks_for(receiver, "TDS-OK")
    assert paid["status"] == "5"
    [failed] = callbacks_for(receiver, "TDS-FAIL")
    assert (failed["status"], failed["reason"]) == ("3", "3-D Secure authentication failed")
    assert callbacks_for(receiver, "TDS-GONE") == []
    running.advance(30 * 60)
    [gone] = callbacks_for(receiver, "TDS-GONE")
    assert (gone["status"], gone["reason"]) == ("4", "order timeout")
    assert query(running, "TDS-GONE")["status"] == "4"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # (the docs' example numbers 4111111111111117/…18 are accepted)
        ({"card_number": "4111111111111112"}, "invalid card number"),
        ({"card_number": "4111111111111113"}, "invalid card number"),
        ({"card_number": "41111111111"}, "invalid card number"),
        ({"card_number": num("4111111111111111")}, "invalid field: card_number (string)"),
        ({"card_expiry": "2028-13"}, "invalid field: card_expiry (expected YYYY-MM)"),
        ({"card_expiry": "09/28"}, "invalid field: card_expiry (expected YYYY-MM)"),
        ({"card_expiry": "2026-02"}, "invalid field: card_expiry (card expired)"),
        ({"card_cvv": "12"}, "invalid field: card_cvv (3-4 digits)"),
        ({"card_cvv": ...}, "missing field: card_cvv"),
        ({"card_holder_first_name": ""}, "missing field: card_holder_first_name"),
        (
            {"card_holder_last_name": "x" * 65},
            "invalid field: card_holder_last_name (1-64 characters)",
        ),
        # (billing_country may be left out: the docs' example has none)
        ({"billing_country": "XX"}, "invalid field: billing_country (ISO 3166-1 alpha-2 code)"),
        ({"billing_country": "US"}, "missing field: billing_state"),
        (
            {"billing_country": "US", "billing_state": "ZZ"},
            "invalid field: billing_state (a US state code)",
        ),
        (
            {"billing_country": "CA", "billing_state": "TX"},
            "invalid field: billing_state (a Canadian province code)",
        ),
        (
            {"billing_postal_code": "1" * 17},
            "invalid field: billing_postal_code (at most 16 characters)",
        ),
        ({"email": "not-an-email"}, "invalid field: email (e-mail address)"),
        ({"phone": "call me"}, "invalid field: phone (digits, spaces, + - ( ))"),
    ],
)
def test_card_field_errors(
    running: RunningSandbox, receiver: Receiver, overrides: dict[str, Any], message: str
) -> None:
    before = orders_total(running)
    body = card_body(receiver, "FIELDS-1", **overrides)
    assert error(post(running, CARD, body)) == (880002, message)
    assert orders_total(running) == before


def test_billing_state_accepted_for_us_and_ca_and_free_elsewhere(
    running: RunningSandbox, receiver: Receiver
) -> None:
    for order_no, country, state in (
        ("ST-1", "US", "DC"),
        ("ST-2", "CA", "QC"),
        ("ST-3", "GB", "Kent"),
    ):
        body = card_body(receiver, order_no, billing_country=country, billing_state=state)
        assert ok(post(running, CARD, body))["status"] == "5"


def test_fail_and_pend_prefixes_on_card(running: RunningSandbox, receiver: Receiver) -> None:
    data = ok(post(running, CARD, card_body(receiver, "FAIL-C1", card_number="5555555555554444")))
    assert (data["status"], data["reason"]) == ("3", "payment failed")
    pend = ok(post(running, CARD, card_body(receiver, "PEND-C1")))
    assert pend["status"] == "1"
    running.advance(3600)
    assert query(running, "PEND-C1")["status"] == "1"
    assert [c["status"] for c in callbacks_for(receiver, "FAIL-C1")] == ["3"]


# -- v3 card --------------------------------------------------------------------------------


def test_v3_sync_v5_vector_camel_response_and_callback(
    running: RunningSandbox, receiver: Receiver
) -> None:
    body = v3_card_body(
        receiver,
        "ORD-20260312-0004",
        notifyUrl="https://merchant.example.com/trustpay/notify",
    )
    assert trustpay_sign(body, SECRET) == "09a2f9919d8749b735148902b40a38fb"
    data = ok(post(running, V3_SYNC, body))
    assert list(data) == [
        "merchantId",
        "orderNo",
        "platformOrderNo",
        "currency",
        "orderAmount",
        "paidAmount",
        "refundAmount",
        "fee",
        "status",
        "reason",
    ]
    assert (data["status"], data["paidAmount"], data["fee"]) == ("5", "20.00", "1.00")
    ok(post(running, V3_SYNC, v3_card_body(receiver, "V3-SYNC-1")))
    running.advance(0)
    [callback] = callbacks_for(receiver, "V3-SYNC-1")
    assert list(callback) == [
        "type",
        "merchantId",
        "orderNo",
        "orderAmount",
        "paidAmount",
        "balanceAmount",
        "fee",
        "payTime",
        "status",
        "reason",
        "sign",
    ]


def test_v3_billing_optional_but_state_checked(running: RunningSandbox, receiver: Receiver) -> None:
    body = v3_card_body(receiver, "V3-B1", billingCountry="US")
    assert error(post(running, V3_SYNC, body)) == (880002, "missing field: billingState")
    body = v3_card_body(receiver, "V3-B1", cardCVV="1")
    assert error(post(running, V3_SYNC, body)) == (880002, "invalid field: cardCVV (3-4 digits)")
    body = v3_card_body(receiver, "V3-B1", merchantId=...)
    assert error(post(running, V3_SYNC, body)) == (880002, "missing field: merchantId")


def test_v3_async_answers_pending_then_calls_back_after_two_seconds(
    running: RunningSandbox, receiver: Receiver
) -> None:
    data = ok(post(running, V3_ASYNC, v3_card_body(receiver, "V3-ASYNC-1")))
    assert data["status"] == "1"
    failed = ok(
        post(running, V3_ASYNC, v3_card_body(receiver, "V3-ASYNC-2", cardNumber="4000000000009995"))
    )
    assert failed["status"] == "1"
    running.advance(1)
    assert callbacks_for(receiver, "V3-ASYNC-1") == []
    running.advance(1)
    [paid] = callbacks_for(receiver, "V3-ASYNC-1")
    assert paid["status"] == "5"
    [declined] = callbacks_for(receiver, "V3-ASYNC-2")
    assert (declined["status"], declined["reason"]) == ("3", "insufficient funds")
    view = query(running, "V3-ASYNC-1", "/v3/query/order")
    assert (view["status"], view["notifyStatus"]) == ("5", "2")


# -- cashier --------------------------------------------------------------------------------


def test_cashier_v4_and_v3_shapes(running: RunningSandbox, receiver: Receiver) -> None:
    data = ok(post(running, CASHIER, cashier_body(receiver, "CSH-1")))
    assert list(data) == [
        "merchant_id",
        "order_no",
        "platform_order_no",
        "currency",
        "amount",
        "fee",
        "pay_url",
    ]
    assert (data["amount"], data["fee"]) == ("5.00", "0.48")
    assert data["pay_url"] == f"{running.url}/_sandbox/pay/trustpay/{data['platform_order_no']}"
    v3 = {
        "merchantId": num(MERCHANT_ID),
        "orderNo": "CSH-V3-1",
        "orderAmount": num("20.00"),
        "currency": "USD",
        "notifyUrl": notify(receiver),
    }
    data3 = ok(post(running, V3_CASHIER, v3))
    assert list(data3) == [
        "merchantId",
        "orderNo",
        "platformOrderNo",
        "currency",
        "amount",
        "fee",
        "payUrl",
    ]
    assert (data3["amount"], data3["fee"]) == ("20.00", "1.00")


def test_cashier_expires_after_30_minutes(running: RunningSandbox, receiver: Receiver) -> None:
    ok(post(running, CASHIER, cashier_body(receiver, "EXP-1")))
    ok(post(running, CASHIER, cashier_body(receiver, "PEND-EXP-1")))
    view = query(running, "EXP-1")
    assert (view["status"], view["fee"], view["reason"], view["notify_time"]) == (
        "1",
        "0.48",
        "",
        None,
    )
    running.advance(29 * 60)
    assert query(running, "EXP-1")["status"] == "1"
    running.advance(60)
    [callback] = callbacks_for(receiver, "EXP-1")
    assert (callback["status"], callback["reason"]) == ("4", "order timeout")
    view = query(running, "EXP-1")
    assert (view["status"], view["fee"], view["reason"]) == ("4", "0.00", "order timeout")
    assert query(running, "PEND-EXP-1")["status"] == "1"  # PEND-: no expiry


def test_cashier_fail_prefix_after_five_seconds(
    running: RunningSandbox, receiver: Receiver
) -> None:
    ok(post(running, CASHIER, cashier_body(receiver, "FAIL-CSH-1")))
    running.advance(4)
    assert callbacks_for(receiver, "FAIL-CSH-1") == []
    running.advance(1)
    [callback] = callbacks_for(receiver, "FAIL-CSH-1")
    assert (callback["status"], callback["reason"]) == ("3", "payment failed")


def test_settlement_after_one_day_credits_the_balance(
    running: RunningSandbox, receiver: Receiver
) -> None:
    before = usd_balance(running)
    ok(post(running, CARD, card_body(receiver, "SETTLE-1")))
    running.advance(0)
    assert query(running, "SETTLE-1")["status"] == "5"
    running.advance(24 * 3600 - 1)
    assert query(running, "SETTLE-1")["status"] == "5"
    credited = usd_balance(running) - before
    running.advance(1)
    view = query(running, "SETTLE-1")
    assert view["status"] == "6"
    # this order's 19.00 (and any earlier order settling in the same window) reached the balance
    assert usd_balance(running) - before - credited == Decimal("19.00")
    assert [c["status"] for c in callbacks_for(receiver, "SETTLE-1")] == ["5"]  # no 6 callback


# -- prefixes and natural limits ------------------------------------------------------------

CODES = [c for c in range(880002, 880025) if c not in (880010,)]
NAMES = {
    880002: "bad_request",
    880003: "database_error",
    880004: "remote_service_error",
    880005: "insufficient_balance",
    880006: "invalid_transaction_type",
    880007: "system_internal_error",
    880008: "order_processing_failed",
    880009: "decrease_payout_amount_failed",
    880011: "unauthorized",
    880012: "order_already_exists",
    880013: "internal_error",
    880014: "all_channels_failed",
    880015: "amount_rule_violation",
    880016: "channel_configuration_error",
    880017: "user_risk_control_failed",
    880018: "card_failure_limit_exceeded",
    880019: "account_limit_exceeded",
    880020: "daily_amount_limit_exceeded",
    880021: "daily_transaction_count_limit_exceeded",
    880022: "transaction_amount_limit_exceeded",
    880023: "channel_quota_limit_exceeded",
    880024: "no_channel_available",
}


@pytest.mark.parametrize("code", CODES)
def test_error_prefixes_answer_and_store_nothing(
    running: RunningSandbox, receiver: Receiver, code: int
) -> None:
    before = orders_total(running)
    order_no = f"E{code}-1"
    assert error(post(running, CASHIER, cashier_body(receiver, order_no))) == (code, NAMES[code])
    assert error(post(running, CARD, card_body(receiver, order_no))) == (code, NAMES[code])
    assert orders_total(running) == before


def test_x_sandbox_code_header(running: RunningSandbox, receiver: Receiver) -> None:
    response = post(
        running,
        CASHIER,
        cashier_body(receiver, "HDR-OK-1"),
        headers={"X-Sandbox-Code": "no_channel_available"},
    )
    assert error(response) == (880024, "no_channel_available")


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        ("0.99", "USD", 880015),
        ("100000.01", "USD", 880015),
        ("0", "USD", 880015),
        ("-5.00", "USD", 880015),
        ("50000.01", "USD", 880022),
        ("20.00", "GBP", 880024),  # INR is enabled for pay-ins
        ("20.00", "EUR", 880024),
    ],
)
def test_natural_limits(
    running: RunningSandbox, receiver: Receiver, amount: str, currency: str, code: int
) -> None:
    body = cashier_body(receiver, f"LIMIT-{amount}-{currency}", amount, currency=currency)
    assert error(post(running, CASHIER, body)) == (code, NAMES[code])
    card = card_body(receiver, f"LIMIT-{amount}", order_amount=num(amount), currency=currency)
    assert error(post(running, CARD, card)) == (code, NAMES[code])


def test_duplicate_order_no(running: RunningSandbox, receiver: Receiver) -> None:
    ok(post(running, CASHIER, cashier_body(receiver, "DUP-1")))
    assert error(post(running, CASHIER, cashier_body(receiver, "DUP-1"))) == (
        880012,
        "order_already_exists",
    )
    assert error(post(running, CARD, card_body(receiver, "DUP-1"))) == (
        880012,
        "order_already_exists",
    )


def test_daily_amount_limit_on_the_eleventh_50000(receiver: Receiver) -> None:
    with run_sandbox({"clock": "manual", "clock_start": START}) as fresh:
        for index in range(10):
            ok(post(fresh, CASHIER, cashier_body(receiver, f"BIG-{index}", "50000.00")))
        eleventh = cashier_body(receiver, "BIG-10", "50000.00")
        assert error(post(fresh, CASHIER, eleventh)) == (880020, "daily_amount_limit_exceeded")
        # an expired order no longer counts; nor do yesterday's pay-ins tomorrow
        fresh.advance(30 * 60)
        assert ok(post(fresh, CASHIER, eleventh))
        fresh.advance(24 * 3600)
        assert ok(post(fresh, CASHIER, cashier_body(receiver, "BIG-11", "50000.00")))


def test_daily_count_and_monthly_limits_from_config(tmp_path: Path, receiver: Receiver) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        "merchants:\n  trustpay:\n    - merchant_id: 8820250900009\n"
        "      api_key: tp_test_0b1c2d3e4f5a6b7c\n      secret: tp_test_secret_9f8e7d6c\n"
        "      callback_amount_format: trimmed\n"
        "      limits: {daily_count: 2, monthly_amount: '100.00'}\n"
    )
    with run_sandbox({"clock": "manual", "clock_start": START, "config": str(config)}) as small:
        ok(post(small, CASHIER, cashier_body(receiver, "PEND-CNT-1", "40.00")))
        ok(post(small, CARD, card_body(receiver, "CNT-2", order_amount=num("4.50"))))
        third = cashier_body(receiver, "CNT-3", "1.00")
        assert error(post(small, CASHIER, third)) == (880021, NAMES[880021])
        small.advance(24 * 3600)
        over = cashier_body(receiver, "CNT-4", "56.00")
        assert error(post(small, CASHIER, over)) == (880019, NAMES[880019])
        ok(post(small, CASHIER, cashier_body(receiver, "CNT-5", "55.50")))
        # callback_amount_format: trimmed
        [raw] = raw_callbacks(receiver, "CNT-2")
        assert b'"order_amount":4.5,' in raw and b'"fee":0.46,' in raw
        assert trustpay_verify(parse_json(raw), SECRET).ok


def test_risk_control_deny_and_allow(tmp_path: Path, receiver: Receiver) -> None:
    with run_receiver(Reply(403, b"deny")) as deny, run_receiver(Reply(200, b"allow\n")) as allow:
        config = tmp_path / "sandbox.yaml"
        config.write_text(
            "merchants:\n  trustpay:\n    - merchant_id: 8820250900009\n"
            "      api_key: tp_test_0b1c2d3e4f5a6b7c\n      secret: tp_test_secret_9f8e7d6c\n"
            f"      risk_control_url: {deny.url}/risk\n"
            "    - merchant_id: 8820250900010\n      api_key: tp_second\n      secret: s2\n"
            f"      risk_control_url: {allow.url}/risk\n"
        )
        with run_sandbox({"clock": "manual", "config": str(config)}) as risky:
            before = orders_total(risky)
            denied = post(risky, CARD, card_body(receiver, "RISK-1"))
            assert error(denied) == (880017, "user_risk_control_failed")
            assert orders_total(risky) == before
            [asked] = deny.requests
            sent = parse_json(asked.body)
            assert list(sent) == ["orderId", "cardPrefix", "cardSuffix", "cardHolderName"]
            assert (sent["cardPrefix"], sent["cardSuffix"], sent["cardHolderName"]) == (
                "411111",
                "1111",
                "Test User",
            )
            note = risky.admin("GET", "requests", params={"page_size": 1}).json()["items"][0]
            assert "deny" in note["note"] and "880017" in note["note"]
            # cashier pay-ins never call risk control
            assert ok(post(risky, CASHIER, cashier_body(receiver, "RISK-2")))
            second = card_body(receiver, "RISK-3", merchant_id=num(8820250900010))
            raw = compact_json({**second, "sign": trustpay_sign(second, "s2")}).encode()
            assert ok(post(risky, CARD, raw, api_key="tp_second"))["status"] == "5"
            assert len(allow.requests) == 1


def test_orders_are_scoped_by_merchant(tmp_path: Path, receiver: Receiver) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        "merchants:\n  trustpay:\n    - merchant_id: 8820250900010\n"
        "      api_key: tp_second\n      secret: s2\n"
    )
    with run_sandbox({"clock": "manual", "config": str(config)}) as both:
        created = ok(post(both, CASHIER, cashier_body(receiver, "MINE-1")))
        for order_no in ("MINE-1", created["platform_order_no"]):
            body = {"order_no": order_no}
            raw = compact_json({**body, "sign": trustpay_sign(body, "s2")}).encode()
            assert error(post(both, "/v4/query/order", raw, api_key="tp_second")) == (
                880002,
                "order not found",
            )
        # the same order no is free for the other merchant
        other = cashier_body(receiver, "MINE-1", merchant_id=num(8820250900010))
        raw = compact_json({**other, "sign": trustpay_sign(other, "s2")}).encode()
        assert ok(post(both, CASHIER, raw, api_key="tp_second"))


def test_notify_status_failed_after_every_retry(tmp_path: Path) -> None:
    with (
        run_receiver(Reply(500, b"no")) as failing,
        run_sandbox({"clock": "manual", "clock_start": START}) as fresh,
    ):
        ok(post(fresh, CARD, card_body(failing, "NS-1")))
        fresh.advance(0)
        assert query(fresh, "NS-1")["notify_status"] == "1"
        for seconds in (60, 300, 900, 1800, 3600):
            fresh.advance(seconds)
        view = query(fresh, "NS-1")
        assert view["notify_status"] == "3"
        assert view["notify_time"] == "2026-03-12T10:21:00.000000Z"
        assert len(failing.requests) == 6
