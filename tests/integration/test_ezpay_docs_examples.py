"""Every request example of the public EzPay docs, replayed against the demo merchant: each one
succeeds.

The examples' `timestamp`s are years old and the sandbox checks them against the real clock
(±300 s), so each is replaced by the current time in the example's own form (seconds as a number,
milliseconds as a digit string). Their order ids are kept: every run starts a fresh sandbox on an
empty in-memory store, so they cannot collide with an earlier run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from support.ezpay import EzPayClient
from support.server import run_sandbox

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def client(module_db_flags: dict[str, str]) -> Iterator[EzPayClient]:
    with run_sandbox({**module_db_flags, "clock": "manual"}) as running:
        yield EzPayClient(running.client)


def replay(client: EzPayClient, path: str, param: dict[str, Any]) -> Any:
    # The param string as the docs print it: compact JSON in the example's key order.
    text = json.dumps(param, separators=(",", ":"), ensure_ascii=False)
    answer = client.call(path, text)
    assert (answer["code"], answer["message"]) == (10000, "Success"), answer
    return answer["data"]


def seconds() -> int:
    return int(time.time())


def millis() -> str:
    return str(int(time.time() * 1000))


def test_account_examples(client: EzPayClient) -> None:
    # Balance inquiry (R1) and balance inquiry 2.0.
    param = {"countryCode": "PH", "timestamp": seconds()}
    assert replay(client, "/open-api/account/balance", param)["balance"]
    param2 = {"currency": "USD", "timestamp": millis()}
    assert replay(client, "/open-api/account/balance/v2", param2)["balance"]


def test_philippine_examples(client: EzPayClient) -> None:
    # Dynamic payment (R2), then its status request.
    payment = {
        "mchOrderId": "ORDER-0001",
        "amount": 500,
        "customerName": "Juan Dela Cruz",
        "channelCode": "PH_GCASH_URL",
        "notifyUrl": "https://merchant.example/ezpay/notify",
        "redirectUrl": "https://merchant.example/return",
        "email": "juan@example.com",
        "mobile": "09171234567",
        "timestamp": seconds(),
    }
    created = replay(client, "/open-api/philippines/payment/generate", payment)
    assert created["channelType"] == "URL"
    status = {"mchOrderId": "ORDER-0001", "timestamp": seconds()}
    found = replay(client, "/open-api/philippines/payment/query", status)
    assert found["transactionStatus"] == "PENDING"

    # The collection page's own quirks: a `payMode` field the API does not define and a mobile
    # number (`123456789`) outside the shape the page states.
    quirky = {**payment, "mchOrderId": "ORDER-0002", "mobile": "123456789", "payMode": "H5"}
    assert replay(client, "/open-api/philippines/payment/generate", quirky)["transactionId"]

    # Disbursement (R4): `remark` null and a millisecond timestamp as a string.
    payout = {
        "mchOrderId": "PO-0001",
        "idempotencyId": "IDEM-PO-0001",
        "amount": 50000,
        "accountNo": "09171234567",
        "accountName": "Juan Dela Cruz",
        "payMethodCode": "EWALLET",
        "transferCode": "GCASH",
        "remark": None,
        "timestamp": millis(),
    }
    sent = replay(client, "/open-api/philippines/disbursement/transfer", payout)
    assert sent["transactionStatus"] == "PENDING"

    # Static collection code, then its cancellation.
    static = {
        "mchOrderId": "QR-SHOP-01",
        "customerName": "Juan Dela Cruz",
        "channelCode": "PH_QRPH_STATIC",
        "notifyUrl": "https://merchant.example/ezpay/static",
        "email": "juan@example.com",
        "mobile": "09171234567",
        "timestamp": seconds(),
    }
    assert replay(client, "/open-api/philippines/static/payment/generate", static)["status"] == (
        "ACTIVE"
    )
    cancel = {"mchOrderId": "QR-SHOP-01", "channelCode": "PH_QRPH_STATIC", "timestamp": seconds()}
    assert replay(client, "/open-api/philippines/static/code/cancel", cancel)["status"] == "CANCEL"


def test_indonesian_and_malaysian_examples(client: EzPayClient) -> None:
    payout = {
        "mchOrderId": "PO-ID-0000001",
        "idempotencyId": "IDEM-ID-0000001",
        "amount": 10000,
        "accountNo": "1234567890",
        "accountName": "Budi Santoso",
        "payMethodCode": "BANK",
        "transferCode": "CIMB",
        "mobile": "081234567890",
        "timestamp": seconds(),
    }
    replay(client, "/open-api/indonesia/disbursement/transfer", payout)
    payment = {
        "mchOrderId": "ORDER-ID-0001",
        "amount": 20000,
        "customerName": "Budi Santoso",
        "channelCode": "ID_BCA_VA",
        "notifyUrl": "https://merchant.example/ezpay/notify",
        "email": "budi@example.com",
        "mobile": "081234567890",
        "timestamp": seconds(),
    }
    assert replay(client, "/open-api/indonesia/payment/generate", payment)["channelType"] == "VA"
    malaysia = {
        **payment,
        "mchOrderId": "ORDER-MY-0001",
        "amount": 1000,
        "channelCode": "MY_TNG_URL",
        "mobile": "0123456789",
    }
    assert replay(client, "/open-api/malaysia/payment/generate", malaysia)["channelType"] == "URL"
