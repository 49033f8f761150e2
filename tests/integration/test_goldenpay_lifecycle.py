"""GoldenPay state machines, callbacks and their delivery end to end: the real
server on the manual clock, the real delivery engine, a real receiver playing the merchant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.goldenpay import (
    COLLECT,
    PAYOUT,
    TOKEN,
    balance_of,
    collect_fields,
    common,
    get,
    goldenpay_sandbox,
    payload_of,
    payout_fields,
    post,
    unique,
)
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox

from sandbox.delivery import acknowledged
from sandbox.gateways.goldenpay.callbacks import ACK
from sandbox.signing.md5 import goldenpay_verify
from sandbox.signing.values import parse_json

pytestmark = pytest.mark.postgres

COLLECT_KEYS = [
    "id", "trans_id", "mch_id", "order_amount", "payed_amount", "channel", "status",
    "created_at", "payed_at", "sign",
]  # fmt: skip


@pytest.fixture(scope="module")
def receiver(store_backend: str) -> Iterator[Receiver]:
    """One per store backend, so the two runs' callbacks never mix."""
    with run_receiver(Reply(200, b"success")) as running:
        yield running


@pytest.fixture(scope="module")
def gp(
    tmp_path_factory: pytest.TempPathFactory, module_db_flags: dict[str, str]
) -> Iterator[RunningSandbox]:
    flags = {**module_db_flags, "clock": "manual", "clock_start": "2026-05-04T03:00:00Z"}
    with goldenpay_sandbox(tmp_path_factory.mktemp("gp"), **flags) as running:
        yield running


def url_for(receiver: Receiver, trans_id: str) -> str:
    return f"{receiver.url}/cb/{trans_id}"


def told(receiver: Receiver, trans_id: str) -> list[bytes]:
    """The callback bodies the merchant got for one order."""
    return [r.body for r in receiver.requests if r.path == f"/cb/{trans_id}"]


def verified(body: bytes) -> dict[str, Any]:
    """A callback body, its sign checked over the values as sent."""
    fields = parse_json(body)
    assert goldenpay_verify(fields, TOKEN).ok, body
    data: dict[str, Any] = json.loads(body)
    return data


def collect(gp: RunningSandbox, receiver: Receiver, **overrides: Any) -> dict[str, Any]:
    fields = collect_fields(**overrides)
    fields["callback_url"] = url_for(receiver, fields["trans_id"])
    payload = payload_of(post(gp, COLLECT, fields))
    return {**payload, "trans_id": fields["trans_id"]}


def payout(gp: RunningSandbox, receiver: Receiver, **overrides: Any) -> dict[str, Any]:
    fields = payout_fields(**overrides)
    fields["callback_url"] = url_for(receiver, fields["trans_id"])
    return payload_of(post(gp, PAYOUT, fields))


def status_of(gp: RunningSandbox, path: str, trans_id: str) -> dict[str, Any]:
    return payload_of(get(gp, path, {**common(), "id": trans_id}))


def messages(gp: RunningSandbox, order_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = gp.admin("GET", "callbacks", params={"order": order_id}).json()[
        "items"
    ]
    return items


# -- collect: magic amounts, expiry, money ------------------------------------------------------


def test_mock_99_is_paid_in_full_after_3s_with_a_signed_callback(
    gp: RunningSandbox, receiver: Receiver
) -> None:
    before = Decimal(balance_of(gp, "THB"))
    order = collect(gp, receiver, amount="100.99")
    gp.advance(2.9)
    assert told(receiver, order["trans_id"]) == []
    assert status_of(gp, COLLECT, order["trans_id"])["status"] == 20
    gp.advance(0.1)
    (body,) = told(receiver, order["trans_id"])
    callback = verified(body)
    assert list(callback) == COLLECT_KEYS
    assert callback["id"] == order["id"] and callback["mch_id"] == 10001
    assert callback["status"] == 60 and callback["channel"] == "mock"
    assert callback["order_amount"] == callback["payed_amount"] == "100.99"
    assert callback["payed_at"] == "2026-05-04 10:00:03"
    queried = status_of(gp, COLLECT, order["trans_id"])
    assert queried["status"] == 60 and queried["payed_at"] == callback["payed_at"]
    # credited payed_amount - 2.5 % fee (2.52475 -> 2.52, half-up)
    assert Decimal(balance_of(gp, "THB")) - before == Decimal("98.47")


def test_mock_02_is_paid_one_short(gp: RunningSandbox, receiver: Receiver) -> None:
    order = collect(gp, receiver, amount="50.02", currency="PHP")
    tiny = collect(gp, receiver, amount="0.02", currency="USDT")
    gp.advance(3)
    assert verified(told(receiver, order["trans_id"])[0])["payed_amount"] == "49.02"
    assert verified(told(receiver, tiny["trans_id"])[0])["payed_amount"] == "0.01"
    assert status_of(gp, COLLECT, order["trans_id"])["payed_amount"] == "49.02"


def test_mock_01_fails_with_payed_at_null(gp: RunningSandbox, receiver: Receiver) -> None:
    before = balance_of(gp, "THB")
    order = collect(gp, receiver, amount="100.01")
    gp.advance(3)
    (body,) = told(receiver, order["trans_id"])
    assert b'"payed_amount":"0.00"' in body and b'"payed_at":null' in body
    callback = verified(body)
    assert list(callback) == COLLECT_KEYS
    assert callback["status"] == 30 and callback["payed_at"] is None
    assert balance_of(gp, "THB") == before


def test_unpaid_collect_expires_after_30_minutes(gp: RunningSandbox, receiver: Receiver) -> None:
    order = collect(gp, receiver, channel="momo", currency="VND", amount="200000")
    gp.advance(29 * 60 + 59)
    assert told(receiver, order["trans_id"]) == []
    gp.advance(1)
    callback = verified(told(receiver, order["trans_id"])[0])
    assert callback["status"] == 30 and callback["payed_amount"] == "0"
    assert callback["order_amount"] == "200000"


# -- payouts ------------------------------------------------------------------------------------


def test_payout_succeeds_after_5s(gp: RunningSandbox, receiver: Receiver) -> None:
    before = Decimal(balance_of(gp, "PHP"))
    order = payout(gp, receiver, amount="100.00")
    assert Decimal(balance_of(gp, "PHP")) == before - Decimal("101.00")
    gp.advance(4.9)
    assert told(receiver, order["trans_id"]) == []
    gp.advance(0.1)
    callback = verified(told(receiver, order["trans_id"])[0])
    assert list(callback) == [
        "id", "trans_id", "mch_id", "order_amount", "status", "created_at", "payed_at", "sign",
    ]  # fmt: skip
    assert callback["status"] == 60 and callback["order_amount"] == "100.00"
    queried = status_of(gp, PAYOUT, order["id"])
    assert queried["status"] == 60 and queried["payed_at"] == callback["payed_at"]
    assert "canceled_at" not in queried
    assert Decimal(balance_of(gp, "PHP")) == before - Decimal("101.00")


def test_cancel_prefix_cancels_after_5s_and_refunds(gp: RunningSandbox, receiver: Receiver) -> None:
    before = balance_of(gp, "PHP")
    order = payout(gp, receiver, trans_id=unique("CANCEL-"), amount="10.00")
    assert balance_of(gp, "PHP") != before
    gp.advance(5)
    callback = verified(told(receiver, order["trans_id"])[0])
    assert list(callback) == [
        "id", "trans_id", "mch_id", "order_amount", "status", "created_at", "canceled_at", "sign",
    ]  # fmt: skip
    assert callback["status"] == 50
    queried = status_of(gp, PAYOUT, order["trans_id"])
    assert queried["status"] == 50 and queried["canceled_at"] == callback["canceled_at"]
    assert balance_of(gp, "PHP") == before


# -- delivery: ack, one retry, legacy profile ---------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "acked"),
    [
        (200, b"success", True),
        (200, b"  success\r\n", True),
        (200, b"SUCCESS", False),
        (200, b'"success"', False),
        (200, b'{"success":true}', False),
        (201, b"success", False),
        (302, b"success", False),
        (500, b"success", False),
    ],
)
def test_ack_rule(status: int, body: bytes, acked: bool) -> None:
    assert acknowledged(ACK, status, body) is acked


def test_anything_but_success_gets_exactly_one_retry_60s_later(gp: RunningSandbox) -> None:
    with run_receiver(Reply(200, b"SUCCESS")) as merchant:
        order = collect(gp, merchant, amount="20.99")
        gp.advance(3)
        assert len(told(merchant, order["trans_id"])) == 1
        (message,) = messages(gp, order["id"])
        assert message["state"] == "pending" and message["attempt_count"] == 1
        gp.advance(59)
        assert len(told(merchant, order["trans_id"])) == 1
        gp.advance(1)
        first, second = told(merchant, order["trans_id"])
        assert first == second
        gp.advance(3600)
        assert len(told(merchant, order["trans_id"])) == 2
        detail = gp.admin("GET", f"callbacks/{message['id']}").json()
        assert detail["state"] == "failed" and detail["attempt_count"] == 2
        assert detail["policy"] == {"name": "goldenpay", "timeout": 5.0, "delays": [60.0]}
        one, two = detail["attempts"]
        gap = datetime.fromisoformat(two["started_at"]) - datetime.fromisoformat(one["finished_at"])
        assert gap.total_seconds() == pytest.approx(60, abs=0.01)


def test_a_refused_connection_is_retried_once_too(gp: RunningSandbox) -> None:
    with run_receiver(Reply(500, b"error")) as merchant:
        order = collect(gp, merchant, amount="21.99")
        merchant.reply(Reply(503, b"busy"))
        gp.advance(3)
        gp.advance(60)
        assert len(told(merchant, order["trans_id"])) == 2
        assert messages(gp, order["id"])[0]["state"] == "failed"


def test_legacy_profile_retries_every_30s_up_to_5_attempts(gp: RunningSandbox) -> None:
    text = (
        "name: gp-legacy\ngateway: goldenpay\nrules:\n  - delivery: {profile: goldenpay-legacy}\n"
    )
    assert gp.admin("POST", "scenarios", content=text).status_code == 201
    with run_receiver(Reply(500, b"no")) as merchant:
        fields = collect_fields(amount="30.99")
        fields["callback_url"] = url_for(merchant, fields["trans_id"])
        answer = post(gp, COLLECT, fields, headers={"X-Sandbox-Scenario": "gp-legacy"})
        order = payload_of(answer)
        gp.advance(3)
        for attempts in (2, 3, 4, 5):
            gp.advance(30)
            assert len(told(merchant, fields["trans_id"])) == attempts
        gp.advance(600)
        assert len(told(merchant, fields["trans_id"])) == 5
        detail = gp.admin("GET", f"callbacks/{messages(gp, order['id'])[0]['id']}").json()
        assert detail["state"] == "failed" and detail["policy"]["timeout"] == 10.0


def test_scenario_callback_directives_apply_to_goldenpay_bodies(
    gp: RunningSandbox, receiver: Receiver
) -> None:
    text = (
        "name: gp-tamper\ngateway: goldenpay\nrules:\n"
        "  - callbacks: {copies: 2, tamper: {payed_amount: '1.00'}}\n"
    )
    assert gp.admin("POST", "scenarios", content=text).status_code == 201
    fields = collect_fields(amount="40.99")
    fields["callback_url"] = url_for(receiver, fields["trans_id"])
    post(gp, COLLECT, fields, headers={"X-Sandbox-Scenario": "gp-tamper"})
    gp.advance(3)
    first, second = told(receiver, fields["trans_id"])
    assert first == second
    assert json.loads(first)["payed_amount"] == "1.00"
    assert not goldenpay_verify(parse_json(first), TOKEN).ok


def test_pending_outcome_never_moves(gp: RunningSandbox, receiver: Receiver) -> None:
    text = (
        "name: gp-pending\ngateway: goldenpay\nrules:\n"
        "  - when: {operation: payout}\n    outcome: {status: pending}\n"
    )
    assert gp.admin("POST", "scenarios", content=text).status_code == 201
    fields = payout_fields()
    fields["callback_url"] = url_for(receiver, fields["trans_id"])
    post(gp, PAYOUT, fields, headers={"X-Sandbox-Scenario": "gp-pending"})
    gp.advance(7200)
    assert status_of(gp, PAYOUT, fields["trans_id"])["status"] == 20
    assert told(receiver, fields["trans_id"]) == []


# -- the cashier page -----------------------------------------------------------------------------


def _form(gp: RunningSandbox, order_id: str, **form: str) -> httpx.Response:
    return gp.client.post(
        f"/_sandbox/pay/goldenpay/{order_id}",
        content="&".join(f"{k}={v}" for k, v in form.items()),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_cashier_page_pays_another_amount(gp: RunningSandbox, receiver: Receiver) -> None:
    order = collect(gp, receiver, amount="80.00")
    page = gp.client.get(f"/_sandbox/pay/goldenpay/{order['id']}")
    assert page.status_code == 200 and "80.00 THB" in page.text and "value='pay'" in page.text
    assert _form(gp, order["id"], action="pay", amount="abc").status_code == 400
    assert _form(gp, order["id"], action="pay", amount="75.5").status_code == 200
    gp.advance(0)
    callback = verified(told(receiver, order["trans_id"])[0])
    assert callback["status"] == 60 and callback["payed_amount"] == "75.50"
    again = _form(gp, order["id"], action="fail")
    assert again.status_code == 409
    assert status_of(gp, COLLECT, order["id"])["status"] == 60


def test_cashier_page_fail_and_return_url(gp: RunningSandbox, receiver: Receiver) -> None:
    order = collect(gp, receiver, return_url="https://shop.example/done?x=1")
    answer = _form(gp, order["id"], action="fail")
    assert answer.status_code == 303
    assert answer.headers["location"] == "https://shop.example/done?x=1"
    gp.advance(0)
    assert verified(told(receiver, order["trans_id"])[0])["status"] == 30


def test_cashier_page_shows_transfer_details_and_unknown_ids_are_404(
    gp: RunningSandbox, receiver: Receiver
) -> None:
    order = collect(gp, receiver, channel="bank", currency="VND", amount="150000")
    page = gp.client.get(f"/_sandbox/pay/goldenpay/{order['id']}")
    assert order["meta"]["account_no"] in page.text and order["meta"]["remarks"] in page.text
    assert gp.client.get("/_sandbox/pay/goldenpay/C209901019999").status_code == 404
    assert gp.client.get("/_sandbox/pay/goldenpay/P209901019999/qr.svg").status_code == 404


# -- admin: complete and trigger ------------------------------------------------------------------


def test_admin_complete(gp: RunningSandbox, receiver: Receiver) -> None:
    order = collect(gp, receiver)
    done = gp.admin(
        "POST", f"orders/{order['id']}/complete", json={"status": "success", "paid_amount": "70"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "60"
    gp.advance(0)
    assert verified(told(receiver, order["trans_id"])[0])["payed_amount"] == "70.00"
    again = gp.admin("POST", f"orders/{order['id']}/complete", json={"status": "failed"})
    assert again.status_code == 409
    before = balance_of(gp, "PHP")
    out = payout(gp, receiver, amount="30.00")
    bad = gp.admin("POST", f"orders/{out['id']}/complete", json={"status": "paid"})
    assert bad.status_code == 400
    done = gp.admin("POST", f"orders/{out['id']}/complete", json={"status": "canceled"})
    assert done.json()["status"] == "50"
    assert balance_of(gp, "PHP") == before
    gp.advance(0)
    assert verified(told(receiver, out["trans_id"])[0])["status"] == 50


def test_admin_trigger_sends_the_callback(gp: RunningSandbox, receiver: Receiver) -> None:
    trans_id = unique("TRG-")
    body = {
        "gateway": "goldenpay",
        "merchant": "10001",
        "kind": "payin",
        "status": "success",
        "amount": "12.00",
        "currency": "PHP",
        "notify_url": url_for(receiver, trans_id),
        "order_no": trans_id,
        "channel": "gcash",
    }
    answer = gp.admin("POST", "trigger", json=body)
    assert answer.status_code == 201, answer.text
    gp.advance(0)
    callback = verified(told(receiver, trans_id)[0])
    assert callback["status"] == 60 and callback["channel"] == "gcash"
    assert gp.admin("POST", "trigger", json=body).status_code == 409
    refused = gp.admin("POST", "trigger", json={**body, "kind": "refund"})
    assert refused.status_code == 400
    payout_body = {**body, "kind": "payout", "status": "failed", "order_no": unique("TRG-")}
    payout_body["notify_url"] = url_for(receiver, payout_body["order_no"])
    assert gp.admin("POST", "trigger", json=payout_body).status_code == 201
    gp.advance(0)
    assert verified(told(receiver, payout_body["order_no"])[0])["status"] == 50


def test_planned_outcome_and_callback_directives_survive_a_restart(tmp_path: Path) -> None:
    """With a file DB the 3 s outcome timer and the scenario's `copies: 2` are kept on the order,
    so they still apply after a restart (when the uploaded scenario itself is gone)."""
    flags = {
        "db": str(tmp_path / "gp.db"),
        "clock": "manual",
        "clock_start": "2026-05-04T03:00:00Z",
    }
    text = "name: gp-twice\ngateway: goldenpay\nrules:\n  - callbacks: {copies: 2}\n"
    with run_receiver(Reply(200, b"success")) as merchant:
        with run_sandbox(flags) as first:
            assert first.admin("POST", "scenarios", content=text).status_code == 201
            fields = collect_fields(amount="60.99")
            fields["callback_url"] = url_for(merchant, fields["trans_id"])
            answer = post(first, COLLECT, fields, headers={"X-Sandbox-Scenario": "gp-twice"})
            assert payload_of(answer)["status"] == 20
            first.advance(1)
        with run_sandbox(flags) as second:
            second.advance(1.9)
            assert told(merchant, fields["trans_id"]) == []
            second.advance(0.1)
            first_copy, second_copy = told(merchant, fields["trans_id"])
            assert first_copy == second_copy and verified(first_copy)["status"] == 60


def test_sequence_and_signature_directives(gp: RunningSandbox, receiver: Receiver) -> None:
    text = (
        "name: gp-seq\ngateway: goldenpay\nrules:\n"
        "  - when: {operation: collect.create}\n"
        "    callbacks: {sequence: [pending, success], spacing: 1s}\n"
        "  - when: {operation: payout.create}\n"
        "    callbacks: {signature: missing}\n"
    )
    assert gp.admin("POST", "scenarios", content=text).status_code == 201
    headers = {"X-Sandbox-Scenario": "gp-seq"}
    fields = collect_fields(amount="70.99")
    fields["callback_url"] = url_for(receiver, fields["trans_id"])
    post(gp, COLLECT, fields, headers=headers)
    out = payout_fields()
    out["callback_url"] = url_for(receiver, out["trans_id"])
    post(gp, PAYOUT, out, headers=headers)
    gp.advance(5)
    pending, paid = (verified(body) for body in told(receiver, fields["trans_id"]))
    assert (pending["status"], pending["payed_at"], pending["payed_amount"]) == (20, None, "0.00")
    assert (paid["status"], paid["payed_amount"]) == (60, "70.99")
    (unsigned,) = told(receiver, out["trans_id"])
    assert "sign" not in json.loads(unsigned) and json.loads(unsigned)["status"] == 60
