"""EzPay static codes and refunds over the real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.ezpay import (
    OK_REPLY,
    EzPayClient,
    order_of,
    payment,
    payout,
    wait_callbacks,
    write_config,
)
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox

pytestmark = pytest.mark.postgres

REFUND = "/open-api/payment/refund"
REFUNDS = "/open-api/refund/payments"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with run_receiver(Reply(200, OK_REPLY)) as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    config = write_config(Path(tmp_path_factory.mktemp("ezpay")) / "config.yaml")
    with run_sandbox({"clock": "manual", "config": config}) as running:
        yield running


@pytest.fixture
def client(server: RunningSandbox) -> EzPayClient:
    return EzPayClient(server.client)


def static(order_no: str, channel: str = "PH_QRPH_STATIC", **extra: Any) -> dict[str, Any]:
    return {
        "mchOrderId": order_no,
        "customerName": "Sari Sari Store",
        "channelCode": channel,
        "notifyUrl": "http://127.0.0.1:9/static",
        "email": "shop@example.com",
        "mobile": "09171234567",
        **extra,
    }


def spath(country: str, op: str) -> str:
    return f"/open-api/{country}/static/{op}"


def code_id(server: RunningSandbox, order_no: str) -> str:
    items = server.admin("GET", "orders", params={"order": order_no, "kind": "static"}).json()
    return str(items["items"][0]["id"])


@pytest.mark.parametrize(
    ("country", "channel", "kind", "mobile"),
    [
        ("philippines", "PH_QRPH_STATIC", "QR", "09171234567"),
        ("indonesia", "ID_BCA_STATIC_VA", "VA", "0812345678"),
        ("indonesia", "ID_QRIS_STATIC", "QR", "0812345678"),
        ("thailand", "TH_PROMPTPAY_STATIC_QR", "QR", "0812345678"),
    ],
)
def test_static_create_detail_list(
    server: RunningSandbox, client: EzPayClient, country: str, channel: str, kind: str, mobile: str
) -> None:
    order_no = f"QR-{country}-{kind}-{channel[-6:]}"
    answer = client.call(
        spath(country, "payment/generate"), static(order_no, channel, mobile=mobile)
    )
    assert answer["code"] == 10000, answer
    data = answer["data"]
    assert list(data) == [
        "mchOrderId",
        "payData",
        "channelCode",
        "createTime",
        "status",
        "channelType",
    ]
    assert (data["status"], data["channelType"]) == ("ACTIVE", kind)
    ident = code_id(server, order_no)
    assert ident.startswith("S")
    if kind == "QR":
        assert data["payData"].startswith("000201010211") and ident in data["payData"]
    else:
        assert data["payData"] == "3901" + ident[-12:]
    detail = client.call(spath(country, "code/detail"), {"mchOrderId": order_no})
    assert detail["data"]["status"] == "ACTIVE"
    assert list(detail["data"])[-1] == "expiresTime"
    wrong_channel = client.call(
        spath(country, "code/detail"), {"mchOrderId": order_no, "channelCode": "PH_GCASH_URL"}
    )
    assert wrong_channel["code"] == 21006
    assert client.call(spath(country, "payment/list"), {"mchOrderId": order_no})["data"] == []


def test_static_errors(client: EzPayClient) -> None:
    dynamic = client.call(
        spath("philippines", "payment/generate"), static("QR-ERR-1", "PH_GCASH_URL")
    )
    assert dynamic["code"] == 21005
    assert client.call(spath("malaysia", "payment/generate"), static("QR-ERR-1"))["code"] == 21017
    assert (
        client.call(spath("philippines", "payment/generate"), static("QR-ERR-2"))["code"] == 10000
    )
    assert (
        client.call(spath("philippines", "payment/generate"), static("QR-ERR-2"))["code"] == 21007
    )
    missing = client.call(spath("philippines", "code/detail"), {"mchOrderId": "NOPE"})
    assert (missing["code"], missing["message"]) == (21006, "Merchant transaction not found")
    field = client.call(
        spath("philippines", "payment/generate"),
        {k: v for k, v in static("QR-ERR-3").items() if k != "email"},
    )
    assert field["message"] == "Request param error: email is required"


def test_static_payments_notify_each_one_and_cancel(
    server: RunningSandbox, client: EzPayClient, receiver: Receiver
) -> None:
    notify = receiver.url + "/static-shop"
    client.call(
        spath("philippines", "payment/generate"),
        static("QR-SHOP-01", notifyUrl=notify, remark="counter 1"),
    )
    ident = code_id(server, "QR-SHOP-01")
    form = {"content-type": "application/x-www-form-urlencoded"}
    page = server.client.get(f"/_sandbox/pay/ezpay/{ident}")
    assert page.status_code == 200 and "amount" in page.text
    paid = server.client.post(
        f"/_sandbox/pay/ezpay/{ident}", content="action=pay&amount=123.45", headers=form
    )
    assert paid.status_code == 200
    second = server.admin("POST", f"orders/{ident}/complete", json={"paid_amount": 500})
    assert second.status_code == 200, second.text
    server.advance(0)
    messages = wait_callbacks(server, 2, state="acked", event="static.order.payment.success")
    assert len(messages) >= 2
    bodies = [r.body for r in receiver.requests if r.path == "/static-shop"]
    params = [client.verify_notification(b) for b in bodies]
    assert sorted(p["amount"] for p in params) == [500, 12345]
    assert {p["mchOrderId"] for p in params} == {"QR-SHOP-01"}
    assert all(p["remark"] == "counter 1" and p["channelCode"] == "PH_QRPH_STATIC" for p in params)
    assert len({p["transactionId"] for p in params}) == 2
    listed = client.call(spath("philippines", "payment/list"), {"mchOrderId": "QR-SHOP-01"})["data"]
    assert [t["amount"] for t in listed] == [12345, 500]
    assert all(t["transactionStatus"] == "COMPLETED" and "returnTime" in t for t in listed)
    cancel_wrong = client.call(
        spath("philippines", "code/cancel"),
        {"mchOrderId": "QR-SHOP-01", "channelCode": "ID_QRIS_STATIC"},
    )
    assert cancel_wrong["code"] == 21006
    canceled = client.call(
        spath("philippines", "code/cancel"),
        {"mchOrderId": "QR-SHOP-01", "channelCode": "PH_QRPH_STATIC"},
    )
    assert canceled["data"]["status"] == "CANCEL"
    again = client.call(
        spath("philippines", "code/cancel"),
        {"mchOrderId": "QR-SHOP-01", "channelCode": "PH_QRPH_STATIC"},
    )
    assert (again["code"], again["message"]) == (21025, "Not allowed to cancel")
    refused = server.admin("POST", f"orders/{ident}/complete", json={"paid_amount": 100})
    assert refused.status_code == 409
    closed = server.client.post(
        f"/_sandbox/pay/ezpay/{ident}", content="action=pay&amount=1", headers=form
    )
    assert closed.status_code == 409 and "Transaction already paid or closed" in closed.text


def test_static_f_prefix_fails_every_payment_and_codes_expire(
    server: RunningSandbox, client: EzPayClient
) -> None:
    client.call(
        spath("thailand", "payment/generate"),
        static("F10001-QR-TH", "TH_PROMPTPAY_STATIC_QR", mobile="0812345678"),
    )
    ident = code_id(server, "F10001-QR-TH")
    server.admin("POST", f"orders/{ident}/complete", json={"paid_amount": 1000})
    listed = client.call(spath("thailand", "payment/list"), {"mchOrderId": "F10001-QR-TH"})["data"]
    assert [(t["transactionStatus"], t["failedCode"]) for t in listed] == [("FAILED", -10001)]
    assert order_of(server, ident)["status"] == "ACTIVE"
    server.advance(30 * 86400)
    detail = client.call(spath("thailand", "code/detail"), {"mchOrderId": "F10001-QR-TH"})
    assert detail["data"]["status"] == "INACTIVE"


# -- refunds --------------------------------------------------------------------------------


def paid_payment(
    server: RunningSandbox, client: EzPayClient, order_no: str, amount: int = 500, **extra: Any
) -> str:
    country = extra.pop("country", "philippines")
    ident = str(
        client.call(f"/open-api/{country}/payment/generate", payment(order_no, amount, **extra))[
            "data"
        ]["transactionId"]
    )
    assert server.admin("POST", f"orders/{ident}/complete", json={}).status_code == 200
    return ident


def refund(
    order_no: str, original: str, amount: int, url: str = "http://127.0.0.1:9/refunds"
) -> dict[str, Any]:
    return {
        "mchRefundOrderId": order_no,
        "originalTransactionId": original,
        "refundAmount": amount,
        "refundCallbackUrl": url,
    }


def test_partial_refunds_share_the_fee_and_notify(
    server: RunningSandbox, client: EzPayClient, receiver: Receiver
) -> None:
    original = paid_payment(server, client, "RF-PAY-1")
    url = receiver.url + "/refunds"
    first = client.call(REFUND, refund("RF-0001", original, 200, url) | {"refundReason": "size"})
    assert first["code"] == 10000
    assert list(first["data"]) == [
        "mchRefundOrderId",
        "refundTransactionId",
        "refundCreateTime",
        "refundAmount",
        "refundStatus",
    ]
    assert len(first["data"]["refundTransactionId"]) == 19
    busy = client.call(REFUND, refund("RF-0002", original, 100, url))
    assert busy["code"] == 21409
    server.advance(5)
    wait_callbacks(server, 1, order=first["data"]["refundTransactionId"])
    second = client.call(REFUND, refund("RF-0002", original, 300, url))
    assert second["code"] == 10000
    server.advance(5)
    wait_callbacks(server, 1, order=second["data"]["refundTransactionId"])
    params = [client.verify_notification(r.body) for r in receiver.requests if r.path == "/refunds"]
    assert [(p["refundAmount"], p["feeRefunded"], p["refundStatus"]) for p in params] == [
        (200, 5, "COMPLETE"),
        (300, 8, "COMPLETE"),
    ]
    assert (
        params[0]["refundReason"] == "size" and params[0]["eventName"] == "payment.refund.success"
    )
    assert list(params[1]) == [
        "eventName",
        "mchRefundOrderId",
        "refundTransactionId",
        "originalTransactionId",
        "refundAmount",
        "feeRefunded",
        "refundStatus",
        "refundCreateTime",
        "refundReturnTime",
    ]
    nothing_left = client.call(REFUND, refund("RF-0003", original, 1, url))
    assert nothing_left["code"] == 21406
    listed = client.call(REFUNDS, {"originalTransactionId": original})["data"]
    assert [r["mchRefundOrderId"] for r in listed] == ["RF-0001", "RF-0002"]
    one = client.call(REFUNDS, {"refundTransactionId": listed[1]["refundTransactionId"]})
    assert one["data"] == [listed[1]]
    mismatch = client.call(
        REFUNDS,
        {"refundTransactionId": listed[1]["refundTransactionId"], "originalTransactionId": "C1234"},
    )
    assert mismatch["code"] == 21006
    query = client.call("/open-api/philippines/payment/query", {"mchOrderId": "RF-PAY-1"})
    assert query["data"]["transactionStatus"] == "COMPLETED"  # refunds leave it completed


def test_refund_checks_in_order(server: RunningSandbox, client: EzPayClient) -> None:
    url_pay = paid_payment(server, client, "RF-PAY-2", 1000)
    assert client.call(REFUND, refund("RF-CHK-1", url_pay, 100))["code"] == 10000
    assert client.call(REFUND, refund("RF-CHK-1", url_pay, 100))["code"] == 21407
    assert client.call(REFUND, refund("RF-CHK-2", "C9999999999999999999", 100))["code"] == 21006
    payout_id = client.call("/open-api/philippines/disbursement/transfer", payout("PO-RF-1"))[
        "data"
    ]["transactionId"]
    assert client.call(REFUND, refund("RF-CHK-3", payout_id, 100))["code"] == 21402
    pending = client.call("/open-api/philippines/payment/generate", payment("RF-PAY-3"))["data"][
        "transactionId"
    ]
    assert client.call(REFUND, refund("RF-CHK-4", pending, 100))["code"] == 21408
    va = paid_payment(
        server,
        client,
        "RF-PAY-4",
        20000,
        country="indonesia",
        channelCode="ID_BNI_VA",
        mobile="0812345678",
    )
    assert client.call(REFUND, refund("RF-CHK-5", va, 100))["code"] == 21402
    qr = paid_payment(server, client, "RF-PAY-5", 700, channelCode="PH_QRPH_DYNAMIC")
    partial = client.call(REFUND, refund("RF-CHK-6", qr, 100))
    assert (partial["code"], partial["message"]) == (
        21405,
        "The original transaction channel not support partial refund",
    )
    assert client.call(REFUND, refund("RF-CHK-6", qr, 700))["code"] == 10000
    assert client.call(REFUND, refund("RF-CHK-7", url_pay, 0))["code"] == 21409
    server.advance(5)
    assert client.call(REFUND, refund("RF-CHK-7", url_pay, 0))["code"] == 21406
    assert client.call(REFUND, refund("RF-CHK-8", url_pay, 901))["code"] == 21406
    field = client.call(REFUND, refund("RF-CHK-9", url_pay, "1.00"))  # type: ignore[arg-type]
    assert field["message"] == "Request param error: refundAmount must be an integer in minor units"
    neither = client.call(REFUNDS, {})
    assert neither["message"] == (
        "Request param error: originalTransactionId or refundTransactionId is required"
    )


def test_refund_failure_returns_the_debit_and_60_day_window(
    server: RunningSandbox, client: EzPayClient, receiver: Receiver
) -> None:
    original = paid_payment(server, client, "RF-PAY-6", 2000)

    def php() -> str:
        return str(
            client.call("/open-api/account/balance", {"countryCode": "PH"})["data"]["balance"]
        )

    before = php()
    url = receiver.url + "/rf-fail"
    created = client.call(REFUND, refund("F10003-RF-1", original, 1000, url))
    assert float(before) - float(php()) == pytest.approx(10.00 - 0.25)
    server.advance(5)
    wait_callbacks(server, 1, order=created["data"]["refundTransactionId"])
    assert php() == before
    param = client.verify_notification(
        next(r.body for r in receiver.requests if r.path == "/rf-fail")
    )
    assert (param["eventName"], param["refundStatus"], param["feeRefunded"]) == (
        "payment.refund.failed",
        "FAILED",
        0,
    )
    assert param["failedCode"] == -10003
    server.advance(60 * 86400 + 1)
    old = client.call(REFUND, refund("RF-OLD-1", original, 100))
    assert (old["code"], old["message"]) == (
        21403,
        "Transactions 60 days ago cannot initiate refunds",
    )
