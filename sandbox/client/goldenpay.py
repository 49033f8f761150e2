"""`GoldenPayClient`: signed GoldenPay requests (JSON bodies, signed query strings)."""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from sandbox.client.http import DEFAULT_URL, GatewayClient
from sandbox.signing.md5 import goldenpay_sign, goldenpay_verify
from sandbox.signing.values import parse_json

DEMO_MCH_ID = 10001
DEMO_API_TOKEN = "gp_test_token_5e6f7a8b"
COLLECT = "/api/v1/mch/pmt-orders"
PAYOUT = "/api/v1/mch/wdl-orders"
INFO = "/api/v1/mch/info"
BALANCE = "/api/v1/mch/balance"

_nonces = itertools.count(1)


def signed_fields(fields: Mapping[str, Any], api_token: str = DEMO_API_TOKEN) -> dict[str, Any]:
    """The fields with `sign` added last."""
    return {**fields, "sign": goldenpay_sign(fields, api_token)}


class GoldenPayError(Exception):
    """GoldenPay answered `{"code": 400 | 429, "errors": {"message"}}`."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class GoldenPayClient(GatewayClient):
    """GoldenPay's merchant API at `url` as `mch_id` with `api_token` (the demo merchant by
    default). Named calls return the signed `payload` after checking its `sign`, and raise
    `GoldenPayError` for an error answer."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        mch_id: int | str = DEMO_MCH_ID,
        api_token: str = DEMO_API_TOKEN,
        timeout: float = 30,
        headers: Mapping[str, str] | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        super().__init__(url, headers=headers, timeout=timeout, http=http)
        self.mch_id = int(mch_id)
        self.api_token = api_token

    def common(self) -> dict[str, Any]:
        """`mch_id`, a fresh `nonce` and the current `timestamp`: part of every call."""
        nonce = f"n{secrets.token_hex(4)}{next(_nonces)}"
        return {"mch_id": self.mch_id, "nonce": nonce, "timestamp": int(time.time())}

    def signed(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The fields with `sign` added last."""
        return signed_fields(fields, self.api_token)

    def send(
        self,
        method: str,
        path: str,
        fields: Mapping[str, Any],
        *,
        sign: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """A POST with a JSON body or a GET with a query string; `sign=False` sends as given."""
        params = self.signed(fields) if sign else dict(fields)
        if method.upper() == "GET":
            return self.http.get(f"{path}?{urlencode(params)}", headers=headers)
        body = json.dumps(params)
        return self.http.post(path, content=body, headers=self._headers(headers))

    def call(self, method: str, path: str, **fields: Any) -> dict[str, Any]:
        """Add the common fields, sign, send; the verified `payload` of a success."""
        response = self.send(method, path, {**self.common(), **fields})
        response.raise_for_status()
        answer = parse_json(response.content)
        if int(answer.get("code", 0)) != 200:
            raise GoldenPayError(int(answer.get("code", 0)), str(answer["errors"]["message"]))
        payload: dict[str, Any] = answer["payload"]
        if not goldenpay_verify(payload, self.api_token).ok:
            raise GoldenPayError(200, "the payload's sign does not verify")
        return payload

    def collect(self, **fields: Any) -> dict[str, Any]:
        """Create a collect (pay-in) order: `trans_id`, `channel`, `currency`, `amount`,
        `callback_url`, optional `return_url`; the payload has the cashier `url`."""
        return self.call("POST", COLLECT, **fields)

    def collect_query(self, order_id: str) -> dict[str, Any]:
        """One collect order by platform id or `trans_id`."""
        return self.call("GET", COLLECT, id=order_id)

    def payout(self, **fields: Any) -> dict[str, Any]:
        """Create a payout: `trans_id`, `channel`, `currency`, `amount`, `account_no`,
        `account_name`, `callback_url`."""
        return self.call("POST", PAYOUT, **fields)

    def payout_query(self, order_id: str) -> dict[str, Any]:
        """One payout by platform id or `trans_id`."""
        return self.call("GET", PAYOUT, id=order_id)

    def info(self) -> dict[str, Any]:
        """The merchant's `id`, `name` and `created_at`."""
        return self.call("GET", INFO)

    def balance(self, currency: str) -> dict[str, Any]:
        """One wallet's `balance` (a `JsonNumber`: its exact text)."""
        return self.call("GET", BALANCE, currency=currency)

    def verify_callback(self, body: bytes, headers: Mapping[str, str] | None = None) -> bool:
        """True when a callback body is JSON for this merchant whose `sign` verifies over the
        values as received (`null` ones skipped) — check this before crediting anything."""
        try:
            fields = parse_json(body)
        except ValueError:
            return False
        if not isinstance(fields, dict) or str(fields.get("mch_id")) != str(self.mch_id):
            return False
        return goldenpay_verify(fields, self.api_token).ok
