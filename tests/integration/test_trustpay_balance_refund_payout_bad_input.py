"""Bad input against Balance (v4, v3), Fee Query, Order Refund and v2 Payout:
Hypothesis-generated bodies — wrong types, missing fields, junk bytes, huge numbers, unicode —
signed (so they reach field validation) or not. Never a 5xx, always the TrustPay envelope
(v2: no `data` on errors), and a refused request stores nothing."""

from __future__ import annotations

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

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=80)
    | st.sampled_from(
        [
            "",
            " ",
            "USD",
            "INR",
            "1.00",
            "-1",
            "1e5",
            "\uff19",
            "\u0000",
            "\U0001d7d9\U0001d7d8\U0001d7d8",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)

ENDPOINTS: dict[str, dict[str, Any]] = {
    "/v4/balance": {"currency_id": "USD", "merchant_id": MERCHANT_ID},
    "/v3/balance": {"currencyId": "INR", "merchantId": MERCHANT_ID},
    "/v4/fee-overview": {"merchant_id": MERCHANT_ID},
    "/v4/order/refund": {
        "order_no": "ORD-H",
        "merchant_refund_no": "RF-H",
        "refund_amount": num("1.00"),
        "reason": "bad input",
        "merchant_id": MERCHANT_ID,
    },
    "/v2/payout/create": {
        "merchantId": MERCHANT_ID,
        "orderNo": "PO-H",
        "amount": "100.00",
        "currency": "INR",
        "notifyUrl": "http://127.0.0.1:9/notify",
        "accountNo": "123456789012",
        "accountName": "Ravi Kumar",
        "ifsc": "HDFC0001234",
        "bankName": "HDFC",
    },
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
        body = {
            "merchant_id": MERCHANT_ID,
            "order_no": "ORD-H",
            "order_amount": num("20.00"),
            "currency": "USD",
            "notify_url": receiver.url,
            "card_number": "4111111111111111",
            "card_expiry": "2030-01",
            "card_cvv": "123",
            "card_holder_first_name": "Test",
            "card_holder_last_name": "User",
            "billing_country": "GB",
        }
        ok(post(sandbox, "/v4/payin/create/card", body))
        yield sandbox


def state(running: RunningSandbox) -> tuple[Any, ...]:
    orders = running.admin("GET", "orders", params={"gateway": "trustpay", "page_size": 500})
    items = orders.json()["items"]
    money = []
    for currency in ("USD", "INR"):
        data = ok(post(running, "/v4/balance", {"currency_id": currency}))
        money.append((data["balance"], data["frozen"]))
    return tuple((o["id"], o["status"]) for o in items), tuple(money)


def bodies(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The valid body with some fields dropped, replaced by junk, and junk fields added."""
    names = list(valid)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name in names:
            choice = draw(st.sampled_from(["keep", "keep", "drop", "junk"]))
            if choice == "keep":
                body[name] = valid[name]
            elif choice == "junk":
                body[name] = draw(json_values)
        extra = draw(st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=2))
        for key, value in extra.items():
            body.setdefault(key, value)
        return body

    return build()


def check_envelope(path: str, response: Any) -> int:
    assert response.status_code < 500, response.text
    assert response.status_code == 200, response.text
    envelope = parse_json(response.content)
    assert isinstance(envelope, dict)
    code = int(envelope["code"])
    assert isinstance(envelope["message"], str) and envelope["message"]
    if code not in SUCCESSES:
        if path.startswith("/v2/"):
            assert list(envelope) == ["code", "message"], envelope
        else:
            assert list(envelope) == ["code", "message", "data"] and envelope["data"] is None
    return code


def to_wire(body: dict[str, Any]) -> dict[str, Any]:
    """The body as the server parses it (exact number tokens), so it can be signed."""
    parsed: dict[str, Any] = parse_json(json.dumps(body, ensure_ascii=False))
    return parsed


EXAMPLES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FEWER = settings(EXAMPLES, max_examples=20)


@pytest.mark.parametrize("path", list(ENDPOINTS))
@EXAMPLES
@given(data=st.data())
def test_signed_junk_fields(running: RunningSandbox, path: str, data: st.DataObject) -> None:
    body = to_wire(data.draw(bodies(ENDPOINTS[path])))
    before = state(running)
    code = check_envelope(path, post(running, path, signed_body(body)))
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
    code = check_envelope(path, response)
    assert code not in SUCCESSES
    assert state(running) == before


@pytest.mark.parametrize("path", list(ENDPOINTS))
@EXAMPLES
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
    code = check_envelope(path, response)
    assert code not in SUCCESSES
    assert state(running) == before
