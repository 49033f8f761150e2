"""One adapter per gateway: create a pay-in, read a verified notification, acknowledge it.

The signatures come from `sandbox.client`'s gateway clients, which sign exactly as each gateway
requires; a shop with its own gateway SDK plugs that in here instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.client import EzPayClient, GoldenPayClient, TrustPayClient
from sandbox.client.ezpay import ACK as EZPAY_ACK


@dataclass(frozen=True)
class Created:
    gateway_order_id: str
    pay_url: str


@dataclass(frozen=True)
class Notice:
    """What a verified notification says: our order id, `paid` / `failed` / `pending`, and the
    amount the payer actually paid."""

    order_id: str
    status: str
    paid: Decimal | None


@dataclass(frozen=True)
class Gateway:
    name: str
    currency: str
    create: Callable[[str, Decimal, str], Created]
    verify: Callable[[bytes], bool]
    read: Callable[[bytes], Notice]
    query: Callable[[str], str]  # our order id -> the gateway's state, for reconciliation
    ack: bytes


def trustpay(client: TrustPayClient) -> Gateway:
    def create(order_id: str, amount: Decimal, notify_url: str) -> Created:
        answer = client.cashier_payin(
            order_no=order_id, order_amount=str(amount), currency="USD", notify_url=notify_url
        )
        if int(answer["code"]) != 880001:
            raise GatewayRefused(answer["message"])
        data = answer["data"]
        return Created(data["platform_order_no"], data["pay_url"])

    def read(body: bytes) -> Notice:
        from sandbox.signing.values import parse_json

        fields: dict[str, Any] = parse_json(body)
        status = {5: "paid", 6: "paid", 3: "failed", 4: "failed"}.get(int(fields["status"]))
        paid = fields.get("paid_amount")
        return Notice(fields["order_no"], status or "pending", Decimal(paid) if paid else None)

    def query(order_id: str) -> str:
        return str(client.query(order_id)["data"]["status"])

    return Gateway("trustpay", "USD", create, client.verify_callback, read, query, b"ok")


def ezpay(client: EzPayClient) -> Gateway:
    def create(order_id: str, amount: Decimal, notify_url: str) -> Created:
        answer = client.payment(
            mchOrderId=order_id,
            amount=int(amount * 100),  # minor units
            customerName="Juan Dela Cruz",
            channelCode="PH_GCASH_URL",
            notifyUrl=notify_url,
            redirectUrl="https://shop.example/thanks",
            email="juan@example.com",
            mobile="09171234567",
        )
        if answer["code"] != 10000:
            raise GatewayRefused(answer["message"])
        return Created(answer["data"]["transactionId"], answer["data"]["payData"])

    def read(body: bytes) -> Notice:
        param = client.notification(body) or {}
        status = {"COMPLETED": "paid", "FAILED": "failed"}.get(param["transactionStatus"])
        return Notice(param["mchOrderId"], status or "pending", Decimal(param["amount"]).scaleb(-2))

    def query(order_id: str) -> str:
        return str(client.payment_query(mchOrderId=order_id)["data"]["transactionStatus"])

    return Gateway("ezpay", "PHP", create, client.verify_callback, read, query, EZPAY_ACK)


def goldenpay(client: GoldenPayClient) -> Gateway:
    def create(order_id: str, amount: Decimal, notify_url: str) -> Created:
        payload = client.collect(
            trans_id=order_id,
            channel="mock",
            currency="THB",
            amount=str(amount),
            callback_url=notify_url,
        )
        return Created(payload["id"], payload["url"])

    def read(body: bytes) -> Notice:
        from sandbox.signing.values import parse_json

        fields: dict[str, Any] = parse_json(body)
        status = {"60": "paid", "30": "failed"}.get(str(fields["status"]))
        paid = fields.get("payed_amount")  # credit what was paid, never `order_amount`
        return Notice(fields["trans_id"], status or "pending", Decimal(paid) if paid else None)

    def query(order_id: str) -> str:
        return str(client.collect_query(order_id)["status"])

    return Gateway("goldenpay", "THB", create, client.verify_callback, read, query, b"success")


class GatewayRefused(Exception):
    """The gateway answered the create call with an error."""


def gateways(sandbox_url: str, timeout: float) -> dict[str, Gateway]:
    return {
        "trustpay": trustpay(TrustPayClient(sandbox_url, timeout=timeout)),
        "ezpay": ezpay(EzPayClient(sandbox_url, timeout=timeout)),
        "goldenpay": goldenpay(GoldenPayClient(sandbox_url, timeout=timeout)),
    }
