"""GoldenPay's part of `sandbox check`: collect (pay-in) and payout callbacks, ack `success`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.check.model import CallbackSpec, Conformance, spoil_signature
from sandbox.gateways.goldenpay import revisions
from sandbox.gateways.goldenpay.callbacks import (
    ACK,
    collect_payload,
    payout_payload,
    signed_body,
)
from sandbox.gateways.goldenpay.common import (
    COLLECT,
    COLLECT_STATUS,
    PAYOUT,
    PAYOUT_STATUS,
    PROCESSING,
    SUCCESS,
    amount_text,
)
from sandbox.gateways.goldenpay.merchant import GoldenPayMerchant
from sandbox.gateways.orders import Order

CURRENCY = "THB"


def _order(merchant: GoldenPayMerchant, spec: CallbackSpec, status: str) -> Order:
    kind = PAYOUT if spec.kind == "payout" else COLLECT
    return Order(
        gateway="goldenpay",
        merchant=str(merchant.mch_id),
        kind=kind,
        platform_id="P" + spec.order_no.replace("-", "").upper(),
        merchant_order_id=spec.order_no,
        amount=spec.amount,
        currency=CURRENCY,
        status=status,
        created_at=spec.at,
        updated_at=spec.at,
        data={"channel": "mock", "payed_amount": amount_text(spec.paid, CURRENCY)},
    )


def _status(kind: str, outcome: str) -> str:
    if outcome == "pending":
        return PROCESSING
    return (PAYOUT_STATUS if kind == "payout" else COLLECT_STATUS)[outcome]


def build(merchant: GoldenPayMerchant, spec: CallbackSpec) -> bytes:
    status = _status(spec.kind, spec.outcome)
    order = _order(merchant, spec, status)
    render = payout_payload if spec.kind == "payout" else collect_payload
    payload = revisions.callback_body(render(order, merchant, status, spec.at), order)
    tamper: dict[str, Any] = {}
    if spec.tamper == "amount":
        name = "order_amount" if spec.kind == "payout" else "payed_amount"
        tamper[name] = amount_text(spec.amount * 10, CURRENCY)
    elif spec.tamper == "status":
        tamper["status"] = int(SUCCESS)
    if spec.signing == "other":
        return signed_body(payload, merchant, "invalid", tamper)  # signed with another token
    body = signed_body(
        payload, merchant, "missing" if spec.signing == "missing" else "valid", tamper
    )
    return spoil_signature(body) if spec.signing == "invalid" else body


CONFORMANCE = Conformance(
    gateway="goldenpay",
    kinds=("payin", "payout"),
    build=build,
    ack=ACK,
    policy=revisions.callback_policy("current"),
    short_payment_kinds=("payin",),
    order_amount=Decimal("100.00"),
)
