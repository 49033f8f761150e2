"""EzPay notifications: `param` payloads in the documented key order, signed with the
merchant's platform private key, body `{"sign","param"}`, and their hand-over to delivery.

The plan's `callbacks` and `delivery` blocks are kept with the order (`directives`), because the
notification is sent later — by a timer, the hosted page or an admin complete.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.clock import parse_instant
from sandbox.delivery import STANDARD_DELAYS, AckRule, RetryPolicy, json_field_equals
from sandbox.gateways.directives import (
    RenderedCallback,
    SignatureMode,
    kept_blocks,
    plan_from_blocks,
    submit_order_callbacks,
)
from sandbox.gateways.ezpay.codes import DEFAULT_FAILED_CODE, FAILURES
from sandbox.gateways.ezpay.merchant import EzPayMerchant
from sandbox.gateways.ezpay.money import fmt_time
from sandbox.gateways.orders import Order
from sandbox.runtime import Sandbox
from sandbox.scenarios.model import TamperValue
from sandbox.signing.values import compact_json

GATEWAY = "ezpay"
ACK: AckRule = json_field_equals("code", 10000, "10000")
POLICY = RetryPolicy("ezpay", 10.0, STANDARD_DELAYS)
HEADERS = {"Content-Type": "application/json"}

# Neutral sequence statuses → the status a payment/payout (or a refund) notification shows.
_TRANSACTION_SEQUENCE = {
    "success": "COMPLETED",
    "failed": "FAILED",
    "pending": "PENDING",
    "expired": "FAILED",
}
_REFUND_SEQUENCE = {
    "success": "COMPLETE",
    "failed": "FAILED",
    "pending": "PENDING",
    "canceled": "CANCEL",
}
_EVENTS = {
    "payout": ("disbursement.success", "disbursement.failed"),
    "payment": ("order.payment.success", "order.payment.failed"),
    "static_payment": ("static.order.payment.success", "static.order.payment.failed"),
}


# -- payloads ---------------------------------------------------------------------------------


def failure_of(order: Order) -> tuple[int, str]:
    code = int(order.data.get("failedCode") or DEFAULT_FAILED_CODE)
    return code, str(order.data.get("failedMessage") or FAILURES.get(code, FAILURES[-10004]))


def transaction_param(order: Order, merchant: EzPayMerchant, status: str) -> dict[str, Any]:
    """Payout, payment and static-payment notification `param`, for `status`."""
    success_event, failed_event = _EVENTS[order.kind]
    param: dict[str, Any] = {
        "eventName": failed_event if status == "FAILED" else success_event,
        "mchOrderId": order.merchant_order_id,
        "transactionId": order.platform_id,
        "amount": int(order.amount),
        "transactionStatus": status,
        "createTime": fmt_time(order.created_at, merchant),
    }
    if status != "PENDING":
        param["returnTime"] = fmt_time(return_instant(order), merchant)
    if order.kind != "payout":
        param["channelCode"] = order.data["channelCode"]
    if order.data.get("remark"):
        param["remark"] = order.data["remark"]
    if status == "FAILED":
        code, message = failure_of(order)
        param["failedCode"] = code
        param["failedMessage"] = message
    return param


def refund_param(refund: Order, merchant: EzPayMerchant, status: str) -> dict[str, Any]:
    """Refund notification `param`."""
    event = {"FAILED": "payment.refund.failed", "CANCEL": "payment.refund.cancel"}.get(
        status, "payment.refund.success"
    )
    returned = status in ("COMPLETE", "PENDING")
    param: dict[str, Any] = {
        "eventName": event,
        "mchRefundOrderId": refund.merchant_order_id,
        "refundTransactionId": refund.platform_id,
        "originalTransactionId": refund.parent_id,
        "refundAmount": int(refund.amount),
        "feeRefunded": int(Decimal(refund.data.get("feeRefunded", 0))) if returned else 0,
        "refundStatus": status,
        "refundCreateTime": fmt_time(refund.created_at, merchant),
    }
    if status != "PENDING":
        param["refundReturnTime"] = fmt_time(return_instant(refund), merchant)
    if refund.data.get("refundReason"):
        param["refundReason"] = refund.data["refundReason"]
    if status == "FAILED":
        code, message = failure_of(refund)
        param["failedCode"] = code
        param["failedMessage"] = message
    return param


def return_instant(order: Order) -> datetime:
    """When the order became final (kept as `returnAt`), else its last update."""
    text = order.data.get("returnAt")
    return parse_instant(text) if text else order.updated_at


# -- signing and rendering --------------------------------------------------------------------


@functools.cache
def _throwaway_key() -> str:
    """A well-formed key nobody holds: `signature: invalid` signs with it."""
    from sandbox.signing.rsa import generate_key_pair

    private, _public = generate_key_pair(2048)
    return private


def render_body(
    param: dict[str, Any],
    merchant: EzPayMerchant,
    signature: SignatureMode = "valid",
    tamper: Mapping[str, TamperValue] | None = None,
) -> bytes:
    """`{"sign","param"}`: compact `param`, signed over exactly those bytes; tamper after."""
    from sandbox.signing.rsa import load_private_key, sign_param  # `cryptography`: not at start-up

    text = compact_json(param)
    key = load_private_key(
        _throwaway_key() if signature == "invalid" else merchant.platform_private_key
    )
    sign = sign_param(key, text)
    if tamper:
        changed = dict(param)
        for name, value in tamper.items():
            changed[name] = value
        text = compact_json(changed)
    body: dict[str, Any] = {} if signature == "missing" else {"sign": sign}
    body["param"] = text
    return compact_json(body).encode("utf-8")


# -- hand-over --------------------------------------------------------------------------------


def notify(
    sandbox: Sandbox,
    merchant: EzPayMerchant,
    order: Order,
    url: str | None,
    directives: Mapping[str, Any] | None = None,
) -> list[str]:
    """Queue the notification(s) for `order`'s current (final) status."""
    plan = plan_from_blocks(directives if directives is not None else kept_blocks(order.data))
    refund = order.kind == "refund"

    def render(
        status: str, signature: SignatureMode, tamper: Mapping[str, TamperValue]
    ) -> RenderedCallback:
        if refund:
            param = refund_param(order, merchant, status)
        else:
            param = transaction_param(order, merchant, status)
        body = render_body(param, merchant, signature, tamper)
        return RenderedCallback(body, HEADERS, param["eventName"])

    table = _REFUND_SEQUENCE if refund else _TRANSACTION_SEQUENCE
    return submit_order_callbacks(
        sandbox.delivery,
        plan,
        order,
        url,
        render,
        ack=ACK,
        policy=POLICY,
        sequence_status=table.get,
    )


def query_head(order: Order, merchant: EzPayMerchant) -> dict[str, Any]:
    """The fields a payment or payout query answers first, in table order."""
    data: dict[str, Any] = {
        "mchOrderId": order.merchant_order_id,
        "transactionId": order.platform_id,
        "amount": int(order.amount),
        "transactionStatus": order.status,
        "createTime": fmt_time(order.created_at, merchant),
    }
    if order.status != "PENDING":
        data["returnTime"] = fmt_time(return_instant(order), merchant)
    return data
