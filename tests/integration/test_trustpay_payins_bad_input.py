"""Bad input against the pay-in and query endpoints, v4 and v3: Hypothesis-generated
bodies — wrong types, missing fields, junk bytes, huge numbers, unicode — signed (so they reach
field validation) or not. Never a 5xx, always the TrustPay envelope, nothing stored on refusal,
and no request ends in the pipeline's unexpected-error answer."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.receiver import Receiver, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import API_KEY, MERCHANT_ID, num, ok, post, signed_body

from sandbox.signing.values import parse_json

pytestmark = pytest.mark.postgres

SUCCESSES = (880001, 880010)
PAGE_ORDERS = itertools.count()
NOTIFY = "http://127.0.0.1:9/notify"

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=80)
    | st.sampled_from(
        ["", " ", "USD", "1.00", "-1", "1e5", "\uff19", "\u0000", "2028-09", "4242424242424242"]
    )
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)

CARD_V4 = {
    "merchant_id": MERCHANT_ID,
    "order_no": "ORD-HA",
    "order_amount": num("20.00"),
    "currency": "USD",
    "notify_url": NOTIFY,
    "card_number": "4111111111111111",
    "card_expiry": "2030-01",
    "card_cvv": "123",
    "card_holder_first_name": "Test",
    "card_holder_last_name": "User",
    "billing_country": "US",
    "billing_state": "NY",
    "billing_city": "New York",
    "billing_address": "1 Main St",
    "billing_postal_code": "10001",
    "email": "a@example.com",
    "phone": "+1 (212) 555-0100",
}
CARD_V3 = {
    "merchantId": MERCHANT_ID,
    "orderNo": "ORD-HA3",
    "orderAmount": num("20"),
    "currency": "USD",
    "cardNumber": "4242424242424242",
    "cardExpiry": "2030-01",
    "cardCVV": "123",
    "cardHolderName": "Test User",
    "notifyUrl": NOTIFY,
    "billingCountry": "CA",
    "billingState": "QC",
}
CASHIER_V4 = {
    "merchant_id": MERCHANT_ID,
    "order_no": "ORD-HC",
    "order_amount": num("5.00"),
    "currency": "USD",
    "notify_url": NOTIFY,
}
CASHIER_V3 = {
    "merchantId": MERCHANT_ID,
    "orderNo": "ORD-HC3",
    "orderAmount": "5.00",
    "currency": "USD",
    "notifyUrl": NOTIFY,
}
ENDPOINTS: dict[str, dict[str, Any]] = {
    "/v4/payin/create/card": CARD_V4,
    "/v3/payin/create/card/sync": CARD_V3,
    "/v3/payin/create/card/async": {**CARD_V3, "orderNo": "ORD-HA3A"},
    "/v4/payin/create/order": CASHIER_V4,
    "/v3/payin/create/order": CASHIER_V3,
    "/v4/query/order": {"order_no": "ORD-HQ", "merchant_id": MERCHANT_ID},
    "/v3/query/order": {"orderNo": "ORD-HQ", "merchantId": MERCHANT_ID},
}


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with run_receiver() as merchant_side:
        yield merchant_side


@pytest.fixture(scope="module")
def running(receiver: Receiver, module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {**module_db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    ) as sandbox:
        ok(post(sandbox, "/v4/payin/create/order", {**CASHIER_V4, "order_no": "ORD-HQ"}))
        yield sandbox


def state(running: RunningSandbox) -> tuple[Any, ...]:
    orders = running.admin("GET", "orders", params={"gateway": "trustpay", "page_size": 500})
    items = orders.json()["items"]
    balance = ok(post(running, "/v4/balance", {"currency_id": "USD"}))
    return tuple((o["id"], o["status"]) for o in items), balance["balance"], balance["frozen"]


def bodies(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The valid body with some fields dropped, replaced by junk, and junk fields added."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name, value in valid.items():
            choice = draw(st.sampled_from(["keep", "keep", "keep", "drop", "junk"]))
            if choice == "keep":
                body[name] = value
            elif choice == "junk":
                body[name] = draw(json_values)
        extra = draw(st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=2))
        for key, value in extra.items():
            body.setdefault(key, value)
        return body

    return build()


def check_envelope(response: Any) -> int:
    assert response.status_code == 200, response.text
    envelope = parse_json(response.content)
    assert isinstance(envelope, dict) and list(envelope) == ["code", "message", "data"]
    code = int(envelope["code"])
    assert isinstance(envelope["message"], str) and envelope["message"]
    assert code != 880013, "the pipeline caught an unexpected error"
    if code not in SUCCESSES:
        assert envelope["data"] is None
    return code


def to_wire(body: dict[str, Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = parse_json(json.dumps(body, ensure_ascii=False))
    return parsed


EXAMPLES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FEWER = settings(EXAMPLES, max_examples=15)


@pytest.mark.parametrize("path", list(ENDPOINTS))
@EXAMPLES
@given(data=st.data())
def test_signed_junk_fields(running: RunningSandbox, path: str, data: st.DataObject) -> None:
    body = to_wire(data.draw(bodies(ENDPOINTS[path])))
    before = state(running)
    code = check_envelope(post(running, path, signed_body(body)))
    if code not in SUCCESSES:
        assert state(running) == before


@pytest.mark.parametrize("path", list(ENDPOINTS))
@FEWER
@given(raw=st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_junk_bytes(running: RunningSandbox, path: str, raw: bytes) -> None:
    before = state(running)
    response = running.client.post(
        path, content=raw, headers={"X-Api-Key": API_KEY, "Content-Type": "application/json"}
    )
    assert check_envelope(response) not in SUCCESSES
    assert state(running) == before


@pytest.mark.parametrize("path", list(ENDPOINTS))
@FEWER
@given(
    body=st.dictionaries(st.text(max_size=12), json_values, max_size=6)
    | st.lists(scalars, max_size=3)
)
def test_unsigned_and_non_object_bodies(running: RunningSandbox, path: str, body: Any) -> None:
    before = state(running)
    response = running.client.post(
        path,
        content=json.dumps(body).encode(),
        headers={"X-Api-Key": API_KEY, "Content-Type": "application/json"},
    )
    assert check_envelope(response) not in SUCCESSES
    assert state(running) == before


@pytest.mark.parametrize(
    "raw",
    [
        b'{"order_no":"' + "\U0001f4b3".encode() * 100 + b'"}',
        b'{"order_amount":' + b"9" * 5000 + b"}",
        b"[" * 5000 + b"]" * 5000,
        b'{"a":"\\ud800"}',
    ],
)
def test_pathological_bodies(running: RunningSandbox, raw: bytes) -> None:
    for path in ENDPOINTS:
        response = running.client.post(path, content=raw, headers={"X-Api-Key": API_KEY})
        assert check_envelope(response) not in SUCCESSES


@FEWER
@given(
    raw=st.binary(max_size=200)
    | st.dictionaries(
        st.sampled_from(["action", "card_number", "card_holder_name", "paid_amount", "x"]),
        st.text(max_size=30) | st.sampled_from(["pay", "decline", "4111111111111111", "1e9"]),
        max_size=5,
    ).map(lambda form: "&".join(f"{k}={v}" for k, v in form.items()).encode())
)
def test_hosted_page_never_fails_on_junk_forms(running: RunningSandbox, raw: bytes) -> None:
    order_no = f"PAGE-H-{next(PAGE_ORDERS)}"
    created = ok(post(running, "/v4/payin/create/order", {**CASHIER_V4, "order_no": order_no}))
    path = "/_sandbox/pay/trustpay/" + created["platform_order_no"]
    response = running.client.post(
        path, content=raw, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 303, response.text
    assert running.client.get(response.headers["location"]).status_code == 200
