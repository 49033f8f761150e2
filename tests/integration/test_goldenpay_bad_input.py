"""Bad input never breaks GoldenPay: arbitrary bodies and query strings, signed or
not, get a GoldenPay envelope and never a 5xx; a rejected request changes nothing stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.goldenpay import (
    BALANCE,
    COLLECT,
    INFO,
    PAYOUT,
    TOKEN,
    balance_of,
    collect_fields,
    common,
    payout_fields,
)
from support.server import RunningSandbox, run_sandbox

from sandbox.signing.md5 import goldenpay_sign
from sandbox.signing.values import parse_json

pytestmark = pytest.mark.postgres

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FIELDS = [
    "mch_id", "nonce", "timestamp", "sign", "trans_id", "channel", "currency", "amount",
    "callback_url", "return_url", "remarks", "account_no", "account_name", "account_org",
    "account_org_code", "account_email", "id",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "1e9999", "100.001", "10001", "mock", "VND", "http://x"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def gp(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {**module_db_flags, "clock": "manual", "clock_start": "2026-05-04T03:00:00Z"}
    ) as running:
        yield running


def orders_total(gp: RunningSandbox) -> int:
    total: int = gp.admin("GET", "orders", params={"gateway": "goldenpay", "page_size": 1}).json()[
        "total"
    ]
    return total


def snapshot(gp: RunningSandbox) -> tuple[int, str, str]:
    return orders_total(gp), balance_of(gp, "THB"), balance_of(gp, "PHP")


def check_envelope(answer: httpx.Response) -> bool:
    """A GoldenPay envelope, never a 5xx; True when the request was rejected."""
    assert answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    body = answer.json()
    if answer.status_code == 429:
        assert body == {"code": 429, "errors": {"message": "Too Many Requests"}}
        return True
    assert answer.status_code == 200, answer.text
    if body["code"] == 200:
        assert set(body) == {"code", "payload"} and "sign" in body["payload"]
        return False
    assert body["code"] == 400 and set(body) == {"code", "errors"}
    assert isinstance(body["errors"]["message"], str) and body["errors"]["message"]
    return True


def signed_text(body: dict[str, Any]) -> str:
    """The body as JSON text with a correct sign over exactly its tokens."""
    text = json.dumps(body, ensure_ascii=False)
    body = {**body, "sign": goldenpay_sign(parse_json(text), TOKEN)}
    return json.dumps(body, ensure_ascii=False)


def send_post(gp: RunningSandbox, path: str, content: str | bytes) -> None:
    before = snapshot(gp)
    answer = gp.client.post(path, content=content, headers={"Content-Type": "application/json"})
    if check_envelope(answer):
        assert snapshot(gp) == before


@pytest.mark.parametrize("path", [COLLECT, PAYOUT])
@SETTINGS
@given(body=st.binary(max_size=300))
def test_junk_bytes(gp: RunningSandbox, path: str, body: bytes) -> None:
    send_post(gp, path, body)


@pytest.mark.parametrize("path", [COLLECT, PAYOUT])
@SETTINGS
@given(body=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), values, max_size=10))
def test_arbitrary_json_objects(gp: RunningSandbox, path: str, body: dict[str, Any]) -> None:
    send_post(gp, path, json.dumps(body, ensure_ascii=False))


@pytest.mark.parametrize(("path", "make"), [(COLLECT, collect_fields), (PAYOUT, payout_fields)])
@SETTINGS
@given(changes=st.dictionaries(st.sampled_from(FIELDS[4:]), values, min_size=1, max_size=3))
def test_signed_bodies_with_wrong_fields(
    gp: RunningSandbox, path: str, make: Any, changes: dict[str, Any]
) -> None:
    """Correctly signed, so the field checks themselves are exercised."""
    body = {**make(), **changes}
    send_post(gp, path, signed_text(body))


query_text = st.text(
    alphabet=st.sampled_from("abcdimnostuxy_=&%+2F0123456789é\u0000 "), max_size=60
)


@pytest.mark.parametrize("path", [COLLECT, PAYOUT, INFO, BALANCE])
@SETTINGS
@given(query=query_text)
def test_arbitrary_query_strings(gp: RunningSandbox, path: str, query: str) -> None:
    before = snapshot(gp)
    check_envelope(gp.client.get(f"{path}?{quote(query, safe='=&%+')}"))
    assert snapshot(gp) == before


@pytest.mark.parametrize("path", [COLLECT, PAYOUT, BALANCE])
@SETTINGS
@given(params=st.dictionaries(st.sampled_from(["id", "currency", "x"]), st.text(max_size=30)))
def test_signed_queries_with_arbitrary_values(
    gp: RunningSandbox, path: str, params: dict[str, str]
) -> None:
    fields: dict[str, Any] = {**common(), **params}
    fields["sign"] = goldenpay_sign({k: str(v) for k, v in fields.items()}, TOKEN)
    query = "&".join(f"{quote(k)}={quote(str(v))}" for k, v in fields.items())
    before = snapshot(gp)
    check_envelope(gp.client.get(f"{path}?{query}"))
    assert snapshot(gp) == before


@SETTINGS
@given(form=st.binary(max_size=200) | st.text(max_size=80).map(str.encode))
def test_cashier_form_never_fails(gp: RunningSandbox, form: bytes) -> None:
    """Whatever a browser posts, the cashier page answers a page, never a 5xx."""
    fields = collect_fields()
    created = gp.client.post(COLLECT, content=signed_text(fields))
    order_id = created.json()["payload"]["id"]
    answer = gp.client.post(
        f"/_sandbox/pay/goldenpay/{order_id}",
        content=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code in (200, 400), answer.text
    assert answer.headers["content-type"].startswith("text/html")
