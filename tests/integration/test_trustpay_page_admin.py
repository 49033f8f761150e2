"""The TrustPay hosted cashier page end to end over HTTP, and the admin `complete` / `trigger`
hooks, with callbacks on a real receiver and the manual clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, SECRET, num, ok, post

from sandbox.signing.md5 import trustpay_verify
from sandbox.signing.values import parse_json

pytestmark = pytest.mark.postgres

CASHIER = "/v4/payin/create/order"


@pytest.fixture(scope="module")
def receiver(store_backend: str) -> Iterator[Receiver]:
    """One per store backend, so the two runs' callbacks never mix."""
    with run_receiver(Reply(200, b"{}")) as merchant_side:
        yield merchant_side


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {**module_db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    ) as sandbox:
        yield sandbox


def create(
    running: RunningSandbox, receiver: Receiver, order_no: str, amount: str = "20.00"
) -> Any:
    body = {
        "merchant_id": num(MERCHANT_ID),
        "order_no": order_no,
        "order_amount": num(amount),
        "currency": "USD",
        "notify_url": receiver.url + "/notify",
    }
    return ok(post(running, CASHIER, body))


def callbacks_for(receiver: Receiver, order_no: str) -> list[dict[str, Any]]:
    found = []
    for body in receiver.bodies:
        parsed = parse_json(body)
        if order_no in (parsed.get("order_no"), parsed.get("orderNo")):
            assert trustpay_verify(parsed, SECRET).ok, body
            found.append(parsed)
    return found


def query(running: RunningSandbox, order_no: str) -> Any:
    return ok(post(running, "/v4/query/order", {"order_no": order_no}))


def submit(running: RunningSandbox, pay_url: str, **form: str) -> httpx.Response:
    """Post the page's form as a browser does, then follow the 303 back to the page."""
    response = running.client.post(
        pay_url,
        content=urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/_sandbox/pay/trustpay/")
    page = running.client.get(location)
    assert page.status_code == 200
    return page


def test_page_shows_the_order_and_a_form(running: RunningSandbox, receiver: Receiver) -> None:
    created = create(running, receiver, "PAGE-SHOW-1")
    page = running.client.get(created["pay_url"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for text in ("PAGE-SHOW-1", "20.00 USD", str(MERCHANT_ID), "Pending", "4111111111111111"):
        assert text in html
    assert "Test Payer" in html
    for action in ("pay", "decline", "cancel"):
        assert f"value='{action}'" in html
    assert "<script" not in html


def test_pay_with_the_defaults_then_the_result_view(
    running: RunningSandbox, receiver: Receiver
) -> None:
    created = create(running, receiver, "PAGE-PAY-1")
    page = submit(
        running,
        created["pay_url"],
        action="pay",
        card_number="4111111111111111",
        card_holder_name="Test Payer",
        paid_amount="20.00",
    )
    assert "Payment received: 20.00 USD" in page.text
    assert "value='pay'" not in page.text  # no form any more
    running.advance(0)
    [callback] = callbacks_for(receiver, "PAGE-PAY-1")
    assert (callback["status"], callback["paid_amount"], callback["fee"]) == ("5", "20.00", "1.00")
    view = query(running, "PAGE-PAY-1")
    assert (view["status"], view["notify_status"]) == ("5", "2")
    # a second action on a paid order changes nothing
    again = submit(running, created["pay_url"], action="cancel")
    assert "no longer pending" in again.text
    assert query(running, "PAGE-PAY-1")["status"] == "5"


def test_pay_a_different_amount_charges_the_fee_on_it(
    running: RunningSandbox, receiver: Receiver
) -> None:
    created = create(running, receiver, "PAGE-PART-1")
    submit(
        running,
        created["pay_url"],
        action="pay",
        card_number="5555555555554444",
        card_holder_name="Ann",
        paid_amount="10.00",
    )
    running.advance(0)
    [callback] = callbacks_for(receiver, "PAGE-PART-1")
    assert (callback["order_amount"], callback["paid_amount"], callback["fee"]) == (
        "20.00",
        "10.00",
        "0.65",
    )


@pytest.mark.parametrize(
    ("action", "reason"), [("decline", "payment failed"), ("cancel", "canceled by payer")]
)
def test_decline_and_cancel(
    running: RunningSandbox, receiver: Receiver, action: str, reason: str
) -> None:
    order_no = f"PAGE-{action.upper()}-1"
    created = create(running, receiver, order_no)
    page = submit(running, created["pay_url"], action=action)
    assert f"Payment failed: {reason}" in page.text
    running.advance(0)
    [callback] = callbacks_for(receiver, order_no)
    assert (callback["status"], callback["reason"]) == ("3", reason)


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"card_number": "4111111111111117"}, "not valid"),
        ({"paid_amount": "0"}, "paid amount"),
        ({"paid_amount": "1.234"}, "paid amount"),
        ({"card_holder_name": ""}, "holder"),
    ],
)
def test_bad_form_values_change_nothing(
    running: RunningSandbox, receiver: Receiver, form: dict[str, str], problem: str
) -> None:
    created = create(running, receiver, f"PAGE-BAD-{sorted(form.items())}".replace(" ", ""))
    values = {
        "action": "pay",
        "card_number": "4111111111111111",
        "card_holder_name": "Test Payer",
        "paid_amount": "20.00",
        **form,
    }
    page = submit(running, created["pay_url"], **values)
    assert problem in page.text
    assert query(running, created["order_no"])["status"] == "1"


def test_test_cards_on_the_page(running: RunningSandbox, receiver: Receiver) -> None:
    cases = {
        "PAGE-DECL": ("4000000000000002", "3", "card declined"),
        "PAGE-ACF": ("4000000000000119", "3", "all channels failed"),
        "PAGE-3DS": ("4000000000003220", "1", None),
    }
    urls = {}
    for order_no, (number, status, reason) in cases.items():
        created = create(running, receiver, order_no)
        urls[order_no] = created["pay_url"]
        page = submit(
            running,
            created["pay_url"],
            action="pay",
            card_number=number,
            card_holder_name="Tess",
            paid_amount="20.00",
        )
        view = query(running, order_no)
        assert view["status"] == status, order_no
        if reason is not None:
            assert view["reason"] == reason
            assert reason in page.text
    assert "Authentication pending" in running.client.get(urls["PAGE-3DS"]).text
    running.advance(10)
    assert query(running, "PAGE-3DS")["status"] == "5"
    assert [c["status"] for c in callbacks_for(receiver, "PAGE-3DS")] == ["5"]


def test_pend_prefix_is_moved_only_by_the_page(running: RunningSandbox, receiver: Receiver) -> None:
    created = create(running, receiver, "PEND-PAGE-1")
    running.advance(3600)
    assert query(running, "PEND-PAGE-1")["status"] == "1"
    submit(
        running,
        created["pay_url"],
        action="pay",
        card_number="4242424242424242",
        card_holder_name="Pat",
        paid_amount="20.00",
    )
    assert query(running, "PEND-PAGE-1")["status"] == "5"


def test_unknown_order_is_a_404_page(running: RunningSandbox) -> None:
    response = running.client.get("/_sandbox/pay/trustpay/NoSuchOrder000000000000")
    assert response.status_code == 404
    assert "Order not found" in response.text


def test_public_url_setting_makes_the_links(receiver: Receiver) -> None:
    flags = {"clock": "manual", "public_url": "http://localhost:9999/"}
    with run_sandbox(flags) as public:
        created = create(public, receiver, "PUB-1")
        assert created["pay_url"] == (
            f"http://localhost:9999/_sandbox/pay/trustpay/{created['platform_order_no']}"
        )


def test_page_is_outside_the_admin_token(receiver: Receiver) -> None:
    with run_sandbox({"clock": "manual", "admin_token": "s3cret"}) as guarded:
        created = create(guarded, receiver, "TOKEN-1")
        page = guarded.client.get(created["pay_url"])
        assert page.status_code == 200
        assert guarded.client.get("/_sandbox/orders").status_code == 401


# -- admin complete ---------------------------------------------------------------------------


def complete(running: RunningSandbox, order_id: str, **body: Any) -> httpx.Response:
    return running.admin("POST", f"orders/{order_id}/complete", json=body)


def test_complete_a_pending_payin(running: RunningSandbox, receiver: Receiver) -> None:
    created = create(running, receiver, "CMP-1")
    response = complete(
        running, created["platform_order_no"], status="success", paid_amount="19.00"
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "5"
    running.advance(0)
    [callback] = callbacks_for(receiver, "CMP-1")
    assert (callback["paid_amount"], callback["fee"]) == ("19.00", "0.97")
    again = complete(running, created["platform_order_no"], status="failed")
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        ("failed", "3", "payment failed"),
        ("expired", "4", "order timeout"),
        ("canceled", "3", "canceled"),
    ],
)
def test_complete_failures(
    running: RunningSandbox, receiver: Receiver, status: str, code: str, reason: str
) -> None:
    order_no = f"CMP-{status}"
    created = create(running, receiver, order_no)
    assert complete(running, order_no, status=status).status_code == 200
    running.advance(0)
    [callback] = callbacks_for(receiver, order_no)
    assert (callback["status"], callback["reason"]) == (code, reason)
    assert created


def test_complete_with_reason_and_bad_bodies(running: RunningSandbox, receiver: Receiver) -> None:
    created = create(running, receiver, "CMP-R")
    for body, status in (
        ({"status": "paid"}, 400),
        ({}, 400),
        ({"status": "success", "paid_amount": "x"}, 400),
        ({"status": "success", "paid_amount": "1.234"}, 400),
        ({"status": "success", "reason": 5}, 400),
    ):
        response = running.admin(
            "POST", f"orders/{created['platform_order_no']}/complete", json=body
        )
        assert response.status_code == status, (body, response.text)
        assert "error" in response.json()
    assert complete(running, "CMP-R", status="failed", reason="bank said no").status_code == 200
    assert query(running, "CMP-R")["reason"] == "bank said no"


def test_complete_a_payout(running: RunningSandbox, receiver: Receiver) -> None:
    body = {
        "merchantId": num(MERCHANT_ID),
        "orderNo": "PEND-PO-1",
        "amount": "1000.00",
        "currency": "INR",
        "notifyUrl": receiver.url + "/notify",
        "accountNo": "123456789012",
        "accountName": "Ravi Kumar",
        "ifsc": "HDFC0001234",
    }
    created = post(running, "/v2/payout/create", body).json()
    assert created["status"] == 1
    assert complete(running, created["platformOrderNo"], status="success").status_code == 200
    running.advance(0)
    [callback] = callbacks_for(receiver, "PEND-PO-1")
    assert (callback["type"], callback["status"], callback["balanceAmount"]) == ("1", "2", "985.00")


# -- admin trigger ----------------------------------------------------------------------------


def trigger(running: RunningSandbox, **body: Any) -> httpx.Response:
    return running.admin(
        "POST", "trigger", json={"gateway": "trustpay", "merchant_id": MERCHANT_ID, **body}
    )


@pytest.mark.parametrize(
    ("status", "keys"),
    [
        (1, ["status", "reason"]),
        (3, ["status", "reason"]),
        (4, ["status", "reason"]),
        (5, ["paid_amount", "balance_amount", "fee", "pay_time", "status", "reason"]),
        (6, ["paid_amount", "balance_amount", "fee", "pay_time", "status", "reason"]),
        (7, ["refund_amount", "merchant_refund_no", "status", "reason"]),
        (8, ["refund_amount", "merchant_refund_no", "status", "reason"]),
        (9, ["refund_amount", "merchant_refund_no", "status", "reason"]),
    ],
)
def test_trigger_payin_in_every_status(
    running: RunningSandbox, receiver: Receiver, status: int, keys: list[str]
) -> None:
    order_no = f"TRG-PI-{status}"
    response = trigger(
        running,
        type=0,
        status=status,
        order_amount="20.00",
        currency="USD",
        notify_url=receiver.url + "/notify",
        api_version="v4",
        order_no=order_no,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["status"], created["merchant_order_id"]) == (str(status), order_no)
    running.advance(0)
    [callback] = callbacks_for(receiver, order_no)
    assert list(callback) == ["type", "merchant_id", "order_no", "order_amount", *keys, "sign"]
    assert callback["status"] == str(status)
    view = query(running, order_no)
    assert view["status"] == str(status)
    if status == 8:
        assert (view["refund_amount"], callback["merchant_refund_no"]) == (
            "10.00",
            [f"{order_no}-R1"],
        )


@pytest.mark.parametrize("status", [1, 2, 3, 4])
def test_trigger_payout_in_every_status_camel_case(
    running: RunningSandbox, receiver: Receiver, status: int
) -> None:
    response = trigger(
        running,
        type=1,
        status=status,
        order_amount="1000.00",
        currency="INR",
        notify_url=receiver.url + "/notify",
    )
    assert response.status_code == 201, response.text
    order_no = response.json()["merchant_order_id"]
    assert order_no.startswith("TRIGGER-")
    running.advance(0)
    [callback] = callbacks_for(receiver, order_no)
    assert (callback["type"], callback["status"]) == ("1", str(status))
    assert "orderNo" in callback


def test_trigger_v3_payin_is_camel_case(running: RunningSandbox, receiver: Receiver) -> None:
    response = trigger(
        running,
        status=5,
        order_amount="20.00",
        notify_url=receiver.url + "/n",
        api_version="v3",
        order_no="TRG-V3-1",
    )
    assert response.status_code == 201
    running.advance(0)
    [callback] = callbacks_for(receiver, "TRG-V3-1")
    assert (callback["orderNo"], callback["balanceAmount"]) == ("TRG-V3-1", "19.00")


def test_trigger_neutral_form_and_errors(running: RunningSandbox, receiver: Receiver) -> None:
    neutral = running.admin(
        "POST",
        "trigger",
        json={
            "gateway": "trustpay",
            "merchant": str(MERCHANT_ID),
            "kind": "payin",
            "status": "success",
            "amount": "5.00",
            "currency": "USD",
        },
    )
    assert neutral.status_code == 201, neutral.text
    assert neutral.json()["status"] == "5"
    # the order number this test then reuses (not one another test made: xdist may split them)
    assert trigger(running, status=5, order_amount="1.00", order_no="TRG-DUP").status_code == 201
    for body, code in (
        ({"status": 2, "order_amount": "1.00"}, 422),
        ({"type": 1, "status": 5, "order_amount": "1.00"}, 422),
        ({"status": "x", "order_amount": "1.00"}, 400),
        ({"status": 5, "order_amount": "abc"}, 400),
        ({"status": 5, "order_amount": "1.00", "api_version": "v9"}, 400),
        ({"status": 5, "order_amount": "1.00", "order_no": "TRG-DUP"}, 409),
    ):
        response = trigger(running, **body)
        assert response.status_code == code, (body, response.text)
    money = Decimal(ok(post(running, "/v4/balance", {"currency_id": "USD"}))["balance"])
    assert money > 0
    assert re.match(
        r"TRIGGER-\d+", trigger(running, status=1, order_amount="1.00").json()["merchant_order_id"]
    )


def test_page_pay_asks_risk_control(tmp_path: Any, receiver: Receiver) -> None:
    with run_receiver(Reply(403, b"deny")) as risk:
        config = tmp_path / "sandbox.yaml"
        config.write_text(
            "merchants:\n  trustpay:\n    - merchant_id: 8820250900009\n"
            "      api_key: tp_test_0b1c2d3e4f5a6b7c\n      secret: tp_test_secret_9f8e7d6c\n"
            f"      risk_control_url: {risk.url}/risk\n"
        )
        with run_sandbox({"clock": "manual", "config": str(config)}) as risky:
            created = create(risky, receiver, "PAGE-RISK-1")
            page = submit(
                risky,
                created["pay_url"],
                action="pay",
                card_number="4242424242424242",
                card_holder_name="Rita Risk",
                paid_amount="20.00",
            )
            assert "user risk control failed" in page.text
            [asked] = risk.requests
            sent = parse_json(asked.body)
            assert (sent["orderId"], sent["cardHolderName"]) == (
                created["platform_order_no"],
                "Rita Risk",
            )
            assert query(risky, "PAGE-RISK-1")["status"] == "3"
