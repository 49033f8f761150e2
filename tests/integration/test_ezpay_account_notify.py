"""EzPay balances and the report, the documented request vectors sent live with their
pinned signatures, notification retries on a non-10000 reply (manual clock), scenario callback
directives, and a merchant with its own key pairs running the whole flow."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.ezpay import (
    OK_REPLY,
    OWN_APP_ID,
    EzPayClient,
    client_for,
    order_of,
    own_keys,
    payment,
    payout,
    wait_callbacks,
    write_config,
)
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox
from unit.test_signing_ezpay import PINNED, VECTORS, change_one_byte

from sandbox.signing.demo_keys import EZPAY_DEMO_MERCHANT_PUBLIC_KEY

pytestmark = pytest.mark.postgres

LIVE_APP_ID = "4444444444444444444444444444444d"  # demo key, timestamp_tolerance_s: null


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with run_receiver(Reply(200, OK_REPLY)) as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    folder = Path(tmp_path_factory.mktemp("ezpay"))
    config = write_config(folder / "config.yaml")
    demo = "\n".join("        " + line for line in EZPAY_DEMO_MERCHANT_PUBLIC_KEY.splitlines())
    with open(config, "a", encoding="utf-8") as extra:
        extra.write(
            f"    - app_id: {LIVE_APP_ID}\n      merchant_public_key: |\n{demo}\n"
            "      timestamp_tolerance_s: null\n"
        )
    flags = {"clock": "manual", "clock_start": "2026-03-12T08:30:00Z", "config": config}
    with run_sandbox(flags) as running:
        yield running


@pytest.fixture
def client(server: RunningSandbox) -> EzPayClient:
    return EzPayClient(server.client)


def send_vector(
    server: RunningSandbox, vector_id: str, param: str | None = None, app_id: str = LIVE_APP_ID
) -> dict[str, object]:
    text = VECTORS[vector_id][0] if param is None else param
    path = {
        "R1": "/open-api/account/balance",
        "R1b": "/open-api/account/balance",
        "R4": "/open-api/philippines/disbursement/transfer",
    }.get(vector_id, "/open-api/philippines/payment/generate")
    body = {"appId": app_id, "sign": PINNED[vector_id], "param": text}
    answer: dict[str, object] = server.client.post(path, json=body).json()
    return answer


@pytest.mark.parametrize(
    ("vector_id", "code", "message"),
    [
        ("R1", 10000, "Success"),
        ("R1b", 10000, "Success"),
        ("R2", 10000, "Success"),
        ("R3", 21002, "Request param error: amount must be an integer in minor units"),
        ("R4", 10000, "Success"),
    ],
)
def test_request_vectors_live(
    server: RunningSandbox, vector_id: str, code: int, message: str
) -> None:
    answer = send_vector(server, vector_id)
    assert (answer["code"], answer["message"]) == (code, message)
    if vector_id == "R1":
        assert answer["data"] == {"balance": "1000000.00"}
    changed = send_vector(server, vector_id, change_one_byte(VECTORS[vector_id][0]))
    assert changed == {"code": 21001, "message": "Request sign error", "data": None}
    replayed = send_vector(server, vector_id, app_id="8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c")
    assert replayed["code"] == 21009  # the demo merchant checks the stamp against real time


def test_r2_and_r4_leave_pending_orders(server: RunningSandbox) -> None:
    found = server.admin("GET", "orders", params={"merchant": LIVE_APP_ID}).json()["items"]
    statuses = {o["merchant_order_id"]: (o["kind"], o["status"]) for o in found}
    assert statuses["ORDER-0001"] == ("payment", "PENDING")
    assert statuses["PO-0001"][0] == "payout"
    assert "remark" not in next(o for o in found if o["kind"] == "payout")["data"]


def test_balances(client: EzPayClient) -> None:
    assert client.call("/open-api/account/balance/v2", {"currency": "USD"})["data"] == {
        "balance": "100000.00"
    }
    assert client.call("/open-api/account/balance/v2", {"currency": "IDR"})["data"] == {
        "balance": "10000000000.00"
    }
    bad = client.call("/open-api/account/balance", {"countryCode": "US"})
    assert bad["message"] == "Request param error: countryCode must be one of PH, ID, MY, TH, RU"
    assert client.call("/open-api/account/balance/v2", {"currency": "EUR"})["code"] == 21002


def test_report_download(server: RunningSandbox, client: EzPayClient) -> None:
    ident = client.call(
        "/open-api/philippines/disbursement/transfer", payout("PO-REPORT-1", 12345)
    )["data"]["transactionId"]
    server.advance(5)
    day = "2026-03-12"  # 08:30Z is 16:30 at +08:00
    answer = client.call(
        "/open-api/report/download", {"countryCode": "PH", "transDate": day, "transType": 1}
    )
    url = answer["data"]["downloadUrl"]
    assert url.startswith(server.url + "/_sandbox/reports/") and url.endswith(".csv")
    response = server.client.get(url.removeprefix(server.url))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert b"\r\n" in response.content
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
        "transactionId",
        "mchOrderId",
        "createTime",
        "returnTime",
        "currency",
        "amount",
        "fee",
        "transactionStatus",
        "payMethodCode",
        "transferCode",
        "failedCode",
        "failedMessage",
    ]
    row = next(r for r in rows[1:] if r[0] == ident)
    assert row[1:] == [
        "PO-REPORT-1",
        row[2],
        row[3],
        "PHP",
        "123.45",
        "11.23",
        "COMPLETED",
        "EWALLET",
        "GCASH",
        "",
        "",
    ]
    other_day = client.call(
        "/open-api/report/download",
        {"countryCode": "PH", "transDate": "2026-03-11", "transType": "2"},
    )
    empty = server.client.get(other_day["data"]["downloadUrl"].removeprefix(server.url))
    assert empty.text.count("\r\n") == 1
    server.advance(3600)
    assert server.client.get(url.removeprefix(server.url)).status_code == 410
    assert server.client.get("/_sandbox/reports/" + "0" * 32 + ".csv").status_code == 404


@pytest.mark.parametrize(
    ("param", "code", "message"),
    [
        (
            {"countryCode": "PH", "transDate": "2026-02-30", "transType": 1},
            21002,
            "Request param error: transDate must be a real date written yyyy-MM-dd",
        ),
        (
            {"countryCode": "PH", "transDate": "2026-03-01", "transType": 3},
            21002,
            "Request param error: transType must be one of 1, 2",
        ),
        (
            {"countryCode": "RU", "transDate": "2026-03-01", "transType": 1},
            21017,
            "Merchant has not opened this national service",
        ),
    ],
)
def test_report_errors(
    client: EzPayClient, param: dict[str, object], code: int, message: str
) -> None:
    answer = client.call("/open-api/report/download", param)
    assert (answer["code"], answer["message"]) == (code, message)


def test_notifications_retry_until_code_10000(
    server: RunningSandbox, client: EzPayClient, receiver: Receiver
) -> None:
    receiver.reply(
        Reply(200, b'{"code":21000}'), Reply(500, b"oops"), Reply(200, b'{"code":"10000"}')
    )
    notify = receiver.url + "/retry"
    ident = client.call(
        "/open-api/philippines/payment/generate", payment("RETRY-1", 10099, notifyUrl=notify)
    )["data"]["transactionId"]
    server.advance(3)
    assert len([r for r in receiver.requests if r.path == "/retry"]) == 1
    server.advance(59)
    assert len([r for r in receiver.requests if r.path == "/retry"]) == 1
    server.advance(1)
    assert len([r for r in receiver.requests if r.path == "/retry"]) == 2
    server.advance(300)
    bodies = [r.body for r in receiver.requests if r.path == "/retry"]
    assert len(bodies) == 3 and len(set(bodies)) == 1  # the same signed body every time
    message = wait_callbacks(server, 1, order=ident)[0]
    assert message["state"] == "acked"
    client.verify_notification(bodies[0])


def test_scenario_directives_on_notifications(
    server: RunningSandbox, client: EzPayClient, receiver: Receiver
) -> None:
    text = (
        "name: forged\ngateway: ezpay\nrules:\n"
        "  - when: {operation: payment.create}\n"
        "    outcome: {status: success, paid_amount: 400}\n"
        "    callbacks: {copies: 2, tamper: {amount: 1}}\n"
    )
    assert server.client.post("/_sandbox/scenarios", content=text).status_code == 201
    notify = receiver.url + "/forged"
    ident = client.call(
        "/open-api/philippines/payment/generate",
        payment("FORGED-1", 500, notifyUrl=notify),
        {"X-Sandbox-Scenario": "forged"},
    )["data"]["transactionId"]
    server.advance(0)
    wait_callbacks(server, 2, order=ident)
    bodies = [r.body for r in receiver.requests if r.path == "/forged"]
    assert len(bodies) == 2 and bodies[0] == bodies[1]
    with pytest.raises(AssertionError):
        client.verify_notification(bodies[0])
    assert json.loads(json.loads(bodies[0])["param"])["amount"] == 1
    query = client.call("/open-api/philippines/payment/query", {"mchOrderId": "FORGED-1"})
    assert query["data"]["amount"] == 400


def test_own_key_pairs_run_the_whole_flow(server: RunningSandbox, receiver: Receiver) -> None:
    own = client_for(server.client, OWN_APP_ID)
    demo_signed = EzPayClient(server.client, OWN_APP_ID)  # right appId, wrong (demo) key
    assert demo_signed.call("/open-api/account/balance", {"countryCode": "PH"})["code"] == 21001
    assert own.call("/open-api/account/balance", {"countryCode": "PH"})["data"] == {
        "balance": "1000.00"
    }
    notify = receiver.url + "/own"
    ident = own.call(
        "/open-api/philippines/payment/generate", payment("OWN-PAY-1", 10099, notifyUrl=notify)
    )["data"]["transactionId"]
    server.advance(3)
    wait_callbacks(server, 1, order=ident)
    refund = own.call(
        "/open-api/payment/refund",
        {
            "mchRefundOrderId": "OWN-RF-1",
            "originalTransactionId": ident,
            "refundAmount": 10099,
            "refundCallbackUrl": notify,
        },
    )
    assert refund["code"] == 10000
    server.advance(5)
    wait_callbacks(server, 1, order=refund["data"]["refundTransactionId"])
    params = [own.verify_notification(r.body) for r in receiver.requests if r.path == "/own"]
    assert [p["eventName"] for p in params] == ["order.payment.success", "payment.refund.success"]
    assert params[1]["feeRefunded"] == 252
    assert own.call("/open-api/account/balance", {"countryCode": "PH"})["data"] == {
        "balance": "1000.00"
    }
    assert own_keys().platform_public != own_keys().merchant_public


def test_trigger_creates_final_orders_and_notifies(
    server: RunningSandbox, client: EzPayClient, receiver: Receiver
) -> None:
    notify = receiver.url + "/trigger"
    base = {"gateway": "ezpay", "merchant": "8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c"}
    payin = server.admin(
        "POST",
        "trigger",
        json={
            **base,
            "kind": "payin",
            "status": "success",
            "amount": 2000,
            "currency": "PHP",
            "notify_url": notify,
            "order_no": "TRG-1",
        },
    )
    assert payin.status_code == 201, payin.text
    assert payin.json()["status"] == "COMPLETED"
    refund = server.admin(
        "POST",
        "trigger",
        json={
            **base,
            "kind": "refund",
            "status": "failed",
            "amount": 500,
            "original": payin.json()["id"],
            "notify_url": notify,
        },
    )
    assert refund.status_code == 201, refund.text
    assert refund.json()["status"] == "FAILED"
    payout_answer = server.admin(
        "POST",
        "trigger",
        json={
            **base,
            "kind": "payout",
            "status": "failed",
            "amount": 1000,
            "currency": "IDR",
            "notify_url": notify,
        },
    )
    assert payout_answer.json()["status"] == "FAILED"
    server.advance(0)
    for ident in (payin.json()["id"], refund.json()["id"], payout_answer.json()["id"]):
        wait_callbacks(server, 1, order=ident)
    events = [
        client.verify_notification(r.body)["eventName"]
        for r in receiver.requests
        if r.path == "/trigger"
    ]
    assert sorted(events) == [
        "disbursement.failed",
        "order.payment.success",
        "payment.refund.failed",
    ]
    bad = server.admin(
        "POST", "trigger", json={**base, "kind": "payout", "amount": 1, "currency": "RUB"}
    )
    assert bad.status_code == 422


def test_payout_without_a_url_is_noted_in_the_journal(
    server: RunningSandbox, client: EzPayClient
) -> None:
    assert (
        client.call("/open-api/philippines/disbursement/transfer", payout("PO-NOTE-1"))["code"]
        == 10000
    )
    entry = server.admin("GET", "requests", params={"gateway": "ezpay"}).json()["items"][0]
    assert entry["note"] == "10000 Success; no payout callback URL"


def test_pages_and_reports_need_no_admin_token() -> None:
    with run_sandbox({"clock": "manual", "admin_token": "secret-token"}) as locked:
        client = EzPayClient(locked.client)
        created = client.call("/open-api/philippines/payment/generate", payment("TOKEN-1"))
        page = locked.client.get(created["data"]["payData"].removeprefix(locked.url))
        assert page.status_code == 200
        report = client.call(
            "/open-api/report/download",
            {"countryCode": "PH", "transDate": "2026-01-01", "transType": 2},
        )
        download = locked.client.get(report["data"]["downloadUrl"].removeprefix(locked.url))
        assert download.status_code == 200
        assert locked.client.get("/_sandbox/orders").status_code == 401


def test_library_scenarios_apply_to_ezpay(
    server: RunningSandbox, client: EzPayClient, receiver: Receiver
) -> None:
    generate = "/open-api/philippines/payment/generate"
    notify = receiver.url + "/library"
    happy = {"X-Sandbox-Scenario": "happy-path"}
    paid = client.call(generate, payment("LIB-HAPPY-1", 800, notifyUrl=notify), happy)
    sent = client.call(
        "/open-api/philippines/disbursement/transfer",
        payout("LIB-HAPPY-PO-1", notifyUrl=notify),
        happy,
    )
    server.advance(2)
    assert order_of(server, paid["data"]["transactionId"])["status"] == "COMPLETED"
    assert order_of(server, sent["data"]["transactionId"])["status"] == "PENDING"
    server.advance(3)  # payouts keep the gateway's usual 5 s
    assert order_of(server, sent["data"]["transactionId"])["status"] == "COMPLETED"

    half = client.call(
        generate,
        payment("LIB-HALF-1", 801, notifyUrl=notify),
        {"X-Sandbox-Scenario": "partial-payment"},
    )
    late = client.call(
        generate,
        payment("LIB-ORDER-1", 900, notifyUrl=notify),
        {"X-Sandbox-Scenario": "out-of-order"},
    )
    server.advance(2)
    server.advance(1)
    wait_callbacks(server, 1, order=half["data"]["transactionId"])
    wait_callbacks(server, 2, order=late["data"]["transactionId"])
    params = [client.verify_notification(r.body) for r in receiver.requests if r.path == "/library"]
    by_order: dict[str, list[dict[str, object]]] = {}
    for param in params:
        by_order.setdefault(str(param["mchOrderId"]), []).append(param)
    assert by_order["LIB-HALF-1"][0]["amount"] == 401  # 50 % of 801, half-up
    statuses = [p["transactionStatus"] for p in by_order["LIB-ORDER-1"]]
    assert statuses == ["COMPLETED", "PENDING"]
    assert "returnTime" not in by_order["LIB-ORDER-1"][1]
