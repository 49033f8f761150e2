"""EzPay's part of `sandbox check`: payment, payout and refund notifications, ack `code` 10000.

Amounts are in the API's minor units (`amount` 10000 = 100.00); a notification carries one
amount only, so there is no short-payment case.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.check.model import CallbackSpec, Conformance, spoil_signature
from sandbox.gateways.ezpay.callbacks import (
    ACK,
    HEADERS,
    POLICY,
    refund_param,
    render_body,
    transaction_param,
)
from sandbox.gateways.ezpay.merchant import EzPayMerchant
from sandbox.gateways.orders import Order

_TRANSACTION = {"success": "COMPLETED", "failed": "FAILED", "pending": "PENDING"}
_REFUND = {"success": "COMPLETE", "failed": "FAILED", "pending": "PENDING"}
_KINDS = {"payin": "payment", "payout": "payout", "refund": "refund"}


def _order(merchant: EzPayMerchant, spec: CallbackSpec, status: str) -> Order:
    platform_id = "T" + spec.order_no.replace("-", "").upper()
    return Order(
        gateway="ezpay",
        merchant=merchant.app_id,
        kind=_KINDS[spec.kind],
        platform_id=platform_id + ("R" if spec.kind == "refund" else ""),
        merchant_order_id=spec.order_no,
        amount=spec.amount,
        currency="PHP",
        status=status,
        created_at=spec.at,
        updated_at=spec.at,
        data={"channelCode": "PH_GCASH_URL", "feeRefunded": "0"},
        parent_id=platform_id if spec.kind == "refund" else None,
    )


def build(merchant: EzPayMerchant, spec: CallbackSpec) -> bytes:
    refund = spec.kind == "refund"
    status = (_REFUND if refund else _TRANSACTION)[spec.outcome]
    order = _order(merchant, spec, status)
    param = (
        refund_param(order, merchant, status)
        if refund
        else transaction_param(order, merchant, status)
    )
    tamper: dict[str, Any] = {}
    if spec.tamper == "amount":
        tamper["refundAmount" if refund else "amount"] = int(spec.amount) * 10
    elif spec.tamper == "status":
        tamper["refundStatus" if refund else "transactionStatus"] = (
            _REFUND if refund else _TRANSACTION
        )["success"]
    if spec.signing == "other":
        return render_body(param, merchant, "invalid", tamper)  # a key that is not the platform's
    body = render_body(param, merchant, "missing" if spec.signing == "missing" else "valid", tamper)
    return spoil_signature(body) if spec.signing == "invalid" else body


CONFORMANCE = Conformance(
    gateway="ezpay",
    kinds=("payin", "payout", "refund"),
    build=build,
    ack=ACK,
    policy=POLICY,
    headers=HEADERS,
    order_amount=Decimal("10000"),
)
