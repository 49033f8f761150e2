"""The signed gateway clients of `sandbox.client` against a real server: every request they offer,
and `verify_callback` on real callbacks (and on forged ones)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.client import (
    EzPayClient,
    GoldenPayClient,
    GoldenPayError,
    SandboxClient,
    TrustPayClient,
    num,
)
from sandbox.client.ezpay import ACK
from sandbox.testing.receiver import Receiver

pytestmark = pytest.mark.postgres

CARD = {
    "card_number": "4242424242424242",
    "card_expiry": "2030-12",
    "card_cvv": "123",
    "card_holder_first_name": "Ada",
    "card_holder_last_name": "Lovelace",
    "billing_country": "GB",
}


def forge(body: bytes, field: str, value: Any) -> bytes:
    fields = json.loads(body)
    fields[field] = value
    return json.dumps(fields).encode()


def test_trustpay_client(sandbox: SandboxClient, callback_receiver: Receiver) -> None:
    notify = callback_receiver.url + "/trustpay"
    with TrustPayClient(sandbox.url) as trustpay:
        assert trustpay.balance("USD")["data"]["balance"] == "10000.00"
        assert int(trustpay.fee_overview()["code"]) == 880001
        cashier = trustpay.cashier_payin(
            order_no="TP-1", order_amount=num("20.00"), currency="USD", notify_url=notify
        )
        assert cashier["data"]["pay_url"].startswith(sandbox.url)
        assert trustpay.query("TP-1")["data"]["status"] == "1"
        card = trustpay.card_payin(
            order_no="TP-2", order_amount="20.00", currency="USD", notify_url=notify, **CARD
        )
        assert card["data"]["status"] == "5"
        refund = trustpay.refund(order_no="TP-2", merchant_refund_no="RF-1", refund_amount="5.00")
        assert refund["data"]["status"] == "1"
        payout = trustpay.payout(
            orderNo="PO-1",
            amount="100.00",
            currency="INR",
            notifyUrl=notify,
            accountNo="123456789",
            accountName="Asha Rao",
            ifsc="HDFC0001234",
        )
        assert int(payout["code"]) == 880001 and payout["status"] == "1"
        raw = trustpay.send("/v4/balance", {"currency_id": "USD"}, api_key="wrong")
        assert json.loads(raw.content)["code"] == 880011
        v3 = trustpay.call("/v3/balance", {"currencyId": "USD", "merchantId": 8820250900009})
        assert int(v3["code"]) == 880001
        assert trustpay.signed_body({"a": num("5.00")}).startswith(b'{"a":5.00,"sign":"')
        callbacks = sandbox.wait_callbacks(count=2, state="acked", gateway="trustpay")
        assert len(callbacks) >= 2
        body = callback_receiver.requests[0].body
        assert trustpay.verify_callback(body, callback_receiver.requests[0].headers)
        assert not trustpay.verify_callback(forge(body, "paid_amount", 9999))
        assert not trustpay.verify_callback(b"not json")
    other = TrustPayClient(sandbox.url, merchant_id=1, secret="tp_test_secret_9f8e7d6c")
    with other:
        assert not other.verify_callback(body)


def test_trustpay_client_v3_and_card_issuing(
    sandbox: SandboxClient, callback_receiver: Receiver
) -> None:
    notify = callback_receiver.url + "/trustpay"
    with TrustPayClient(sandbox.url) as trustpay:
        assert trustpay.v3_balance("USD")["data"]["balance"] == "10000.00"
        cashier = trustpay.v3_cashier_payin(
            orderNo="V3-1", orderAmount=num("20.00"), currency="USD", notifyUrl=notify
        )
        assert cashier["data"]["payUrl"].startswith(sandbox.url)
        v3_card = {
            "orderAmount": "20.00",
            "currency": "USD",
            "notifyUrl": notify,
            "cardNumber": "4242424242424242",
            "cardExpiry": "2030-12",
            "cardCVV": "123",
            "cardHolderName": "Ada Lovelace",
        }
        assert trustpay.v3_card_payin(orderNo="V3-2", **v3_card)["data"]["status"] == "5"
        assert (
            trustpay.v3_card_payin(orderNo="V3-3", wait=False, **v3_card)["data"]["status"] == "1"
        )
        assert trustpay.v3_query("V3-2")["data"]["orderNo"] == "V3-2"

        [product, *_] = trustpay.vcard_types()["data"]["items"]
        assert [fee["card_type_id"] for fee in trustpay.vcard_fees("23")["data"]["items"]] == ["23"]
        opened = trustpay.vcard_open(
            card_type_id=product["card_type_id"],
            amount="30.00",
            first_name="Alex",
            last_name="Chen",
            email="alex@example.com",
            notify_url=notify,
        )
        sandbox.advance(3)
        [order] = trustpay.vcard_charges()["data"]["items"]
        assert order["order_no"] == opened["data"]["order_no"] and order["card_id"] is not None
        assert trustpay.vcard_cards(page=1, page_size=10)["data"]["total"] == "1"
        detail = trustpay.vcard_detail(order["card_id"])["data"]
        assert detail["status"] == "ACTIVE"
        recharge = trustpay.vcard_recharge(
            card_id=order["card_id"], amount="25.00", notify_url=notify
        )
        assert int(recharge["code"]) == 880001
        assert int(trustpay.vcard_transactions(card_id=order["card_id"])["code"]) == 880001

        holder = trustpay.pcard_create_cardholder(
            first_name="Dana",
            last_name="Ivanova",
            email="dana@example.com",
            country_code="GB",
            phone_number="+447700900123",
        )["data"]["cardholder_id"]
        sandbox.advance(3)
        assert trustpay.pcard_cardholders()["data"]["items"][0]["cardholder_id"] == holder
        card = trustpay.pcard_assign(cardholder_id=holder, card_currency="USD")["data"]
        assert trustpay.pcard_cards(cardholder_id=holder)["data"]["total"] == "1"
        charged = trustpay.pcard_charge(card_id=card["card_id"], amount="50.00", order_no="PC-1")
        assert charged["data"]["card_balance"] == "50.00"
        assert trustpay.pcard_balance(card["card_id"])["data"]["available_balance"] == "50.00"
        assert (
            trustpay.pcard_transactions(card["card_id"], page=1)["data"]["total"].as_decimal() >= 1
        )
        # 10,000 less the virtual card (30), its recharge (25) and the physical card charge (50)
        assert trustpay.pcard_account()["data"]["available_balance"] == "9895.00"


def test_ezpay_client(sandbox: SandboxClient, callback_receiver: Receiver) -> None:
    notify = callback_receiver.url + "/ezpay"
    with EzPayClient(sandbox.url) as ezpay:
        assert ezpay.balance("PHP")["code"] == 10000
        assert ezpay.country_balance("PH")["data"]["balance"] == "1000000.00"
        created = ezpay.payment(
            mchOrderId="EZ-1",
            amount=500,
            customerName="Juan Dela Cruz",
            channelCode="PH_GCASH_URL",
            notifyUrl=notify,
            redirectUrl="https://merchant.example/return",
            email="juan@example.com",
            mobile="09171234567",
        )
        ident = created["data"]["transactionId"]
        assert ezpay.payment_query(mchOrderId="EZ-1")["data"]["transactionStatus"] == "PENDING"
        sandbox.complete(ident, status="success")
        [notified] = sandbox.wait_callbacks(order=ident, state="acked")
        body = callback_receiver.requests[0].body
        assert ezpay.verify_callback(body, callback_receiver.requests[0].headers)
        assert ezpay.notification(body)["transactionId"] == ident  # type: ignore[index]
        outer = json.loads(body)
        forged = json.dumps({**outer, "param": outer["param"].replace("500", "900")}).encode()
        assert not ezpay.verify_callback(forged)
        assert ezpay.notification(b"[]") is None
        refund = ezpay.refund(
            mchRefundOrderId="RF-1",
            originalTransactionId=ident,
            refundAmount=100,
            refundCallbackUrl=notify,
        )
        assert refund["code"] == 10000, refund
        assert len(ezpay.refunds(originalTransactionId=ident)["data"]) == 1
        payout = ezpay.payout(
            mchOrderId="PO-1",
            idempotencyId="IDEM-PO-1-0000",
            amount=5000,
            accountNo="09171234567",
            accountName="Juan Dela Cruz",
            payMethodCode="EWALLET",
            transferCode="GCASH",
        )
        assert payout["code"] == 10000, payout
        assert ezpay.payout_query(mchOrderId="PO-1")["code"] == 10000
        static = ezpay.static_code(
            mchOrderId="QR-1",
            customerName="Sari Sari Store",
            channelCode="PH_QRPH_STATIC",
            notifyUrl=notify,
            email="shop@example.com",
            mobile="09171234567",
        )
        assert static["code"] == 10000, static
        assert ezpay.static_code_detail(mchOrderId="QR-1")["code"] == 10000
        assert ezpay.static_payments(mchOrderId="QR-1")["data"] == []
        canceled = ezpay.static_code_cancel(mchOrderId="QR-1", channelCode="PH_QRPH_STATIC")
        assert canceled["data"]["status"] == "CANCEL"
        day = sandbox.clock()["now"][:10]
        report = ezpay.report(countryCode="PH", transDate=day, transType=1)
        assert report["data"]["downloadUrl"].endswith(".csv")
        envelope = ezpay.envelope('{"exact": "text"}')
        assert envelope["param"] == '{"exact": "text"}' and envelope["appId"] == ezpay.app_id
        assert ezpay.send("/open-api/account/balance/v2", {"currency": "PHP"}).status_code == 200
    assert notified["event"] and ACK == b'{"code":10000,"message":"Success"}'


def test_goldenpay_client(sandbox: SandboxClient, callback_receiver: Receiver) -> None:
    notify = callback_receiver.url + "/goldenpay"
    with GoldenPayClient(sandbox.url) as goldenpay:
        assert goldenpay.info()["id"] == "10001"
        assert goldenpay.balance("PHP")["balance"] == "1000000"
        order = goldenpay.collect(
            trans_id="GP-1", channel="mock", currency="THB", amount="100.00", callback_url=notify
        )
        assert order["status"] == "20" and order["url"].startswith(sandbox.url)
        assert goldenpay.collect_query("GP-1")["id"] == order["id"]
        payout = goldenpay.payout(
            trans_id="WDL-1",
            channel="gcash",
            currency="PHP",
            amount="5.00",
            account_no="09171234567",
            account_name="JUAN DELA CRUZ",
            callback_url=notify,
        )
        assert goldenpay.payout_query(payout["id"])["trans_id"] == "WDL-1"
        with pytest.raises(GoldenPayError) as caught:
            goldenpay.collect_query("NO-SUCH")
        assert caught.value.code == 400
        sandbox.complete(order["id"], status="success")
        sandbox.wait_callbacks(order=order["id"], state="acked")
        body = callback_receiver.requests[0].body
        assert goldenpay.verify_callback(body, callback_receiver.requests[0].headers)
        assert not goldenpay.verify_callback(forge(body, "payed_amount", "1.00"))
        assert not goldenpay.verify_callback(forge(body, "mch_id", 10002))
        unsigned = goldenpay.send("GET", "/api/v1/mch/info", goldenpay.common(), sign=False)
        assert unsigned.json()["code"] == 400
        assert goldenpay.signed({"a": "1"})["sign"] == goldenpay.signed({"a": "1"})["sign"]
        assert "balance" in goldenpay.call("GET", "/api/v1/mch/balance", currency="THB")
