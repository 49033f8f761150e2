"""`EzPayClient`: `{"appId", "sign", "param"}` envelopes signed SHA256withRSA, and checks of
notifications with the platform public key."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from sandbox.client.http import DEFAULT_URL, GatewayClient
from sandbox.signing.demo_keys import (
    EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
    EZPAY_DEMO_PLATFORM_PUBLIC_KEY,
)
from sandbox.signing.rsa import sign_param, verify_param

DEMO_APP_ID = "8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c"
SUCCESS = 10000
# What a notify handler answers so the sandbox counts the notification as received.
ACK = b'{"code":10000,"message":"Success"}'
Envelope = dict[str, Any]


class EzPayClient(GatewayClient):
    """EzPay's Open API at `url` as `app_id`, signing with the merchant `private_key` and
    checking notifications with the `platform_public_key` (PEM or Base64 DER; the demo
    merchant's TEST-ONLY keys by default). Answers are `{"code", "message", "data"}`."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        app_id: str = DEMO_APP_ID,
        private_key: str = EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
        platform_public_key: str = EZPAY_DEMO_PLATFORM_PUBLIC_KEY,
        timeout: float = 30,
        headers: Mapping[str, str] | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        super().__init__(url, headers=headers, timeout=timeout, http=http)
        self.app_id = app_id
        self.private_key = private_key
        self.platform_public_key = platform_public_key

    def envelope(self, param: Mapping[str, Any] | str, *, stamp: bool = True) -> dict[str, str]:
        """`{"appId", "sign", "param"}`; a mapping becomes compact JSON with a `timestamp`
        (unless `stamp=False` or it has one), a string is signed exactly as given."""
        if isinstance(param, str):
            text = param
        else:
            fields = dict(param)
            if stamp and "timestamp" not in fields:
                fields["timestamp"] = int(time.time())
            text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
        return {"appId": self.app_id, "sign": sign_param(self.private_key, text), "param": text}

    def send(
        self,
        path: str,
        param: Mapping[str, Any] | str,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST the signed envelope of `param` to `path`."""
        # ensure_ascii: a lone surrogate in `param` travels as a "\ud800" escape, like Java's.
        body = json.dumps(self.envelope(param)).encode("ascii")
        return self.http.post(path, content=body, headers=self._headers(headers))

    def call(
        self,
        path: str,
        param: Mapping[str, Any] | str,
        headers: Mapping[str, str] | None = None,
    ) -> Envelope:
        """Sign and send; the parsed answer (any code: check `code` yourself)."""
        response = self.send(path, param, headers)
        response.raise_for_status()
        answer: Envelope = response.json()
        return answer

    def payment(self, country: str = "philippines", **param: Any) -> Envelope:
        """`/open-api/{country}/payment/generate`: a dynamic payment (`mchOrderId`, `amount` in
        minor units, `channelCode`, `notifyUrl`, `customerName`…); `data.payData` is how to pay."""
        return self.call(f"/open-api/{country}/payment/generate", param)

    def payment_query(self, country: str = "philippines", **param: Any) -> Envelope:
        """`/open-api/{country}/payment/query` by `mchOrderId` or `transactionId`."""
        return self.call(f"/open-api/{country}/payment/query", param)

    def payout(self, country: str = "philippines", **param: Any) -> Envelope:
        """`/open-api/{country}/disbursement/transfer`: a payout."""
        return self.call(f"/open-api/{country}/disbursement/transfer", param)

    def payout_query(self, country: str = "philippines", **param: Any) -> Envelope:
        """`/open-api/{country}/disbursement/query`."""
        return self.call(f"/open-api/{country}/disbursement/query", param)

    def static_code(self, country: str = "philippines", **param: Any) -> Envelope:
        """`/open-api/{country}/static/payment/generate`: a static payment code."""
        return self.call(f"/open-api/{country}/static/payment/generate", param)

    def static_code_detail(self, country: str = "philippines", **param: Any) -> Envelope:
        """`/open-api/{country}/static/code/detail`."""
        return self.call(f"/open-api/{country}/static/code/detail", param)

    def static_payments(self, country: str = "philippines", **param: Any) -> Envelope:
        """`/open-api/{country}/static/payment/list`: the payments made to a static code."""
        return self.call(f"/open-api/{country}/static/payment/list", param)

    def static_code_cancel(self, **param: Any) -> Envelope:
        """`/open-api/philippines/static/code/cancel`."""
        return self.call("/open-api/philippines/static/code/cancel", param)

    def refund(self, **param: Any) -> Envelope:
        """`/open-api/payment/refund`: refund a completed payment."""
        return self.call("/open-api/payment/refund", param)

    def refunds(self, **param: Any) -> Envelope:
        """`/open-api/refund/payments`: the refunds of a payment."""
        return self.call("/open-api/refund/payments", param)

    def balance(self, currency: str = "PHP") -> Envelope:
        """`/open-api/account/balance/v2`: one currency's balance."""
        return self.call("/open-api/account/balance/v2", {"currency": currency})

    def country_balance(self, country_code: str = "PH") -> Envelope:
        """`/open-api/account/balance`: a country's balance."""
        return self.call("/open-api/account/balance", {"countryCode": country_code})

    def report(self, **param: Any) -> Envelope:
        """`/open-api/report/download`: a link to the daily report CSV."""
        return self.call("/open-api/report/download", param)

    def notification(self, body: bytes) -> dict[str, Any] | None:
        """The `param` fields of a notification whose signature verifies, else None."""
        try:
            outer = json.loads(body)
        except ValueError:
            return None
        if not isinstance(outer, dict) or not isinstance(outer.get("param"), str):
            return None
        if not verify_param(self.platform_public_key, outer["param"], outer.get("sign", "")).ok:
            return None
        try:
            param = json.loads(outer["param"])
        except ValueError:
            return None
        return param if isinstance(param, dict) else None

    def verify_callback(self, body: bytes, headers: Mapping[str, str] | None = None) -> bool:
        """True when `sign` verifies with the platform public key over the exact `param` text
        — the check a notify handler makes before trusting it."""
        return self.notification(body) is not None
