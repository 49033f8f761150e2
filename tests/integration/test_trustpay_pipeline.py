"""TrustPay's common request handling: every step, its order and its message, over
HTTP against the real server, plus the request journal's verdicts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.server import RunningSandbox, run_sandbox
from support.tpclient import API_KEY, SECRET, answer, error, num, ok, post

from sandbox.signing.md5 import trustpay_sign
from sandbox.signing.values import compact_json

pytestmark = pytest.mark.postgres

MERCHANT = 8820250900009
NOTIFY = "https://merchant.example.com/trustpay/notify"


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {**module_db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    ) as server:
        yield server


def cashier(order_no: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "merchant_id": num(MERCHANT),
        "order_no": order_no,
        "order_amount": num("5.00"),
        "currency": "USD",
        "notify_url": NOTIFY,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def journal(running: RunningSandbox, count: int = 1) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = running.admin(
        "GET", "requests", params={"gateway": "trustpay", "page_size": count}
    ).json()["items"]
    return items


def orders_total(running: RunningSandbox) -> int:
    total: int = running.admin("GET", "orders", params={"gateway": "trustpay"}).json()["total"]
    return total


def test_step1_oversize_body_is_413_in_the_envelope(running: RunningSandbox) -> None:
    body = b'{"x":"' + b"a" * (1024 * 1024) + b'"}'
    response = post(running, "/v4/payin/create/order", body)
    assert response.status_code == 413
    assert response.json() == {
        "code": 880002,
        "message": "request body too large (limit 1 MiB)",
        "data": None,
    }


def test_step2_method_before_the_key(running: RunningSandbox) -> None:
    response = running.client.get("/v4/payin/create/order")
    assert error(response) == (880002, "method not allowed: use POST")
    response = running.client.put("/trustpay/v4/balance", headers={"X-Api-Key": API_KEY})
    assert error(response) == (880002, "method not allowed: use POST")


@pytest.mark.parametrize("key", [None, "", "tp_unknown"])
def test_step3_missing_or_unknown_key(running: RunningSandbox, key: str | None) -> None:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["X-Api-Key"] = key
    response = running.client.post("/v4/payin/create/order", content=b"not json", headers=headers)
    assert error(response) == (880011, "unauthorized")
    entry = journal(running)[0]
    assert entry["note"] == "880011 unauthorized"
    assert entry["signature"] == "not-checked"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "malformed JSON"),
        (b"", "malformed JSON"),
        (b"[1,2]", "malformed JSON"),
        (b'"text"', "malformed JSON"),
        (b"\xff\xfe{}", "malformed JSON"),
        (b'{"a":NaN}', "malformed JSON"),
        (b'{"order_no":"A","order_no":"B"}', "duplicate field: order_no"),
        (b'{"x":{"k":1,"k":2}}', "duplicate field: k"),
    ],
)
def test_step4_json_object(running: RunningSandbox, raw: bytes, message: str) -> None:
    assert error(post(running, "/v4/payin/create/order", raw)) == (880002, message)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("merchant_id", num("12.5")),
        ("merchant_id", "88x"),
        ("merchant_id", True),
        ("merchant_id", num("-1")),
        ("merchant_id", [1]),
        ("merchantId", "\uff18\uff18\uff12"),  # fullwidth digits,
    ],
)
def test_step5_merchant_id_type(running: RunningSandbox, name: str, value: Any) -> None:
    body = {name: value, "sign": "whatever"}
    raw = compact_json(body).encode()
    assert error(post(running, "/v4/balance", raw)) == (880002, f"invalid field: {name} (integer)")


def test_step5_before_step7_and_digit_strings_accepted(running: RunningSandbox) -> None:
    raw = compact_json({"merchant_id": "8820250900009", "currency_id": "USD"})
    body = {"merchant_id": "8820250900009", "currency_id": "USD"}
    assert ok(post(running, "/v4/balance", body))["balance"] is not None
    assert error(post(running, "/v4/balance", raw.encode())) == (880011, "unauthorized")


def test_step6_another_merchants_id(running: RunningSandbox) -> None:
    body = {"merchant_id": num(1234), "currency_id": "USD"}
    assert error(post(running, "/v4/balance", body)) == (880011, "unauthorized")


def test_step7_sign_missing_wrong_uppercase(running: RunningSandbox) -> None:
    fields = {"currency_id": "USD"}
    good = trustpay_sign(fields, SECRET)
    for sign, verdict in (
        (None, "missing"),
        ("", "missing"),
        (num(5), "missing"),
        ("0" * 32, "bad"),
        (good.upper(), "bad"),
    ):
        body = dict(fields) if sign is None else {**fields, "sign": sign}
        raw = compact_json(body).encode()
        assert error(post(running, "/v4/balance", raw)) == (880011, "unauthorized")
        assert journal(running)[0]["signature"] == verdict
    raw = compact_json({**fields, "sign": good}).encode()
    assert ok(post(running, "/v4/balance", raw)) is not None
    assert journal(running)[0]["signature"] == "ok (raw)"


def test_step7_v1_vector_and_lenient_only_forms(running: RunningSandbox) -> None:
    v1 = cashier("ORD-20260312-0001")
    v1["sign"] = "9f39fd79ea7e4bf47bb12e1dda5ebbeb"
    assert (
        ok(post(running, "/v4/payin/create/order", compact_json(v1).encode()))["amount"] == "5.00"
    )
    v1l = cashier("ORD-20260312-0001-L")
    v1l["sign"] = trustpay_sign({**v1l, "order_amount": num("5")}, SECRET)
    raw = compact_json(v1l).encode()
    assert error(post(running, "/v4/payin/create/order", raw)) == (880011, "unauthorized")


def test_lenient_merchant_accepts_normalised_and_uppercase(tmp_path: Any) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        "merchants:\n  trustpay:\n    - merchant_id: 8820250900009\n"
        "      api_key: tp_test_0b1c2d3e4f5a6b7c\n      secret: tp_test_secret_9f8e7d6c\n"
        "      signature_mode: lenient\n"
    )
    with run_sandbox({"clock": "manual", "config": str(config)}) as lenient:
        v1l = cashier("ORD-20260312-0001")
        v1l["sign"] = "9c7ec0da95f40f943fd5d6288638a18a"  # V1-L
        assert ok(post(lenient, "/v4/payin/create/order", compact_json(v1l).encode()))
        assert journal(lenient)[0]["signature"] == "ok (normalised)"
        body = {"currency_id": "USD"}
        body["sign"] = trustpay_sign(body, SECRET).upper()
        assert ok(post(lenient, "/v4/balance", compact_json(body).encode()))
        assert journal(lenient)[0]["signature"] == "ok (uppercase)"


def test_step8_fields_in_table_order(running: RunningSandbox) -> None:
    path = "/v4/payin/create/order"
    cases = [
        (cashier("A", merchant_id=...), "missing field: merchant_id"),
        (cashier("A", merchant_id=""), "missing field: merchant_id"),
        (cashier("", order_amount="x"), "missing field: order_no"),
        (cashier("A", order_amount=None, currency=None), "missing field: order_amount"),
        (cashier("A" * 65), "invalid field: order_no (1-64 characters)"),
        (cashier("A B"), "invalid field: order_no (no whitespace or control characters)"),
        (cashier("A", order_amount=num("5.001")), "invalid field: order_amount"),
        (cashier("A", order_amount="1e2"), "invalid field: order_amount"),
        (cashier("A", order_amount=True), "invalid field: order_amount"),
        (cashier("A", currency="usd"), "invalid field: currency (3 uppercase letters)"),
        (cashier("A", currency="US1"), "invalid field: currency (3 uppercase letters)"),
        (cashier("A", currency=num(840)), "invalid field: currency (string)"),
        (cashier("A", notify_url="ftp://x"), "invalid field: notify_url"),
        (cashier("A", notify_url="http://" + "a" * 510), "invalid field: notify_url"),
    ]
    before = orders_total(running)
    for body, message in cases:
        code, text = error(post(running, path, body))
        assert code == 880002, body
        # a message given with its "(rule)" is exact; one without names the field at least
        assert text == message if "(" in message else text.startswith(message), (text, body)
    assert orders_total(running) == before


def test_step9_scenario_after_fields_before_rules(running: RunningSandbox) -> None:
    # an invalid request gets its real error, not the forced one
    bad = cashier("E880005-1", currency="usd")
    assert error(post(running, "/v4/payin/create/order", bad))[0] == 880002
    # a duplicate order no is a business rule (step 10): the scenario answers first
    assert ok(post(running, "/v4/payin/create/order", cashier("DUP-9")))
    forced = post(
        running, "/v4/payin/create/order", cashier("DUP-9"), headers={"X-Sandbox-Code": "880023"}
    )
    assert error(forced) == (880023, "channel_quota_limit_exceeded")
    assert error(post(running, "/v4/payin/create/order", cashier("DUP-9"))) == (
        880012,
        "order_already_exists",
    )


def test_step9_bad_sandbox_header_names_it(running: RunningSandbox) -> None:
    response = post(
        running, "/v4/payin/create/order", cashier("HDR-1"), headers={"X-Sandbox-Code": "nope"}
    )
    code, message = error(response)
    assert code == 880002 and message.startswith("X-Sandbox-Code")


def test_forced_880010_is_processed(running: RunningSandbox) -> None:
    envelope = answer(post(running, "/v4/payin/create/order", cashier("E880010-1")))
    assert (envelope["code"], envelope["message"]) == ("880010", "backend_success")
    assert envelope["data"]["order_no"] == "E880010-1"
    # the query's own order_no would match the prefix too: ask by platform order no
    platform = envelope["data"]["platform_order_no"]
    query = ok(post(running, "/v4/query/order", {"order_no": platform}))
    assert (query["order_no"], query["status"]) == ("E880010-1", "1")


def test_respond_raw_http_fault_and_drop(running: RunningSandbox) -> None:
    text = (
        "name: faults\ngateway: trustpay\nrules:\n"
        "  - when: {order_no: {prefix: 'RAW-'}}\n"
        "    respond: {http_status: 502, body: 'Bad Gateway'}\n"
        "  - when: {order_no: {prefix: 'LATE-'}}\n    respond: {delay: 100ms}\n"
    )
    assert running.client.post("/_sandbox/scenarios", content=text).status_code == 201
    headers = {"X-Sandbox-Scenario": "faults"}
    response = post(running, "/v4/payin/create/order", cashier("RAW-1"), headers=headers)
    assert (response.status_code, response.text) == (502, "Bad Gateway")
    assert error(post(running, "/v4/query/order", {"order_no": "RAW-1"})) == (
        880002,
        "order not found",
    )
    late = post(running, "/v4/payin/create/order", cashier("LATE-1"), headers=headers)
    assert ok(late)["order_no"] == "LATE-1"
    entry = journal(running)[0]
    assert entry["scenario"] == "faults" and "respond" in entry["rule"]


def test_unknown_paths_and_prefix(running: RunningSandbox) -> None:
    for path in ("/v4/nothing", "/trustpay/v4/nothing", "/v3/payin/create/confirm", "/v2/balance"):
        response = running.client.post(path, content=b"{}")
        assert response.status_code == 404
        assert response.json() == {"code": 880002, "message": "unknown endpoint", "data": None}
    body = {"currency_id": "USD"}
    assert ok(post(running, "/trustpay/v4/balance", body))


def test_every_error_journalled_with_its_note(running: RunningSandbox) -> None:
    post(running, "/v4/payin/create/order", cashier("J-1", currency="usd"))
    entry = journal(running)[0]
    assert entry["operation"] == "payin.cashier"
    assert entry["note"] == "880002 invalid field: currency (3 uppercase letters)"
    assert entry["signature"] == "ok (raw)"
