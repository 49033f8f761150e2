"""TrustPay's part of `sandbox check`: pay-in, payout and refund callbacks, any 2xx acknowledges."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.check.model import CallbackSpec, Conformance, spoil_signature
from sandbox.gateways.trustpay.callbacks import (
    HEADERS,
    PAYIN,
    PAYOUT,
    POLICY,
    CallbackFacts,
    callback_payload,
    render_callback,
    trustpay_ack,
)
from sandbox.gateways.trustpay.merchant import TrustPayMerchant

# (kind, outcome) → TrustPay status. A refund's late "failure" is the pay-in back at 9
# (refunding) after 7 (refunded).
_STATUS = {
    ("payin", "success"): 5,
    ("payin", "failed"): 3,
    ("payin", "pending"): 1,
    ("payout", "success"): 2,
    ("payout", "failed"): 3,
    ("payout", "pending"): 1,
    ("refund", "success"): 7,
    ("refund", "failed"): 9,
    ("refund", "pending"): 9,
}


def build(merchant: TrustPayMerchant, spec: CallbackSpec) -> bytes:
    status = _STATUS[(spec.kind, spec.outcome)]
    facts = CallbackFacts(
        order_type=PAYOUT if spec.kind == "payout" else PAYIN,
        merchant_id=merchant.merchant_id,
        order_no=spec.order_no,
        order_amount=spec.amount,
        paid_amount=spec.paid,
        pay_time=spec.at,
        refund_amount=spec.amount if spec.kind == "refund" else Decimal("0.00"),
        refund_nos=(f"{spec.order_no}-R1",) if spec.kind == "refund" else (),
    )
    fields = callback_payload(facts, status)
    tamper: dict[str, Any] = {}
    if spec.tamper == "amount":
        name = "refund_amount" if spec.kind == "refund" else "paid_amount"
        tamper[name] = spec.amount * 10
    elif spec.tamper == "status":
        tamper["status"] = _STATUS[(spec.kind, "success")]
    if spec.signing == "other":
        return render_callback(fields, merchant.secret + "-another-merchant", "valid", tamper)
    if spec.signing == "invalid":
        return spoil_signature(render_callback(fields, merchant.secret, "valid", tamper))
    return render_callback(fields, merchant.secret, spec.signing, tamper)


CONFORMANCE = Conformance(
    gateway="trustpay",
    kinds=("payin", "payout", "refund"),
    build=build,
    ack=trustpay_ack(),
    policy=POLICY,
    headers=HEADERS,
    short_payment_kinds=("payin",),
    order_amount=Decimal("100.00"),
)
