"""A merchant's EzPay client for the tests: signs `param` with a merchant private key, posts the
envelope, and verifies notifications with a platform public key — exactly as an integration would.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from sandbox.signing.demo_keys import (
    EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
    EZPAY_DEMO_PLATFORM_PUBLIC_KEY,
)
from sandbox.signing.rsa import sign_param, verify_param

DEMO_APP_ID = "8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c"


@dataclass
class EzPayClient:
    http: httpx.Client
    app_id: str = DEMO_APP_ID
    private_key: str = EZPAY_DEMO_MERCHANT_PRIVATE_KEY
    platform_public_key: str = EZPAY_DEMO_PLATFORM_PUBLIC_KEY
    headers: dict[str, str] = field(default_factory=dict)

    def envelope(self, param: dict[str, Any] | str, *, stamp: bool = True) -> dict[str, str]:
        if isinstance(param, dict):
            if stamp and "timestamp" not in param:
                param = {**param, "timestamp": int(time.time())}
            text = json.dumps(param, separators=(",", ":"), ensure_ascii=False)
        else:
            text = param
        return {"appId": self.app_id, "sign": sign_param(self.private_key, text), "param": text}

    def post(
        self, path: str, param: dict[str, Any] | str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return self.http.post(
            path, json=self.envelope(param), headers={**self.headers, **(headers or {})}
        )

    def call(
        self, path: str, param: dict[str, Any] | str, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = self.post(path, param, headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def verify_notification(self, body: bytes) -> dict[str, Any]:
        """Check a notification as a merchant must: `sign` over the exact `param` text."""
        outer = json.loads(body)
        assert list(outer) == ["sign", "param"], outer
        verdict = verify_param(self.platform_public_key, outer["param"], outer["sign"])
        assert verdict.ok, "notification signature does not verify"
        param: dict[str, Any] = json.loads(outer["param"])
        return param


def payment(order_no: str, amount: int = 500, **overrides: Any) -> dict[str, Any]:
    """A valid Philippine payment `param` (R2's fields)."""
    param: dict[str, Any] = {
        "mchOrderId": order_no,
        "amount": amount,
        "customerName": "Juan Dela Cruz",
        "channelCode": "PH_GCASH_URL",
        "notifyUrl": "https://merchant.example/ezpay/notify",
        "redirectUrl": "https://merchant.example/return",
        "email": "juan@example.com",
        "mobile": "09171234567",
    }
    param.update(overrides)
    return param


def payout(order_no: str, amount: int = 50000, **overrides: Any) -> dict[str, Any]:
    """A valid Philippine payout `param` (R4's fields)."""
    param: dict[str, Any] = {
        "mchOrderId": order_no,
        "idempotencyId": f"IDEM-{order_no}"[:30].ljust(10, "0"),
        "amount": amount,
        "accountNo": "09171234567",
        "accountName": "Juan Dela Cruz",
        "payMethodCode": "EWALLET",
        "transferCode": "GCASH",
    }
    param.update(overrides)
    return param
