"""GoldenPay callback bodies and their hand-over to the delivery engine.

Keys in the order of.2, `sign` last over exactly the values sent. The scenario blocks
that shape delivery (`callbacks`, `delivery`) are kept on the order, so a transition hours later
(or after a restart) is told the way the creating request's scenario said.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.clock import parse_instant
from sandbox.delivery import body_equals_text
from sandbox.gateways.directives import (
    RenderedCallback,
    SignatureMode,
    kept_plan,
    submit_order_callbacks,
)
from sandbox.gateways.goldenpay import revisions
from sandbox.gateways.goldenpay.common import (
    CANCELED,
    COLLECT,
    COLLECT_STATUS,
    PAYOUT_STATUS,
    SUCCESS,
    amount_text,
    time_text,
)
from sandbox.gateways.goldenpay.merchant import GoldenPayMerchant
from sandbox.gateways.orders import Order
from sandbox.runtime import Sandbox
from sandbox.scenarios.model import TamperValue
from sandbox.signing.md5 import goldenpay_sign
from sandbox.signing.values import compact_json

# HTTP 200 and the trimmed body `success`; the policy follows the order's revision.
ACK = body_equals_text("success")

_EVENTS = {"20": "processing", "60": "success", "30": "failed", "50": "canceled"}


# -- bodies -----------------------------------------------------------------------------------


def _instant_text(value: str | None, merchant: GoldenPayMerchant) -> str | None:
    return None if value is None else time_text(parse_instant(value), merchant)


def collect_payload(
    order: Order, merchant: GoldenPayMerchant, status: str, now: datetime
) -> dict[str, Any]:
    """Spec.1 for `status`: 60 carries the paid amount and time, anything else `"0.00"` and
    `payed_at` null (a `sequence` may render a status the order never had)."""
    zero = amount_text(Decimal(0), order.currency)
    payed_amount, payed_at = zero, None
    if status == SUCCESS:
        if order.status == SUCCESS:
            payed_amount = order.data["payed_amount"]
            payed_at = _instant_text(order.data.get("payed_at"), merchant)
        else:
            payed_amount = amount_text(order.amount, order.currency)
        payed_at = payed_at or time_text(now, merchant)
    return {
        "id": order.platform_id,
        "trans_id": order.merchant_order_id,
        "mch_id": merchant.mch_id,
        "order_amount": amount_text(order.amount, order.currency),
        "payed_amount": payed_amount,
        "channel": order.data["channel"],
        "status": int(status),
        "created_at": time_text(order.created_at, merchant),
        "payed_at": payed_at,
    }


def payout_payload(
    order: Order, merchant: GoldenPayMerchant, status: str, now: datetime
) -> dict[str, Any]:
    """`payed_at` only on 60, `canceled_at` only on 50."""
    payload: dict[str, Any] = {
        "id": order.platform_id,
        "trans_id": order.merchant_order_id,
        "mch_id": merchant.mch_id,
        "order_amount": amount_text(order.amount, order.currency),
        "status": int(status),
        "created_at": time_text(order.created_at, merchant),
    }
    if status == SUCCESS:
        at = order.data.get("payed_at") if order.status == SUCCESS else None
        payload["payed_at"] = _instant_text(at, merchant) or time_text(now, merchant)
    elif status == CANCELED:
        at = order.data.get("canceled_at") if order.status == CANCELED else None
        payload["canceled_at"] = _instant_text(at, merchant) or time_text(now, merchant)
    return payload


def signed_body(
    payload: dict[str, Any],
    merchant: GoldenPayMerchant,
    signature: SignatureMode,
    tamper: Mapping[str, TamperValue],
) -> bytes:
    body = dict(payload)
    if signature == "valid":
        body["sign"] = goldenpay_sign(payload, merchant.api_token)
    elif signature == "invalid":
        body["sign"] = goldenpay_sign(payload, merchant.api_token + "-not-the-token")
    for key, value in tamper.items():
        body[key] = value
    return compact_json(body).encode()


def send_callbacks(sandbox: Sandbox, order: Order, merchant: GoldenPayMerchant) -> list[str]:
    """The callbacks for the order's (final) status, shaped by the scenario blocks it keeps."""
    plan = kept_plan(order.data)
    now = sandbox.clock.now()
    collect = order.kind == COLLECT
    statuses = COLLECT_STATUS if collect else PAYOUT_STATUS

    def render(
        status: str, signature: SignatureMode, tamper: Mapping[str, TamperValue]
    ) -> RenderedCallback:
        build = collect_payload if collect else payout_payload
        payload = revisions.callback_body(build(order, merchant, status, now), order)
        body = signed_body(payload, merchant, signature, tamper)
        event = f"{order.kind}.{_EVENTS.get(status, status)}"
        return RenderedCallback(body, {"Content-Type": "application/json"}, event)

    return submit_order_callbacks(
        sandbox.delivery,
        plan,
        order,
        order.data.get("callback_url"),
        render,
        ack=ACK,
        policy=revisions.callback_policy(revisions.of_order(order)),
        sequence_status=statuses.get,
    )
