"""EzPay dynamic payments per country: success, every listed error, payData by
channel type, the 99 rule, F-prefixes, expiry, the hosted page, notifications verified with the
platform public key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.ezpay import (
    LIMITED_APP_ID,
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

from sandbox.gateways.ezpay.codes import ERRORS, FAILURES

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def receiver(store_backend: str) -> Iterator[Receiver]:
    """One per store backend, so the two runs' callbacks never mix."""
    with run_receiver(Reply(200, OK_REPLY)) as running:
        yield running


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, module_db_flags: dict[str, str]
) -> Iterator[RunningSandbox]:
    config = write_config(Path(tmp_path_factory.mktemp("ezpay")) / "config.yaml")
    with run_sandbox({**module_db_flags, "clock": "manual", "config": config}) as running:
        yield running


@pytest.fixture
def client(server: RunningSandbox) -> EzPayClient:
    return EzPayClient(server.client)


def path(country: str, op: str = "generate") -> str:
    return f"/open-api/{country}/payment/{op}"


COUNTRY_CASES = [
    ("philippines", "PH_GCASH_URL", "URL", 500, {}),
    ("philippines", "PH_QRPH_DYNAMIC", "QR", 500, {}),
    ("indonesia", "ID_BCA_VA", "VA", 20000, {"mobile": "0812345678", "redirectUrl": None}),
    ("indonesia", "ID_QRIS", "QR", 20000, {"mobile": "0812345678"}),
    ("malaysia", "MY_TNG_URL", "URL", 1000, {"mobile": "0123456789", "redirectUrl": None}),
    ("thailand", "THAI_DYNAMIC_QR", "QR", 1000, {"mobile": "0812345678", "expireSeconds": 600}),
    ("russia", "RU_CARD_URL", "URL", 1000, {"mobile": "+7 900 000", "redirectUrl": None}),
]


@pytest.mark.parametrize(("country", "channel", "kind", "amount", "extra"), COUNTRY_CASES)
def test_create_and_query_per_country(
    client: EzPayClient, country: str, channel: str, kind: str, amount: int, extra: dict[str, Any]
) -> None:
    order_no = f"PAY-{country}-{channel}"
    param = {
        k: v
        for k, v in payment(order_no, amount, channelCode=channel, **extra).items()
        if v is not None
    }
    answer = client.call(path(country), param)
    assert answer["code"] == 10000, answer
    data = answer["data"]
    assert list(data) == ["transactionId", "payData", "mchOrderId", "channelType"]
    assert re.fullmatch(r"C[1-9][0-9]{18}", data["transactionId"])
    assert (data["mchOrderId"], data["channelType"]) == (order_no, kind)
    if kind == "VA":
        assert data["payData"] == "3901" + data["transactionId"][-12:]
    elif kind == "QR":
        assert (
            data["payData"].startswith("000201010212") and data["transactionId"] in data["payData"]
        )
    else:
        assert data["payData"].endswith(f"/_sandbox/pay/ezpay/{data['transactionId']}")
    query = client.call(path(country, "query"), {"mchOrderId": order_no})
    assert query["code"] == 10000
    assert query["data"]["transactionStatus"] == "PENDING"
    assert query["data"]["amount"] == amount
    assert "returnTime" not in query["data"]
    # the same order id is unknown on another country's path
    other = "malaysia" if country != "malaysia" else "philippines"
    assert client.call(path(other, "query"), {"mchOrderId": order_no})["code"] == 21006


def test_r3_decimal_amount(client: EzPayClient) -> None:
    answer = client.call(path("philippines"), payment("R3-CASE", "5.00"))  # type: ignore[arg-type]
    assert answer["message"] == "Request param error: amount must be an integer in minor units"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mchOrderId": None}, "mchOrderId is required"),
        ({"mchOrderId": "A" * 33}, "mchOrderId length must be between 1 and 32"),
        ({"mchOrderId": "bad id!"}, "mchOrderId may contain only letters, digits, '_' and '-'"),
        ({"amount": 5.5}, "amount must be an integer in minor units"),
        ({"amount": "-5"}, "amount must be an integer in minor units"),
        ({"amount": 10**19}, "amount must be an integer in minor units"),
        ({"customerName": 7}, "customerName must be a string"),
        ({"customerName": ""}, "customerName is required"),
        ({"channelCode": 5}, "channelCode must be a string"),
        ({"notifyUrl": "ftp://x"}, "notifyUrl must be an absolute http(s) URL"),
        ({"redirectUrl": None}, "redirectUrl is required"),
        ({"email": None}, "email is required"),
        ({"mobile": "abc"}, "mobile has invalid format (5-20 digits, optional leading +)"),
        ({"remark": "x" * 257}, "remark length must be between 1 and 256"),
    ],
)
def test_field_errors(client: EzPayClient, change: dict[str, Any], message: str) -> None:
    param = {k: v for k, v in {**payment("FIELDS-1"), **change}.items() if v is not None}
    answer = client.call(path("philippines"), param)
    assert answer == {"code": 21002, "message": f"Request param error: {message}", "data": None}


def test_optional_null_and_empty_fields_count_as_absent(client: EzPayClient) -> None:
    answer = client.call(path("philippines"), payment("NULLS-1", remark=None, payMode="x"))
    assert answer["code"] == 10000
    answer = client.call(path("philippines"), payment("NULLS-2", remark=""))
    assert answer["code"] == 10000


@pytest.mark.parametrize(
    ("country", "channel"),
    [("philippines", "ID_BCA_VA"), ("philippines", "PH_QRPH_STATIC"), ("russia", "NOPE")],
)
def test_unknown_or_static_channel_is_21005(
    client: EzPayClient, country: str, channel: str
) -> None:
    answer = client.call(path(country), payment("CHAN-1", channelCode=channel))
    assert (answer["code"], answer["message"]) == (21005, "Merchant channel is unavailable")


def test_thailand_fields(client: EzPayClient) -> None:
    base = payment("TH-1", 1000, mobile="0812345678")
    wechat = client.call(path("thailand"), {**base, "channelCode": "WECHAT_URL"})
    assert wechat["message"] == (
        "Request param error: payerClientIp is required when channelCode is WECHAT_URL"
    )
    bad_ip = client.call(
        path("thailand"), {**base, "channelCode": "WECHAT_URL", "payerClientIp": "1.2.3"}
    )
    assert bad_ip["message"] == "Request param error: payerClientIp must be an IPv4 or IPv6 address"
    js = client.call(path("thailand"), {**base, "channelCode": "WECHAT_JS_URL", "wpOpenid": "o"})
    assert (
        js["message"]
        == "Request param error: wpAppid is required when channelCode is WECHAT_JS_URL"
    )
    short = client.call(
        path("thailand"), {**base, "channelCode": "TRUEMONEY_URL", "expireSeconds": 10}
    )
    assert short["message"] == "Request param error: expireSeconds must be between 30 and 3600"
    name = client.call(
        path("thailand"), {**base, "channelCode": "TRUEMONEY_URL", "customerName": "x" * 101}
    )
    assert name["message"] == "Request param error: customerName length must be between 1 and 100"
    ok = client.call(
        path("thailand"), {**base, "channelCode": "WECHAT_URL", "payerClientIp": "::1"}
    )
    assert ok["code"] == 10000


def test_business_checks(client: EzPayClient) -> None:
    assert client.call(path("philippines"), payment("BIZ-1"))["code"] == 10000
    duplicate = client.call(path("philippines"), payment("BIZ-1"))
    assert (duplicate["code"], duplicate["message"]) == (21007, "Duplicate merchant order id")
    zero = client.call(path("philippines"), payment("BIZ-2", 0))
    assert (zero["code"], zero["message"]) == (21021, "Transaction Amount Invalid")
    over = client.call(path("philippines"), payment("BIZ-3", 50_000_001))
    assert (over["code"], over["message"]) == (21010, "The amount exceeds the limit")
    limit = client.call(path("philippines"), payment("BIZ-4", 50_000_000))
    assert limit["code"] == 10000


def test_merchant_settings_limits_strict_and_not_found_code(server: RunningSandbox) -> None:
    limited = EzPayClient(server.client, LIMITED_APP_ID)
    shape = limited.call(path("philippines"), payment("LIM-0", mobile="12345678"))
    assert shape["message"] == (
        "Request param error: mobile has invalid format (11-14 digits starting 09)"
    )
    disabled = limited.call(path("philippines"), payment("LIM-0", channelCode="PH_MAYA_URL"))
    assert disabled["code"] == 21005
    assert limited.call(path("philippines"), payment("LIM-1", 10001))["code"] == 21010
    assert limited.call(path("philippines"), payment("LIM-1", 10000))["code"] == 10000
    volume = limited.call(path("philippines"), payment("LIM-2", 5001))
    assert (volume["code"], volume["message"]) == (21022, "Transaction Volume Limit")
    assert limited.call(path("philippines"), payment("LIM-2", 100))["code"] == 10000
    assert limited.call(path("philippines"), payment("LIM-3", 100))["code"] == 10000
    count = limited.call(path("philippines"), payment("LIM-4", 100))
    assert (count["code"], count["message"]) == (21027, "Transaction creation exceeds limit")
    missing = limited.call(path("philippines", "query"), {"mchOrderId": "NOPE"})
    assert missing == {"code": 21010, "message": "transaction not found", "data": None}
    created = order_of(server, "LIM-1")["created_at"]
    query = limited.call(path("philippines", "query"), {"mchOrderId": "LIM-1"})
    assert query["data"]["createTime"] == created[:10] + " " + created[11:19]  # time_zone +00:00


def test_magic_error_prefix_and_header(server: RunningSandbox, client: EzPayClient) -> None:
    answer = client.call(path("philippines"), payment("E21023-MAGIC"))
    assert answer == {"code": 21023, "message": "Transaction create failed", "data": None}
    header = client.call(path("philippines"), payment("HDR-1"), {"X-Sandbox-Code": "21020"})
    assert (header["code"], header["message"]) == (21020, "Too many requests, please retry later.")
    bad = client.call(path("philippines"), payment("HDR-2"), {"X-Sandbox-Code": "nope"})
    assert bad["code"] == 21002 and "X-Sandbox-Code" in bad["message"]
    invalid_first = client.call(path("philippines"), payment("E21023-X", amount="1.5"))
    assert invalid_first["code"] == 21002  # a real 21002 wins over a forced code
    for order_no in ("E21023-MAGIC", "HDR-1", "HDR-2"):
        assert server.admin("GET", "orders", params={"order": order_no}).json()["total"] == 0


def test_99_rule_completes_after_3s_and_notifies(
    server: RunningSandbox, client: EzPayClient, receiver: Receiver
) -> None:
    notify = receiver.url + "/pay99"
    created = client.call(path("philippines"), payment("AUTO-99", 10099, notifyUrl=notify))
    ident = created["data"]["transactionId"]
    server.advance(2)
    assert order_of(server, ident)["status"] == "PENDING"
    server.advance(1)
    wait_callbacks(server, 1, order=ident)
    body = next(r.body for r in receiver.requests if r.path == "/pay99")
    param = client.verify_notification(body)
    assert param["eventName"] == "order.payment.success"
    assert (param["transactionId"], param["amount"], param["transactionStatus"]) == (
        ident,
        10099,
        "COMPLETED",
    )
    assert list(param) == [
        "eventName",
        "mchOrderId",
        "transactionId",
        "amount",
        "transactionStatus",
        "createTime",
        "returnTime",
        "channelCode",
    ]
    query = client.call(path("philippines", "query"), {"mchOrderId": "AUTO-99"})
    assert query["data"]["transactionStatus"] == "COMPLETED"
    assert query["data"]["returnTime"] == param["returnTime"]


def test_f_prefix_fails_after_3s(
    server: RunningSandbox, client: EzPayClient, receiver: Receiver
) -> None:
    notify = receiver.url + "/f10006"
    created = client.call(
        path("indonesia"),
        payment(
            "F10006-PAY", 20000, channelCode="ID_OVO_URL", mobile="0812345678", notifyUrl=notify
        ),
    )
    ident = created["data"]["transactionId"]
    server.advance(3)
    wait_callbacks(server, 1, order=ident)
    param = client.verify_notification(
        next(r.body for r in receiver.requests if r.path == "/f10006")
    )
    assert param["eventName"] == "order.payment.failed"
    assert (param["failedCode"], param["failedMessage"]) == (-10006, "Transaction Network Reject")


def test_unpaid_payment_expires_after_24h(server: RunningSandbox, client: EzPayClient) -> None:
    created = client.call(path("philippines"), payment("EXPIRE-1"))
    ident = created["data"]["transactionId"]
    server.advance(24 * 3600 - 1)
    assert order_of(server, ident)["status"] == "PENDING"
    server.advance(1)
    query = client.call(path("philippines", "query"), {"mchOrderId": "EXPIRE-1"})
    assert query["data"]["transactionStatus"] == "FAILED"
    assert (query["data"]["failedCode"], query["data"]["failedMessage"]) == (
        -10007,
        "Transaction Channel Timeout",
    )


def test_thailand_expire_seconds(server: RunningSandbox, client: EzPayClient) -> None:
    param = payment(
        "TH-EXP", 1000, channelCode="TRUEMONEY_URL", mobile="0812345678", expireSeconds="60"
    )
    ident = client.call(path("thailand"), param)["data"]["transactionId"]
    server.advance(60)
    assert order_of(server, ident)["status"] == "FAILED"


def test_hosted_page_pay_redirects_and_then_refuses(
    server: RunningSandbox, client: EzPayClient, receiver: Receiver
) -> None:
    created = client.call(path("philippines"), payment("PAGE-1", notifyUrl=receiver.url + "/p1"))
    url = created["data"]["payData"].removeprefix(server.url)
    page = server.client.get(url)
    assert page.status_code == 200 and "PAGE-1" in page.text and "Pay" in page.text
    form = {"content-type": "application/x-www-form-urlencoded"}
    paid = server.client.post(url, content="action=pay", headers=form)
    assert paid.status_code == 303
    assert paid.headers["location"] == "https://merchant.example/return"
    again = server.client.post(url, content="action=pay", headers=form)
    assert again.status_code == 409 and "Transaction already paid or closed" in again.text
    server.advance(0)
    ident = created["data"]["transactionId"]
    wait_callbacks(server, 1, order=ident)
    assert order_of(server, ident)["status"] == "COMPLETED"


def test_hosted_page_fail_with_a_code_and_qr_page(
    server: RunningSandbox, client: EzPayClient
) -> None:
    created = client.call(path("philippines"), payment("PAGE-2", channelCode="PH_GCASH_QR"))
    ident = created["data"]["transactionId"]
    page = server.client.get(f"/_sandbox/pay/ezpay/{ident}")
    assert created["data"]["payData"] in page.text
    assert f"<img src='/_sandbox/pay/ezpay/{ident}/qr.svg'" in page.text
    image = server.client.get(f"/_sandbox/pay/ezpay/{ident}/qr.svg")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/svg+xml"
    assert image.text.startswith("<svg")
    form = {"content-type": "application/x-www-form-urlencoded"}
    failed = server.client.post(
        f"/_sandbox/pay/ezpay/{ident}", content="action=fail&failedCode=-10005", headers=form
    )
    assert failed.status_code == 200
    data = client.call(path("philippines", "query"), {"mchOrderId": "PAGE-2"})["data"]
    assert (data["transactionStatus"], data["failedCode"]) == ("FAILED", -10005)
    assert server.client.get("/_sandbox/pay/ezpay/C0").status_code == 404


def test_admin_complete_with_a_paid_amount_credits_the_balance(
    server: RunningSandbox, client: EzPayClient
) -> None:
    before = client.call("/open-api/account/balance/v2", {"currency": "MYR"})["data"]["balance"]
    param = payment("ADMIN-1", 20000, channelCode="MY_FPX_URL", mobile="0123456789")
    ident = client.call(path("malaysia"), param)["data"]["transactionId"]
    done = server.admin("POST", f"orders/{ident}/complete", json={"paid_amount": 10000})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "COMPLETED"
    after = client.call("/open-api/account/balance/v2", {"currency": "MYR"})["data"]["balance"]
    assert float(after) - float(before) == pytest.approx(97.50)  # 100.00 - 2.5 % fee
    data = client.call(path("malaysia", "query"), {"mchOrderId": "ADMIN-1"})["data"]
    assert data["amount"] == 10000
    again = server.admin("POST", f"orders/{ident}/complete", json={})
    assert again.status_code == 409


def data_id(server: RunningSandbox, ident: str) -> str:
    return str(order_of(server, ident)["merchant_order_id"])


FORCIBLE = [code for code in ERRORS if code != "10000"]


@pytest.mark.parametrize("code", FORCIBLE)
def test_every_code_is_reachable_by_prefix_and_header(client: EzPayClient, code: str) -> None:
    expected = {"code": int(code), "message": ERRORS[code].message, "data": None}
    assert client.call(path("philippines"), payment(f"E{code}-SWEEP")) == expected
    forced = client.call(
        "/open-api/account/balance", {"countryCode": "PH"}, {"X-Sandbox-Code": code}
    )
    assert forced == expected


def test_every_failure_code_by_f_prefix(server: RunningSandbox, client: EzPayClient) -> None:
    idents = {}
    for n in range(10000, 10008):
        param = payout(f"F{n}-SWEEP")
        answer = client.call("/open-api/philippines/disbursement/transfer", param)
        idents[n] = answer["data"]["transactionId"]
    server.advance(5)
    for n, ident in idents.items():
        assert data_id(server, ident) == f"F{n}-SWEEP"
        data = client.call(
            "/open-api/philippines/disbursement/query", {"mchOrderId": f"F{n}-SWEEP"}
        )["data"]
        assert (data["transactionStatus"], data["failedCode"]) == ("FAILED", -n)
        assert data["failedMessage"] == FAILURES[-n]
