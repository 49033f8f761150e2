"""EzPay payouts: per country, code errors in their order, business checks,
balance effects, completion and failure notifications to the payout URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.ezpay import (
    OK_REPLY,
    OWN_APP_ID,
    EzPayClient,
    client_for,
    order_of,
    payout,
    wait_callbacks,
    write_config,
)
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with run_receiver(Reply(200, OK_REPLY)) as running:
        yield running


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, receiver: Receiver
) -> Iterator[RunningSandbox]:
    config = write_config(
        Path(tmp_path_factory.mktemp("ezpay")) / "config.yaml",
        payout_notify_url=receiver.url + "/own-payouts",
    )
    with run_sandbox({"clock": "manual", "config": config}) as running:
        yield running


@pytest.fixture
def client(server: RunningSandbox) -> EzPayClient:
    return EzPayClient(server.client)


def path(country: str, op: str = "transfer") -> str:
    return f"/open-api/{country}/disbursement/{op}"


def balance(client: EzPayClient, currency: str) -> str:
    return str(
        client.call("/open-api/account/balance/v2", {"currency": currency})["data"]["balance"]
    )


COUNTRY_CASES: list[tuple[str, dict[str, Any]]] = [
    ("philippines", {"payMethodCode": "BANK", "transferCode": "BDO", "accountNo": "001234"}),
    (
        "indonesia",
        {
            "mchOrderId": "PO-ID-00001",
            "amount": 100000,
            "payMethodCode": "BANK",
            "transferCode": "CIMB",
            "accountNo": "1234567",
            "mobile": "0812345678",
        },
    ),
    (
        "malaysia",
        {
            "payMethodCode": "EWALLET",
            "transferCode": "TNG",
            "accountNo": "0123456789",
            "accountType": "MOBILE_NUMBER",
        },
    ),
    (
        "thailand",
        {
            "mchOrderId": "PO-TH-00001",
            "payMethodCode": "PROMPTPAY",
            "promptpayAccountType": "NATID",
            "accountNo": "1234567890123",
            "transferCode": None,
            "accountName": None,
        },
    ),
    (
        "thailand",
        {
            "mchOrderId": "PO-TH-00002",
            "payMethodCode": "BANK",
            "transferCode": "KBANK",
            "accountType": "INDIVIDUAL",
            "accountTaxId": "T-1",
            "mobile": "0812345678",
            "accountNo": "12345",
        },
    ),
]


@pytest.mark.parametrize(("country", "extra"), COUNTRY_CASES)
def test_create_complete_and_query_per_country(
    server: RunningSandbox,
    client: EzPayClient,
    receiver: Receiver,
    country: str,
    extra: dict[str, Any],
) -> None:
    order_no = extra.get("mchOrderId", f"PO-{country}")
    notify = f"{receiver.url}/po/{order_no}"
    param = {
        k: v for k, v in {**payout(order_no), **extra, "notifyUrl": notify}.items() if v is not None
    }
    answer = client.call(path(country), param)
    assert answer["code"] == 10000, answer
    data = answer["data"]
    assert list(data) == ["mchOrderId", "transactionId", "transactionStatus", "transactionTime"]
    assert data["transactionId"].startswith("D") and len(data["transactionId"]) == 20
    assert data["transactionStatus"] == "PENDING"
    server.advance(5)
    wait_callbacks(server, 1, order=data["transactionId"])
    body = next(r.body for r in receiver.requests if r.path == f"/po/{order_no}")
    param = client.verify_notification(body)
    assert param["eventName"] == "disbursement.success"
    assert param["transactionStatus"] == "COMPLETED"
    assert "channelCode" not in param
    query = client.call(path(country, "query"), {"mchOrderId": order_no})
    assert query["data"]["transactionStatus"] == "COMPLETED"
    assert query["data"]["returnTime"] == param["returnTime"]


def test_r4_null_remark_and_ms_string_timestamp(client: EzPayClient) -> None:
    import time

    param = payout("PO-R4", remark=None, timestamp=str(int(time.time() * 1000)))
    answer = client.call(path("philippines"), param)
    assert answer["code"] == 10000
    query = client.call(path("philippines", "query"), {"mchOrderId": "PO-R4"})
    assert "remark" not in query["data"]


@pytest.mark.parametrize(
    ("country", "change", "code"),
    [
        ("philippines", {"payMethodCode": "PROMPTPAY"}, 21019),
        ("philippines", {"payMethodCode": "CASH"}, 21019),
        ("philippines", {"payMethodCode": "BANK", "transferCode": "GCASH"}, 21018),
        (
            "thailand",
            {
                "payMethodCode": "PROMPTPAY",
                "transferCode": "KBANK",
                "promptpayAccountType": "NATID",
            },
            21018,
        ),
        ("philippines", {"payMethodCode": "BANK", "transferCode": "ZZZ"}, 21012),
        ("philippines", {"payMethodCode": "EWALLET", "transferCode": "ZZZ"}, 21013),
    ],
)
def test_code_errors(client: EzPayClient, country: str, change: dict[str, Any], code: int) -> None:
    param = payout("PO-CODES-001", **change)
    if country == "thailand":
        param.pop("accountName", None)
    answer = client.call(path(country), param)
    assert answer["code"] == code, answer


@pytest.mark.parametrize(
    ("country", "change", "message"),
    [
        ("indonesia", {"mchOrderId": "SHORT"}, "mchOrderId length must be between 10 and 32"),
        (
            "philippines",
            {"idempotencyId": "x" * 31},
            "idempotencyId length must be between 10 and 30",
        ),
        ("philippines", {"transferCode": None}, "transferCode is required"),
        (
            "philippines",
            {"accountName": "Juan_Dela"},
            "accountName may contain only letters, digits, spaces and the characters ' . -",
        ),
        ("philippines", {"accountNo": "x" * 51}, "accountNo length must be between 1 and 50"),
        ("malaysia", {"transferCode": "TNG"}, "accountType is required"),
        (
            "thailand",
            {"payMethodCode": "PROMPTPAY", "transferCode": None},
            "promptpayAccountType is required when payMethodCode is PROMPTPAY",
        ),
        (
            "thailand",
            {"mchOrderId": "PO-TH-BANK-1", "payMethodCode": "BANK", "transferCode": "SCB"},
            "accountType is required when payMethodCode is BANK",
        ),
        (
            "thailand",
            {"mchOrderId": "PO-TH-BANK-1", "transferCode": None},
            "transferCode is required when payMethodCode is EWALLET",
        ),
        ("indonesia", {"mchOrderId": "PO-ID-MOB-1", "transferCode": "OVO"}, "mobile is required"),
        ("philippines", {"notifyUrl": "not a url"}, "notifyUrl must be an absolute http(s) URL"),
    ],
)
def test_field_errors(
    client: EzPayClient, country: str, change: dict[str, Any], message: str
) -> None:
    param = {k: v for k, v in {**payout("PO-FIELDS-01"), **change}.items() if v is not None}
    answer = client.call(path(country), param)
    assert answer == {"code": 21002, "message": f"Request param error: {message}", "data": None}


def test_business_checks_in_order(client: EzPayClient) -> None:
    assert (
        client.call(path("philippines"), payout("PO-BIZ-1", idempotencyId="IDEM-BIZ-01"))["code"]
        == 10000
    )
    same_key = client.call(path("philippines"), payout("PO-BIZ-1", idempotencyId="IDEM-BIZ-01"))
    assert (same_key["code"], same_key["message"]) == (21015, "Duplicate idempotencyId")
    same_order = client.call(
        path("malaysia"),
        payout(
            "PO-BIZ-1", idempotencyId="IDEM-BIZ-02", transferCode="TNG", accountType="MOBILE_NUMBER"
        ),
    )
    assert same_order["code"] == 21007  # per merchant and type, across countries
    small = client.call(
        path("indonesia"), payout("PO-BIZ-ID-1", 9999, transferCode="OVO", mobile="0812345678")
    )
    assert small["code"] == 21021
    over = client.call(path("philippines"), payout("PO-BIZ-2", 50_000_001))
    assert over["code"] == 21010


def test_balance_insufficient_for_own_merchant(server: RunningSandbox) -> None:
    own = client_for(server.client, OWN_APP_ID)
    short = own.call(path("philippines"), payout("PO-OWN-1", 99_000))  # 990 + 19.90 fee > 1000
    assert (short["code"], short["message"]) == (21014, "Merchant balance insufficient")
    assert own.call(path("philippines"), payout("PO-OWN-1", 98_000))["code"] == 10000


def test_balance_debited_at_once_and_returned_on_failure(
    server: RunningSandbox, client: EzPayClient, receiver: Receiver
) -> None:
    before = balance(client, "THB")
    param = payout(
        "F10005-PO-TH1", 100_000, transferCode="TRUEMONEY", notifyUrl=receiver.url + "/f5"
    )
    param.pop("accountName")
    param["accountName"] = "Somchai"
    ident = client.call(path("thailand"), param)["data"]["transactionId"]
    during = balance(client, "THB")
    assert float(before) - float(during) == pytest.approx(1000 + 10 + 10)  # amount + 1 % + 10.00
    server.advance(5)
    wait_callbacks(server, 1, order=ident)
    assert balance(client, "THB") == before
    param_sent = client.verify_notification(
        next(r.body for r in receiver.requests if r.path == "/f5")
    )
    assert param_sent["eventName"] == "disbursement.failed"
    assert (param_sent["failedCode"], param_sent["failedMessage"]) == (
        -10005,
        "Transaction Destination Account Error",
    )
    query = client.call(path("thailand", "query"), {"mchOrderId": "F10005-PO-TH1"})
    assert query["data"]["failedCode"] == -10005


def test_payout_notify_url_setting_and_own_platform_key(
    server: RunningSandbox, receiver: Receiver
) -> None:
    own = client_for(server.client, OWN_APP_ID)
    param = payout("PO-OWN-ID-2", 100000, transferCode="OVO", mobile="0812345678")
    ident = own.call(path("indonesia"), param)["data"]["transactionId"]
    server.advance(5)
    wait_callbacks(server, 1, order=ident)
    body = [r.body for r in receiver.requests if r.path == "/own-payouts"][-1]
    param = own.verify_notification(body)  # verified with the merchant's own platform key
    assert param["transactionId"] == ident
    demo = EzPayClient(server.client)
    with pytest.raises(AssertionError):
        demo.verify_notification(body)


def test_demo_payout_without_url_is_not_notified(
    server: RunningSandbox, client: EzPayClient
) -> None:
    ident = client.call(path("philippines"), payout("PO-NOURL-1"))["data"]["transactionId"]
    server.advance(5)
    assert order_of(server, ident)["status"] == "COMPLETED"
    listed = server.admin("GET", "callbacks", params={"order": ident}).json()
    assert listed["total"] == 0


def test_scenario_pending_keeps_it_until_admin_fails_it(
    server: RunningSandbox, client: EzPayClient
) -> None:
    text = (
        "name: hold-payouts\ngateway: ezpay\nrules:\n"
        "  - when: {operation: payout.create}\n    outcome: {status: pending}\n"
    )
    assert server.client.post("/_sandbox/scenarios", content=text).status_code == 201
    held = client.call(
        path("philippines"), payout("PO-HOLD-1"), {"X-Sandbox-Scenario": "hold-payouts"}
    )
    ident = held["data"]["transactionId"]
    server.advance(3600)
    assert order_of(server, ident)["status"] == "PENDING"
    done = server.admin(
        "POST", f"orders/{ident}/complete", json={"status": "failed", "code": -10003}
    )
    assert done.status_code == 200
    query = client.call(path("philippines", "query"), {"mchOrderId": "PO-HOLD-1"})
    assert (query["data"]["transactionStatus"], query["data"]["failedCode"]) == ("FAILED", -10003)


def test_strict_validation_and_opened_countries(server: RunningSandbox) -> None:
    from support.ezpay import LIMITED_APP_ID

    strict = EzPayClient(server.client, LIMITED_APP_ID)
    shape = strict.call(path("philippines"), payout("PO-STRICT-1", accountNo="12345"))
    assert shape["message"] == (
        "Request param error: accountNo has invalid format (09 followed by 9 digits)"
    )
    assert strict.call(path("indonesia"), payout("PO-STRICT-ID-1"))["code"] == 21017
    v2 = strict.call("/open-api/account/balance/v2", {"currency": "IDR"})
    assert v2["code"] == 21017
    assert strict.call("/open-api/account/balance/v2", {"currency": "USD"})["code"] == 10000


def test_pending_payout_completes_after_a_restart(tmp_path: Path, receiver: Receiver) -> None:
    flags = {"clock": "manual", "db": str(tmp_path / "sandbox.db")}
    notify = receiver.url + "/restart"
    with run_sandbox(flags) as first:
        created = EzPayClient(first.client).call(
            path("philippines"), payout("PO-RESTART-1", notifyUrl=notify)
        )
        ident = created["data"]["transactionId"]
        first.advance(2)
    with run_sandbox(flags) as second:
        assert order_of(second, ident)["status"] == "PENDING"
        second.advance(3)
        wait_callbacks(second, 1, order=ident)
        assert order_of(second, ident)["status"] == "COMPLETED"
        body = [r.body for r in receiver.requests if r.path == "/restart"][-1]
        assert EzPayClient(second.client).verify_notification(body)["transactionId"] == ident
