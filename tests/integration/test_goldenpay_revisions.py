"""GoldenPay's two published revisions: `api_revision` per merchant and
`X-Sandbox-Revision` per request switch, as a whole, the callback policy, `remarks` in callbacks,
the nonce length, numeric amounts, `mch_id`/`channel` in the collect answer and the USDT `uid`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.goldenpay import (
    COLLECT,
    PAYOUT,
    collect_fields,
    common,
    error_of,
    exact_payload,
    get,
    payout_fields,
    post,
)
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox

from sandbox.signing.md5 import goldenpay_verify
from sandbox.signing.values import JsonNumber, parse_json

pytestmark = pytest.mark.postgres

LEGACY = {"X-Sandbox-Revision": "legacy"}
CURRENT = {"X-Sandbox-Revision": "current"}
# A second merchant coded against the older pages.
LEGACY_MCH, LEGACY_TOKEN = 10009, "gp_token_legacy"
CONFIG = f"""
merchants:
  goldenpay:
    - {{mch_id: {LEGACY_MCH}, api_token: {LEGACY_TOKEN}, api_revision: legacy}}
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with run_receiver(Reply(200, b"success")) as running:
        yield running


@pytest.fixture
def server(tmp_path: Path, receiver: Receiver) -> Iterator[RunningSandbox]:
    config = tmp_path / "goldenpay.yaml"
    config.write_text(CONFIG)
    flags = {"clock": "manual", "config": str(config), "callback_url": receiver.url + "/cb"}
    with run_sandbox(flags) as running:
        yield running


def callbacks(server: RunningSandbox, order_id: str) -> list[dict[str, Any]]:
    found = server.admin("GET", "callbacks", params={"order": order_id}).json()["items"]
    return list(found)


def last_body(receiver: Receiver) -> dict[str, Any]:
    body: dict[str, Any] = parse_json(receiver.requests[-1].body)
    return body


# -- nonce -------------------------------------------------------------------------------------


def test_nonce_length_per_revision(server: RunningSandbox) -> None:
    long_nonce = {"nonce": "n" * 32}
    assert error_of(post(server, COLLECT, collect_fields(**long_nonce))) == "Invalid nonce"
    assert exact_payload(post(server, COLLECT, collect_fields(**long_nonce), headers=LEGACY))
    too_long = collect_fields(nonce="n" * 33)
    assert error_of(post(server, COLLECT, too_long, headers=LEGACY)) == "Invalid nonce"
    short = collect_fields(nonce="abc")
    assert error_of(post(server, COLLECT, short)) == "Invalid nonce"
    assert exact_payload(post(server, COLLECT, collect_fields(nonce="abc"), headers=LEGACY))


def test_unknown_revision_header_is_refused(server: RunningSandbox) -> None:
    bad = {"X-Sandbox-Revision": "2019"}
    answer = post(server, COLLECT, collect_fields(), headers=bad)
    assert error_of(answer) == "Invalid X-Sandbox-Revision: 2019"


# -- answers -----------------------------------------------------------------------------------


def test_collect_answer_and_query_per_revision(server: RunningSandbox) -> None:
    newer = exact_payload(post(server, COLLECT, collect_fields(trans_id="REV-NEW")))
    assert "mch_id" not in newer and "channel" not in newer
    assert not isinstance(newer["order_amount"], JsonNumber)

    older = exact_payload(post(server, COLLECT, collect_fields(trans_id="REV-OLD"), headers=LEGACY))
    assert list(older)[:3] == ["id", "trans_id", "mch_id"]
    assert older["mch_id"] == "10001" and older["channel"] == "mock"
    assert list(older).index("channel") == list(older).index("code") + 1
    assert isinstance(older["order_amount"], JsonNumber) and older["order_amount"] == "100.00"

    query = {**common(), "id": "REV-OLD"}
    as_newer = exact_payload(get(server, COLLECT, query))
    assert not isinstance(as_newer["order_amount"], JsonNumber)
    as_older = exact_payload(get(server, COLLECT, {**common(), "id": "REV-OLD"}, headers=LEGACY))
    assert isinstance(as_older["order_amount"], JsonNumber)
    assert isinstance(as_older["payed_amount"], JsonNumber) and as_older["payed_amount"] == "0.00"


def test_payout_answer_amounts_are_numbers_on_the_older_pages(server: RunningSandbox) -> None:
    newer = exact_payload(post(server, PAYOUT, payout_fields()))
    assert not isinstance(newer["order_amount"], JsonNumber)
    older = exact_payload(post(server, PAYOUT, payout_fields(), headers=LEGACY))
    assert isinstance(older["order_amount"], JsonNumber) and older["order_amount"] == "5.00"
    vnd = payout_fields(
        channel="bank",
        currency="VND",
        amount="500000",
        account_no="0071000123456",
        account_org="Vietcombank",
        account_org_code="970436",
    )
    assert exact_payload(post(server, PAYOUT, vnd, headers=LEGACY))["order_amount"] == "500000"


def test_merchant_setting_and_header_override(server: RunningSandbox) -> None:
    fields = collect_fields(mch_id=LEGACY_MCH, nonce="n" * 30)
    older = exact_payload(post(server, COLLECT, fields, token=LEGACY_TOKEN), LEGACY_TOKEN)
    assert older["mch_id"] == str(LEGACY_MCH)
    fields = collect_fields(mch_id=LEGACY_MCH, nonce="n" * 30)
    answer = post(server, COLLECT, fields, token=LEGACY_TOKEN, headers=CURRENT)
    assert error_of(answer) == "Invalid nonce"


# -- item 5: USDT uid ----------------------------------------------------------------------------


def test_usdt_uid_required_only_on_the_older_collection_page(server: RunningSandbox) -> None:
    usdt = {"channel": "usdt.trc20", "currency": "USDT", "amount": "10.00"}
    assert exact_payload(post(server, COLLECT, collect_fields(**usdt)))
    answer = post(server, COLLECT, collect_fields(**usdt), headers=LEGACY)
    assert error_of(answer) == "Missing uid param"
    with_uid = collect_fields(**usdt, uid="user-42")
    assert exact_payload(post(server, COLLECT, with_uid, headers=LEGACY))["currency"] == "USDT"
    # other channels never need it
    assert exact_payload(post(server, COLLECT, collect_fields(), headers=LEGACY))


# -- callbacks ---------------------------------------------------------------------------------


def test_older_callbacks_echo_remarks_with_numeric_amounts(
    server: RunningSandbox, receiver: Receiver
) -> None:
    fields = collect_fields(trans_id="REM-OLD", amount="100.99", remarks="order 42")
    order = exact_payload(post(server, COLLECT, fields, headers=LEGACY))
    server.advance(3)
    body = last_body(receiver)
    assert body["trans_id"] == "REM-OLD" and body["status"] == "60"
    assert list(body)[-2:] == ["remarks", "sign"] and body["remarks"] == "order 42"
    assert isinstance(body["order_amount"], JsonNumber) and body["order_amount"] == "100.99"
    assert isinstance(body["payed_amount"], JsonNumber)
    assert goldenpay_verify(body, "gp_test_token_5e6f7a8b").ok
    assert receiver.requests[-1].body.startswith(
        f'{{"id":"{order["id"]}","trans_id":"REM-OLD","mch_id":10001,'
        '"order_amount":100.99,"payed_amount":100.99,'.encode()
    )

    fields = collect_fields(trans_id="REM-NEW", amount="100.99", remarks="order 43")
    exact_payload(post(server, COLLECT, fields))
    server.advance(3)
    body = last_body(receiver)
    assert body["trans_id"] == "REM-NEW" and "remarks" not in body
    assert not isinstance(body["order_amount"], JsonNumber)

    payout = payout_fields(trans_id="REM-PAYOUT", remarks="salary")
    exact_payload(post(server, PAYOUT, payout, headers=LEGACY))
    server.advance(5)
    body = last_body(receiver)
    assert body["trans_id"] == "REM-PAYOUT" and body["remarks"] == "salary"
    assert isinstance(body["order_amount"], JsonNumber)


def test_callback_policy_per_revision(server: RunningSandbox, receiver: Receiver) -> None:
    receiver.default = Reply(500, b"down")
    newer = exact_payload(post(server, COLLECT, collect_fields(amount="100.99")))
    older = exact_payload(post(server, COLLECT, collect_fields(amount="100.99"), headers=LEGACY))

    def attempts() -> tuple[int, int]:
        [new_message] = callbacks(server, newer["id"])
        [old_message] = callbacks(server, older["id"])
        return new_message["attempt_count"], old_message["attempt_count"]

    server.advance(3)  # both paid (.99), first attempts fail
    assert attempts() == (1, 1)
    seen = []
    for _ in range(4):
        server.advance(30)
        seen.append(attempts())
    # older: a retry every 30 s, 5 attempts; newer: one retry 60 s after the first failure
    assert seen == [(1, 2), (2, 3), (2, 4), (2, 5)]
    server.advance(600)
    [new_message] = callbacks(server, newer["id"])
    [old_message] = callbacks(server, older["id"])
    assert (new_message["policy"], new_message["attempt_count"]) == ("goldenpay", 2)
    assert (old_message["policy"], old_message["attempt_count"]) == ("goldenpay-legacy", 5)
    assert new_message["state"] == old_message["state"] == "failed"


def test_transcript_profiles_are_named_delivery_profiles(
    server: RunningSandbox, receiver: Receiver
) -> None:
    scenario = """\
name: gp-transcript
gateway: goldenpay
rules:
  - when: {operation: collect.create}
    delivery: {profile: goldenpay-transcript-collect}
  - when: {operation: payout.create}
    delivery: {profile: goldenpay-transcript-payout}
"""
    assert server.admin("POST", "scenarios", content=scenario).status_code == 201
    receiver.default = Reply(500, b"down")
    use = {"X-Sandbox-Scenario": "gp-transcript"}
    collect = exact_payload(post(server, COLLECT, collect_fields(amount="100.99"), headers=use))
    payout = exact_payload(post(server, PAYOUT, payout_fields(), headers=use))
    for _ in range(10):
        server.advance(60)
    [c] = callbacks(server, collect["id"])
    [p] = callbacks(server, payout["id"])
    assert (c["policy"], c["attempt_count"], c["state"]) == (
        "goldenpay-transcript-collect",
        3,
        "failed",
    )
    assert (p["policy"], p["attempt_count"], p["state"]) == (
        "goldenpay-transcript-payout",
        5,
        "failed",
    )
