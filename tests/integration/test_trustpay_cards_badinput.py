"""Bad input on every card endpoint (Hypothesis): never a 5xx, always the TrustPay envelope, and a
refused request changes nothing (orders and the card account stay as they were)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.receiver import run_receiver
from support.server import RunningSandbox, run_sandbox
from support.trustpay_cards import API_KEY, MANUAL, approved_cardholder, ok, open_card, signed

from sandbox.signing.values import JsonNumber, compact_json

pytestmark = pytest.mark.postgres

# Each endpoint with the fields it reads (the strategies mix these with junk keys).
ENDPOINTS: dict[str, tuple[str, ...]] = {
    "/v3/vcard/card-types": (),
    "/v3/vcard/open": (
        "order_no",
        "card_type_id",
        "amount",
        "first_name",
        "last_name",
        "email",
        "notify_url",
    ),
    "/v3/vcard/detail": ("card_id",),
    "/v3/vcard/recharge": ("order_no", "card_id", "amount", "notify_url"),
    "/v3/vcard/charges": ("page", "page_size"),
    "/v3/vcard/cards": ("page", "page_size"),
    "/v3/vcard/transactions": ("card_id", "page", "page_size"),
    "/v3/vcard/fee-config": ("card_type_id",),
    "/v3/pcard/cardholder": (
        "first_name",
        "last_name",
        "email",
        "country_code",
        "phone_number",
        "notify_url",
    ),
    "/v3/pcard/cardholders": ("page", "page_size"),
    "/v3/pcard/cards/assign": ("cardholder_id", "card_number", "card_currency"),
    "/v3/pcard/cards": ("cardholder_id", "page", "page_size"),
    "/v3/pcard/card-balance": ("card_id",),
    "/v3/pcard/card-transactions": ("card_id", "page", "page_size"),
    "/v3/pcard/account": (),
    "/v3/pcard/card-charge": ("card_id", "amount", "order_no"),
}
SUCCESS_CODES = (880001, 880010)

numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(lambda n: JsonNumber(str(n))),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(
        lambda d: JsonNumber(f"{d:f}")
    ),
    st.sampled_from(["1e308", "-0", "0.0", "1E-7", "30.00", "20", "99999999999999999999.99"]).map(
        JsonNumber
    ),
)
plausible = st.sampled_from(
    [
        "23",
        "24",
        "30.00",
        "20.00",
        "1",
        "0",
        "-5",
        "USD",
        "EUR",
        "GB",
        "gb",
        "+441234567",
        "a@b.co",
        "http://127.0.0.1:9/cb",
        "4111111111111111",
        "FAIL-x",
        "PEND-x",
        "E880004-x",
        "REJECT",
        "VC20260312a691486d",
        "",
        " ",
        "\u0000",
        "null",
    ]
)
scalars = st.one_of(
    st.none(), st.booleans(), numbers, plausible, st.text(max_size=80), st.text(min_size=70)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def bodies(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    known = st.fixed_dictionaries({}, optional={name: values for name in names})
    extra = st.dictionaries(st.text(min_size=1, max_size=12), values, max_size=3)
    return st.tuples(known, extra).map(lambda pair: {**pair[1], **pair[0]})


@pytest.fixture(scope="module")
def server() -> Iterator[RunningSandbox]:
    with run_sandbox(MANUAL) as running, run_receiver() as receiver:
        open_card(running, receiver)
        running.advance(3)
        holder = approved_cardholder(running)
        ok(running, "/v3/pcard/cards/assign", {"cardholder_id": holder, "card_currency": "USD"})
        yield running


def snapshot(server: RunningSandbox) -> tuple[Any, ...]:
    orders = server.admin("GET", "orders", params={"gateway": "trustpay", "page_size": 500})
    account = ok(server, "/v3/pcard/account")
    items = orders.json()["items"]
    return (
        orders.json()["total"],
        tuple((o["id"], o["status"], o["amount"]) for o in items),
        account["available_balance"],
        account["frozen_balance"],
    )


def check_envelope(response: Any) -> dict[str, Any]:
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 413), response.text
    answer: dict[str, Any] = response.json()
    assert set(answer) == {"code", "message", "data"}, answer
    assert isinstance(answer["code"], int) and isinstance(answer["message"], str)
    if answer["code"] not in SUCCESS_CODES:
        assert answer["data"] is None, answer
    return answer


EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_signed_junk_fields_get_the_envelope_and_change_nothing(
    server: RunningSandbox, path: str
) -> None:
    @EXAMPLES
    @given(body=bodies(ENDPOINTS[path]))
    def run(body: dict[str, Any]) -> None:
        before = snapshot(server)
        response = server.client.post(path, content=signed(body), headers={"X-Api-Key": API_KEY})
        answer = check_envelope(response)
        if answer["code"] not in SUCCESS_CODES:
            assert snapshot(server) == before, (body, answer)

    run()


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_junk_bytes_get_the_envelope(server: RunningSandbox, path: str) -> None:
    @settings(max_examples=10, deadline=None)
    @given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
    def run(raw: bytes) -> None:
        response = server.client.post(path, content=raw, headers={"X-Api-Key": API_KEY})
        answer = check_envelope(response)
        assert answer["code"] in (880002, 880011), answer

    run()


@EXAMPLES
@given(
    body=st.dictionaries(
        st.sampled_from(
            ["amount", "currency", "merchant_name", "decline", "settle", "status", "x"]
        ),
        values,
        max_size=5,
    ),
    card=st.sampled_from(["1", "2", "0", "abc", "%E2%82%AC", "99999999999999999999999"]),
)
def test_admin_card_helpers_answer_4xx_or_success_never_5xx(
    server: RunningSandbox, body: dict[str, Any], card: str
) -> None:
    content = compact_json(body).encode()
    spent = server.admin("POST", f"cards/{card}/spend", content=content)
    assert spent.status_code in (201, 400, 404), spent.text
    status = server.admin("PUT", f"cards/{card}", content=content)
    assert status.status_code in (200, 400, 404, 409), status.text
    if spent.status_code >= 400:
        assert set(spent.json()) == {"error"}
