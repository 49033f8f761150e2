"""Reference merchant callback handlers for `sandbox check`: one correct, and defective ones with
exactly one defect each. Orders whose number starts with `chk-` are the check's test orders
(created on first sight); any other order number is unknown.

Each app serves `POST /notify` and the test-only state route `GET /orders/{order_no}`.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.client import EzPayClient, GoldenPayClient, TrustPayClient

DEFECTS = (
    "none",
    "no-signature-check",
    "not-idempotent",
    "wrong-ack",
    "slow",
    "trusts-order-amount",
    "applies-late-failure",
)
FINAL = ("paid", "partial", "failed", "refunded")
ACKS = {"trustpay": b"ok", "ezpay": b'{"code":10000,"message":"Success"}', "goldenpay": b"success"}
# TrustPay takes any 2xx whatever the body says: its "wrong" body still acknowledges.
WRONG_ACKS = {
    "trustpay": b"received",
    "ezpay": b'{"code":0,"message":"ok"}',
    "goldenpay": b"SUCCESS",
}


@dataclass(frozen=True)
class Notice:
    order_no: str
    status: str  # paid, failed, pending, refunded
    paid: Decimal
    order_amount: Decimal


def _trustpay_notice(fields: dict[str, Any]) -> Notice:
    status, order_type = int(fields["status"]), int(fields["type"])
    paid_statuses = (2,) if order_type == 1 else (5, 6)
    told = "pending"
    if status in paid_statuses:
        told = "paid"
    elif status in (3, 4):
        told = "failed"
    elif order_type == 0 and status in (7, 8):
        told = "refunded"
    paid = fields.get("refund_amount") if told == "refunded" else fields.get("paid_amount")
    return Notice(
        str(fields["order_no"]),
        told,
        Decimal(str(paid or 0)),
        Decimal(str(fields["order_amount"])),
    )


def _ezpay_notice(param: dict[str, Any]) -> Notice:
    refund = "refundStatus" in param
    status = str(param["refundStatus"] if refund else param["transactionStatus"])
    told = {"COMPLETED": "paid", "COMPLETE": "refunded", "FAILED": "failed"}.get(status, "pending")
    amount = Decimal(str(param["refundAmount"] if refund else param["amount"]))
    order_no = param["mchRefundOrderId"] if refund else param["mchOrderId"]
    return Notice(str(order_no), told, amount, amount)


def _goldenpay_notice(fields: dict[str, Any]) -> Notice:
    told = {60: "paid", 30: "failed", 50: "failed"}.get(int(fields["status"]), "pending")
    order_amount = Decimal(str(fields["order_amount"]))
    paid = Decimal(str(fields["payed_amount"])) if "payed_amount" in fields else order_amount
    return Notice(str(fields["trans_id"]), told, paid, order_amount)


def _read(gateway: str, body: bytes, verify: bool) -> Notice | None:
    """The notice a body tells, or None when it does not parse or (if `verify`) verify."""
    try:
        fields = json.loads(body)
        if gateway == "trustpay":
            if verify and not TrustPayClient().verify_callback(body):
                return None
            return _trustpay_notice(fields)
        if gateway == "goldenpay":
            if verify and not GoldenPayClient().verify_callback(body):
                return None
            return _goldenpay_notice(fields)
        param = EzPayClient().notification(body) if verify else json.loads(fields["param"])
        return None if param is None else _ezpay_notice(param)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def handler_app(gateway: str, defect: str = "none", slow_s: float = 0.5) -> Starlette:
    if defect not in DEFECTS:
        raise ValueError(defect)
    orders: dict[str, dict[str, Any]] = {}

    def apply(notice: Notice) -> None:
        order = orders.setdefault(
            notice.order_no, {"status": "pending", "amount": Decimal(0), "of": notice.order_amount}
        )
        if notice.status in ("failed", "pending") and defect == "applies-late-failure":
            # Takes whatever came last: a failure, or TrustPay's refund back at "refunding".
            order["status"] = notice.status
            return
        if order["status"] in FINAL:
            repeated = notice.status == order["status"] in ("paid", "refunded")
            if defect == "not-idempotent" and repeated:
                order["amount"] += notice.paid  # credits (or refunds) every copy
            return
        if notice.status == "paid":
            if defect == "trusts-order-amount":
                order["status"], order["amount"] = "paid", notice.order_amount
            else:
                order["status"] = "paid" if notice.paid >= order["of"] else "partial"
                order["amount"] = notice.paid
        elif notice.status == "refunded":
            order["status"], order["amount"] = "refunded", notice.paid
        elif notice.status == "failed":
            order["status"] = "failed"

    async def notify(request: Request) -> Response:
        body = await request.body()
        notice = _read(gateway, body, verify=defect != "no-signature-check")
        if notice is None:
            return Response("bad callback", status_code=400)
        if not notice.order_no.startswith("chk-"):
            return Response("unknown order", status_code=404)
        apply(notice)
        if defect == "slow":
            await asyncio.sleep(slow_s)
        ack = WRONG_ACKS[gateway] if defect == "wrong-ack" else ACKS[gateway]
        return Response(ack)

    async def state(request: Request) -> Response:
        order_no = request.path_params["order_no"]
        order = orders.get(order_no)
        if order is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        amount = float(order["amount"])
        return JSONResponse({"order_no": order_no, "status": order["status"], "amount": amount})

    return Starlette(
        routes=[
            Route("/notify", notify, methods=["POST"]),
            Route("/orders/{order_no}", state, methods=["GET"]),
        ]
    )
