"""A merchant's EzPay client for the tests: signs `param` with a merchant private key, posts the
envelope, and verifies notifications with a platform public key — exactly as an integration would.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sandbox.client.ezpay import ACK as OK_REPLY
from sandbox.client.ezpay import DEMO_APP_ID
from sandbox.client.ezpay import EzPayClient as ProductClient
from sandbox.signing.demo_keys import (
    EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
    EZPAY_DEMO_MERCHANT_PUBLIC_KEY,
    EZPAY_DEMO_PLATFORM_PUBLIC_KEY,
)
from sandbox.signing.rsa import generate_key_pair

__all__ = ["DEMO_APP_ID", "OK_REPLY"]


class EzPayClient(ProductClient):
    """`sandbox.client.EzPayClient` on a test's `httpx.Client`, with asserting helpers."""

    def __init__(
        self,
        http: httpx.Client,
        app_id: str = DEMO_APP_ID,
        private_key: str = EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
        platform_public_key: str = EZPAY_DEMO_PLATFORM_PUBLIC_KEY,
    ) -> None:
        super().__init__(
            str(http.base_url),
            app_id=app_id,
            private_key=private_key,
            platform_public_key=platform_public_key,
            http=http,
        )

    def post(
        self, path: str, param: dict[str, Any] | str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return self.send(path, param, headers)

    def call(self, path: str, param: Any, headers: Any = None) -> dict[str, Any]:
        response = self.send(path, param, headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def verify_notification(self, body: bytes) -> dict[str, Any]:
        """Check a notification as a merchant must: `sign` over the exact `param` text."""
        outer = json.loads(body)
        assert list(outer) == ["sign", "param"], outer
        param = self.notification(body)
        assert param is not None, "notification signature does not verify"
        return param


def payment(order_no: str, amount: int = 500, **overrides: Any) -> dict[str, Any]:
    """A valid Philippine payment `param` (R2's fields)."""
    param: dict[str, Any] = {
        "mchOrderId": order_no,
        "amount": amount,
        "customerName": "Juan Dela Cruz",
        "channelCode": "PH_GCASH_URL",
        "notifyUrl": "http://127.0.0.1:9/ezpay/notify",  # nothing listens: refused at once
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


# -- merchants registered through the config file -----------------------------------------------

OWN_APP_ID = "0123456789abcdef0123456789abcdef"  # its own merchant and platform key pairs
LIMITED_APP_ID = "1111111111111111111111111111111a"  # PH only, limits, strict, lenient, 21010
DISABLED_APP_ID = "2222222222222222222222222222222b"  # enabled: false
FENCED_APP_ID = "3333333333333333333333333333333c"  # allowed_ips: 10.0.0.0/8


@dataclass(frozen=True)
class OwnKeys:
    merchant_private: str
    merchant_public: str
    platform_private: str
    platform_public: str


@functools.cache
def own_keys() -> OwnKeys:
    merchant_private, merchant_public = generate_key_pair(2048)
    platform_private, platform_public = generate_key_pair(2048)
    return OwnKeys(merchant_private, merchant_public, platform_private, platform_public)


def _indent(pem: str) -> str:
    return "\n".join("        " + line for line in pem.strip().splitlines())


def write_config(path: Path, payout_notify_url: str = "") -> str:
    """A config file registering the merchants above (the demo merchant stays too)."""
    keys = own_keys()
    demo_public = EZPAY_DEMO_MERCHANT_PUBLIC_KEY
    text = f"""merchants:
  ezpay:
    - app_id: {OWN_APP_ID}
      merchant_public_key: |
{_indent(keys.merchant_public)}
      platform_private_key: |
{_indent(keys.platform_private)}
      platform_public_key: |
{_indent(keys.platform_public)}
      payout_notify_url: "{payout_notify_url or "http://127.0.0.1:9/none"}"
      balances: {{PHP: 1000.00, IDR: 50000000}}
    - app_id: {LIMITED_APP_ID}
      merchant_public_key: |
{_indent(demo_public)}
      countries: [philippines]
      allowed_ips: [127.0.0.0/8, "::1"]
      disabled_channels: [PH_MAYA_URL]
      signature_mode: lenient
      timestamp_tolerance_s: null
      strict_validation: true
      not_found_code: 21010
      time_zone: "+00:00"
      balances: {{PHP: 10.00}}
      limits:
        max_amount: {{PHP: 100.00}}
        daily_volume: {{PHP: 150.00}}
        daily_count: 3
    - app_id: {DISABLED_APP_ID}
      merchant_public_key: |
{_indent(demo_public)}
      enabled: false
    - app_id: {FENCED_APP_ID}
      merchant_public_key: |
{_indent(demo_public)}
      allowed_ips: [10.0.0.0/8]
"""
    path.write_text(text, encoding="utf-8")
    return str(path)


def client_for(http: httpx.Client, app_id: str) -> EzPayClient:
    if app_id == OWN_APP_ID:
        keys = own_keys()
        return EzPayClient(http, app_id, keys.merchant_private, keys.platform_public)
    return EzPayClient(http, app_id)


def wait_callbacks(server: Any, count: int, **filters: Any) -> list[dict[str, Any]]:
    """Long-poll the admin API until `count` messages match (no sleeping)."""
    params = {"gateway": "ezpay", "count": count, "timeout": 10, **filters}
    response = server.admin("GET", "callbacks/wait", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def order_of(server: Any, order_id: str) -> dict[str, Any]:
    response = server.admin("GET", f"orders/{order_id}", params={"gateway": "ezpay"})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def orders_snapshot(server: Any) -> tuple[int, str]:
    """(number of EzPay orders, the demo merchant's balances as text): for "nothing stored"."""
    orders = server.admin("GET", "orders", params={"gateway": "ezpay", "page_size": 1}).json()
    balances = [
        EzPayClient(server.client).call("/open-api/account/balance/v2", {"currency": c})["data"]
        for c in ("PHP", "IDR")
    ]
    return int(orders["total"]), str(balances)
