"""DemoPay callbacks: a signed JSON body per status, its ack rule and retry policy."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from demo_gateway.codes import GATEWAY
from demo_gateway.merchant import DemoMerchant
from sandbox.delivery import RetryPolicy, body_equals_text, seconds
from sandbox.gateways.directives import RenderedCallback, SignatureMode, submit_order_callbacks
from sandbox.gateways.orders import Order
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.scenarios.model import TamperValue

ACK = body_equals_text("OK")
# 3 s per attempt; retried after 20 s and after 40 s more, then given up.
POLICY = RetryPolicy(GATEWAY, 3.0, seconds(20, 40))


def sign(body: bytes, secret: str) -> str:
    return hashlib.md5(body + secret.encode()).hexdigest()


def send_payment_callback(
    sandbox: Sandbox, merchant: DemoMerchant, order: Order, plan: Plan | None
) -> list[str]:
    def render(
        status: str, signature: SignatureMode, tamper: Mapping[str, TamperValue]
    ) -> RenderedCallback:
        payload = {
            "order_no": order.merchant_order_id,
            "payment_id": order.platform_id,
            "amount": str(order.amount),
            "paid_amount": order.data.get("paid_amount", "0"),
            "status": status,
        }
        for key, value in tamper.items():
            payload[key] = str(value)
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            headers["X-Demo-Signature"] = sign(body, merchant.secret)
        elif signature == "invalid":
            headers["X-Demo-Signature"] = "0" * 32
        return RenderedCallback(body, headers, f"payment.{status}")

    return submit_order_callbacks(
        sandbox.delivery,
        plan,
        order,
        order.data.get("notify_url"),
        render,
        ack=ACK,
        policy=POLICY,
    )
