"""Scenario outcomes on payouts and refunds, callbacks blocks carried to
the later (timer) callback, Order Query of payouts (v4 and v3 casing), and timers that survive a
restart with a file database."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.receiver import Receiver, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, SECRET, answer, num, ok, post

from sandbox.signing.md5 import trustpay_verify
from sandbox.signing.values import parse_json

pytestmark = pytest.mark.postgres

SCENARIO = """\
name: tp-b-outcomes
gateway: trustpay
rules:
  - when: {operation: payout, amount: "101.00"}
    outcome: {status: expired}
  - when: {operation: payout, amount: "102.00"}
    outcome: {status: canceled, after: 1s}
  - when: {operation: payout, amount: "103.00"}
    outcome: {status: success, paid_amount: "order_amount - 3.00", after: 10s}
  - when: {operation: payout, amount: "104.00"}
    outcome: {status: failed, reason: "bank rejected", code: 880016}
  - when: {operation: refund, amount: "1.01"}
    outcome: {status: expired}
  - when: {operation: refund, amount: "1.02"}
    outcome: {status: canceled, after: 4s}
  - when: {operation: refund, amount: "1.03"}
    outcome: {status: failed, reason: "issuer refused", code: 880004}
  - when: {operation: refund, amount: "1.04"}
    respond: {drop: true, commit: true}
  - when: {operation: payout, amount: "105.00"}
    respond: {error: 880013, commit: true}
"""
HEADERS = {"X-Sandbox-Scenario": "tp-b-outcomes"}


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
        uploaded = sandbox.admin("POST", "scenarios", content=SCENARIO.encode())
        assert uploaded.status_code == 201, uploaded.text
        yield sandbox


def payout_body(receiver: Receiver, order_no: str, amount: str) -> dict[str, Any]:
    return {
        "merchantId": MERCHANT_ID,
        "orderNo": order_no,
        "amount": amount,
        "currency": "INR",
        "notifyUrl": receiver.url + "/notify",
        "accountNo": "123456789012",
        "accountName": "Ravi Kumar",
        "ifsc": "HDFC0001234",
    }


def callbacks_for(receiver: Receiver, order_no: str) -> list[dict[str, Any]]:
    found = []
    for body in receiver.bodies:
        parsed = parse_json(body)
        if parsed.get("order_no", parsed.get("orderNo")) == order_no:
            found.append(parsed)
    return found


def payout(
    running: RunningSandbox, receiver: Receiver, order_no: str, amount: str, **kw: Any
) -> dict[str, Any]:
    envelope: dict[str, Any] = answer(
        post(running, "/v2/payout/create", payout_body(receiver, order_no, amount), **kw)
    )
    assert int(envelope["code"]) == 880001, envelope
    return envelope


def inr(running: RunningSandbox) -> tuple[str, str]:
    data = ok(post(running, "/v4/balance", {"currency_id": "INR"}))
    return data["balance"], data["frozen"]


def test_payout_outcomes(running: RunningSandbox, receiver: Receiver) -> None:
    before = inr(running)
    for order_no, amount in [
        ("PO-EXP", "101.00"),
        ("PO-CAN", "102.00"),
        ("PO-PART", "103.00"),
        ("PO-FAIL", "104.00"),
    ]:
        payout(running, receiver, order_no, amount, headers=HEADERS)
    running.advance(1)
    (canceled,) = callbacks_for(receiver, "PO-CAN")
    assert (canceled["status"], canceled["reason"]) == ("3", "canceled")
    running.advance(4)
    (expired,) = callbacks_for(receiver, "PO-EXP")
    assert (expired["status"], expired["reason"]) == ("4", "order timeout")
    (failed,) = callbacks_for(receiver, "PO-FAIL")
    assert (failed["status"], failed["reason"]) == ("3", "880016: bank rejected")
    assert callbacks_for(receiver, "PO-PART") == []
    running.advance(5)
    (paid,) = callbacks_for(receiver, "PO-PART")
    assert (paid["status"], paid["orderAmount"], paid["paidAmount"]) == ("2", "103.00", "100.00")
    assert (paid["fee"], paid["balanceAmount"]) == ("1.50", "98.50")
    assert inr(running) == (str(Decimal(before[0]) - Decimal("103.00")), "0.00")
    for callback in (canceled, expired, failed, paid):
        assert trustpay_verify(callback, SECRET).ok


def test_order_query_shows_payouts_in_both_casings(
    running: RunningSandbox, receiver: Receiver
) -> None:
    created = payout(running, receiver, "PO-QUERY", "1000.00")
    view = ok(post(running, "/v4/query/order", {"order_no": "PO-QUERY"}))
    assert (view["type_id"], view["status"], view["order_amount"]) == ("1", "1", "1000.00")
    assert (view["paid_amount"], view["fee"], view["notify_status"]) == ("0.00", "15.00", "1")
    assert view["platform_order_no"] == created["platformOrderNo"]
    running.advance(5)
    running.advance(0)
    v3 = ok(
        post(
            running,
            "/v3/query/order",
            {"orderNo": created["platformOrderNo"], "merchantId": MERCHANT_ID},
        )
    )
    assert (v3["typeId"], v3["status"], v3["paidAmount"], v3["fee"]) == (
        "1",
        "2",
        "1000.00",
        "15.00",
    )
    assert v3["notifyStatus"] == "2" and v3["notifyTime"] is not None
    assert "order_no" not in v3 and v3["orderNo"] == "PO-QUERY"


def test_duplicate_callbacks_apply_to_the_later_payout_callback(
    running: RunningSandbox, receiver: Receiver
) -> None:
    payout(
        running, receiver, "PO-DUP", "10.00", headers={"X-Sandbox-Scenario": "duplicate-callbacks"}
    )
    running.advance(5)
    running.advance(3)
    copies = callbacks_for(receiver, "PO-DUP")
    assert len(copies) == 3 and all(c == copies[0] for c in copies)
    assert copies[0]["status"] == "2"


def card_payin(running: RunningSandbox, receiver: Receiver, order_no: str) -> None:
    body = {
        "merchant_id": MERCHANT_ID,
        "order_no": order_no,
        "order_amount": num("20.00"),
        "currency": "USD",
        "notify_url": receiver.url + "/notify",
        "card_number": "4242424242424242",
        "card_expiry": "2030-01",
        "card_cvv": "123",
        "card_holder_first_name": "Test",
        "card_holder_last_name": "User",
        "billing_country": "GB",
    }
    ok(post(running, "/v4/payin/create/card", body))
    running.advance(0)  # the paid callback is delivered before the refund's (no race on order)


@pytest.mark.parametrize(
    ("amount", "after", "reason"),
    [
        ("1.01", 2, "refund expired"),
        ("1.02", 4, "canceled"),
        ("1.03", 2, "880004: issuer refused"),
    ],
)
def test_refund_failure_outcomes(
    running: RunningSandbox, receiver: Receiver, amount: str, after: int, reason: str
) -> None:
    order_no = f"ORD-RF-{amount}"
    card_payin(running, receiver, order_no)
    body = {
        "order_no": order_no,
        "merchant_refund_no": f"RF-{amount}",
        "refund_amount": num(amount),
    }
    ok(post(running, "/v4/order/refund", body, headers=HEADERS))
    running.advance(after - 1)
    assert callbacks_for(receiver, order_no)[-1]["status"] == "9"
    running.advance(1)
    last = callbacks_for(receiver, order_no)[-1]
    assert (last["status"], last["reason"]) == ("5", reason)
    refund = running.admin("GET", f"orders/RF-{amount}").json()
    assert refund["status"] == "3" and refund["data"]["failed_reason"]["message"] == reason


def test_pending_payout_and_refund_survive_a_restart(tmp_path: Path, receiver: Receiver) -> None:
    flags = {
        "clock": "manual",
        "clock_start": "2026-03-12T08:30:00Z",
        "db": str(tmp_path / "sandbox.db"),
    }
    with run_sandbox(flags) as first:
        payout(first, receiver, "PO-RESTART", "50.00")
        card_payin(first, receiver, "ORD-RESTART")
        body = {
            "order_no": "ORD-RESTART",
            "merchant_refund_no": "RF-RESTART",
            "refund_amount": num("3.00"),
        }
        ok(post(first, "/v4/order/refund", body))
        first.advance(1)
    with run_sandbox(flags) as second:
        assert inr(second)[1] == "50.00"
        second.advance(1)
        assert callbacks_for(receiver, "ORD-RESTART")[-1]["status"] == "8"
        second.advance(3)
        (paid,) = callbacks_for(receiver, "PO-RESTART")
        assert paid["status"] == "2"
        assert inr(second)[1] == "0.00"


def complete(running: RunningSandbox, order_id: str, **body: Any) -> Any:
    return running.admin("POST", f"orders/{order_id}/complete", json=body)


def test_admin_completes_pending_refunds(running: RunningSandbox, receiver: Receiver) -> None:
    for order_no in ("ORD-CMP-1", "ORD-CMP-2"):
        card_payin(running, receiver, order_no)
    ok(
        post(
            running,
            "/v4/order/refund",
            {
                "order_no": "ORD-CMP-1",
                "merchant_refund_no": "PEND-RF-C1",
                "refund_amount": num("20.00"),
            },
        )
    )
    ok(
        post(
            running,
            "/v4/order/refund",
            {
                "order_no": "ORD-CMP-2",
                "merchant_refund_no": "PEND-RF-C2",
                "refund_amount": num("5.00"),
            },
        )
    )
    running.advance(60)
    response = complete(running, "PEND-RF-C1", status="success")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "2"
    running.advance(0)
    last = callbacks_for(receiver, "ORD-CMP-1")[-1]
    assert (last["status"], last["refund_amount"]) == ("7", "20.00")
    response = complete(running, "PEND-RF-C2", status="canceled", reason="merchant withdrew")
    assert response.status_code == 200 and response.json()["status"] == "3"
    running.advance(0)
    last = callbacks_for(receiver, "ORD-CMP-2")[-1]
    assert (last["status"], last["reason"]) == ("5", "merchant withdrew")
    again = complete(running, "PEND-RF-C2", status="success")
    assert again.status_code == 409, again.text


def test_admin_completes_pending_payouts(running: RunningSandbox, receiver: Receiver) -> None:
    before = inr(running)
    paid = payout(running, receiver, "PEND-PO-C1", "200.00")
    expired = payout(running, receiver, "PEND-PO-C2", "300.00")
    response = complete(running, paid["platformOrderNo"], status="success", paid_amount="150.00")
    assert response.status_code == 200, response.text
    response = complete(running, expired["platformOrderNo"], status="expired")
    assert response.status_code == 200, response.text
    running.advance(0)
    (done,) = callbacks_for(receiver, "PEND-PO-C1")
    assert (done["status"], done["paidAmount"], done["fee"], done["balanceAmount"]) == (
        "2",
        "150.00",
        "2.25",
        "147.75",
    )
    (timed_out,) = callbacks_for(receiver, "PEND-PO-C2")
    assert (timed_out["status"], timed_out["reason"]) == ("4", "order timeout")
    assert inr(running) == (str(Decimal(before[0]) - Decimal("200.00")), before[1])
    assert complete(running, paid["platformOrderNo"], status="failed").status_code == 409


def test_committed_but_spoiled_answers_still_process(
    running: RunningSandbox, receiver: Receiver
) -> None:
    card_payin(running, receiver, "ORD-DROP")
    body = {"order_no": "ORD-DROP", "merchant_refund_no": "RF-DROP", "refund_amount": num("1.04")}
    with pytest.raises(httpx.TransportError):
        post(running, "/v4/order/refund", body, headers=HEADERS)
    view = ok(post(running, "/v4/query/order", {"order_no": "ORD-DROP"}))
    assert (view["status"], view["refund_amount"]) == ("9", "1.04")
    response = post(
        running, "/v2/payout/create", payout_body(receiver, "PO-SPOILED", "105.00"), headers=HEADERS
    )
    assert answer(response) == {"code": "880013", "message": "internal_error"}
    view = ok(post(running, "/v4/query/order", {"order_no": "PO-SPOILED"}))
    assert (view["type_id"], view["status"]) == ("1", "1")
