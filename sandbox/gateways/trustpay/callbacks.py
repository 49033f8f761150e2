"""TrustPay callback payload builders (spec §6): exact body bytes, signed over the text sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sandbox import __version__
from sandbox.delivery import any_2xx, profile
from sandbox.gateways.directives import (
    CallbackRenderer,
    CallbackTarget,
    RenderedCallback,
    SignatureMode,
    ack_rule,
    delivery_policy,
    submit_callbacks,
)
from sandbox.gateways.orders import Order
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.scenarios.model import TamperValue
from sandbox.signing.md5 import trustpay_sign
from sandbox.signing.values import JsonNumber, compact_json, normalise_number_text

CALLBACK_HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": f"TrustPay-Sandbox/{__version__}",
}


# -- card issuing callbacks (§6.6 virtual-card orders, §6.7 cardholder KYC) ----------------------


def card_amount(value: Decimal, merchant: TrustPayMerchant) -> JsonNumber:
    """A callback amount as the merchant's `callback_amount_format` says (§6.8)."""
    text = f"{value.quantize(Decimal('0.01')):f}"
    if merchant.callback_amount_format == "trimmed":
        text = normalise_number_text(text) or text
    return JsonNumber(text)


def _tamper_value(value: TamperValue) -> Any:
    if isinstance(value, Decimal):
        return JsonNumber(f"{value:f}")
    return value


def signed_body(
    payload: dict[str, Any],
    merchant: TrustPayMerchant,
    signature: SignatureMode,
    tamper: Mapping[str, TamperValue],
) -> bytes:
    """`payload` with `sign` last (§2 over the fields as sent), then the scenario's spoiling."""
    if signature == "valid":
        payload["sign"] = trustpay_sign(payload, merchant.secret)
    elif signature == "invalid":
        payload["sign"] = trustpay_sign(payload, merchant.secret + "-not-the-secret")
    for key, value in tamper.items():
        payload[key] = _tamper_value(value)
    return compact_json(payload).encode()


def card_order_payload(order: Order, status: str, merchant: TrustPayMerchant) -> dict[str, Any]:
    """§6.6 fields in order: order_no, status, card_id, amount, fee, balance, type, reason."""
    data = order.data
    charge_type = str(data["charge_type"])
    payload: dict[str, Any] = {"order_no": order.merchant_order_id, "status": int(status)}
    card_id = data.get("card_id")
    if card_id is not None and (status == "4" or charge_type != "OPEN_CARD"):
        payload["card_id"] = int(card_id) if str(card_id).isdigit() else card_id
    payload["amount"] = card_amount(order.amount, merchant)
    if status == "4":
        fee = Decimal(str(data["fee"]))
        payload["fee"] = card_amount(fee, merchant)
        payload["balance"] = card_amount(order.amount - fee, merchant)
    payload["type"] = charge_type
    payload["reason"] = "" if status == "4" else str(data.get("reason") or "")
    return payload


def render_card_order(
    order: Order,
    merchant: TrustPayMerchant,
    status: str,
    signature: SignatureMode,
    tamper: Mapping[str, TamperValue],
) -> RenderedCallback:
    body = signed_body(card_order_payload(order, status, merchant), merchant, signature, tamper)
    event = f"{str(order.data['charge_type']).lower()}.{status}"
    return RenderedCallback(body, CALLBACK_HEADERS, event)


def kyc_payload(holder: Order, status: str) -> dict[str, Any]:
    """§6.7 fields in order: cardholder_id, cardholder_status, reason."""
    reason = str(holder.data.get("reason") or "") if status == "REJECTED" else ""
    return {"cardholder_id": holder.platform_id, "cardholder_status": status, "reason": reason}


def render_kyc(
    holder: Order,
    merchant: TrustPayMerchant,
    status: str,
    signature: SignatureMode,
    tamper: Mapping[str, TamperValue],
) -> RenderedCallback:
    body = signed_body(kyc_payload(holder, status), merchant, signature, tamper)
    return RenderedCallback(body, CALLBACK_HEADERS, f"kyc.{status.lower()}")


_CARD_ORDER_STATUS = {
    "success": "4",
    "failed": "3",
    "expired": "3",
    "canceled": "3",
    "pending": "1",
}
_KYC_STATUS = {
    "success": "APPROVED",
    "failed": "REJECTED",
    "expired": "REJECTED",
    "canceled": "REJECTED",
}


def send_card_order_callback(
    sandbox: Sandbox, merchant: TrustPayMerchant, order: Order, plan: Plan | None
) -> list[str]:
    """The card-order callback for the order's current status, to its `notify_url`."""

    def render(
        status: str, signature: SignatureMode, tamper: Mapping[str, TamperValue]
    ) -> RenderedCallback:
        return render_card_order(order, merchant, status, signature, tamper)

    return _submit(sandbox, order, plan, render, _CARD_ORDER_STATUS.get)


def send_kyc_callback(
    sandbox: Sandbox, merchant: TrustPayMerchant, holder: Order, plan: Plan | None
) -> list[str]:
    """The KYC callback for the cardholder's current status (none without a `notify_url`)."""
    if not holder.data.get("notify_url"):
        return []

    def render(
        status: str, signature: SignatureMode, tamper: Mapping[str, TamperValue]
    ) -> RenderedCallback:
        return render_kyc(holder, merchant, status, signature, tamper)

    return _submit(sandbox, holder, plan, render, _KYC_STATUS.get)


def _submit(
    sandbox: Sandbox,
    order: Order,
    plan: Plan | None,
    render: CallbackRenderer,
    sequence_status: Callable[[str], str | None],
) -> list[str]:
    target = CallbackTarget(
        gateway=order.gateway,
        merchant=order.merchant,
        order_id=order.platform_id,
        merchant_order_id=order.merchant_order_id,
        url=order.data.get("notify_url"),
    )
    return submit_callbacks(
        sandbox.delivery,
        plan,
        target,
        order.status,
        render,
        ack=ack_rule(plan, any_2xx()),
        policy=delivery_policy(plan, profile("trustpay")),
        sequence_status=sequence_status,
    )
