"""Calling the GoldenPay gateway of a running sandbox the way a merchant does: signed JSON bodies
for POST, signed query strings for GET (see docs/gateways/goldenpay.md, Signing, worked)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from sandbox.client.goldenpay import BALANCE, COLLECT, INFO, PAYOUT, GoldenPayClient, signed_fields
from sandbox.client.goldenpay import DEMO_API_TOKEN as TOKEN
from sandbox.client.goldenpay import DEMO_MCH_ID as MCH
from sandbox.signing.md5 import goldenpay_verify
from sandbox.signing.values import parse_json
from support.server import RunningSandbox, run_sandbox

__all__ = ["BALANCE", "COLLECT", "INFO", "MCH", "PAYOUT", "TOKEN"]

# A second merchant (config file): fewer channels, a small PHP wallet and no other wallet.
OTHER_MCH = 10002
OTHER_TOKEN = "gp_token_10002"
OTHER_CONFIG = f"""
merchants:
  goldenpay:
    - mch_id: {OTHER_MCH}
      api_token: {OTHER_TOKEN}
      channels: {{collect: [mock, gcash], payout: [mock, gcash]}}
      balances: {{PHP: 100}}
"""

_counter = iter(range(1, 10**9))


def unique(prefix: str) -> str:
    return f"{prefix}{time.monotonic_ns() % 10**9}-{next(_counter)}"


def common(mch_id: Any = MCH) -> dict[str, Any]:
    return {
        "mch_id": mch_id,
        "nonce": "n0nce-" + str(next(_counter)),
        "timestamp": int(time.time()),
    }


def with_sign(fields: dict[str, Any], token: str = TOKEN) -> dict[str, Any]:
    return signed_fields(fields, token)


def collect_fields(**overrides: Any) -> dict[str, Any]:
    fields = {
        **common(),
        "trans_id": unique("ORDER-"),
        "channel": "mock",
        "currency": "THB",
        "amount": "100.00",
        "callback_url": "http://127.0.0.1:9/collect",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not ...}


def payout_fields(**overrides: Any) -> dict[str, Any]:
    fields = {
        **common(),
        "trans_id": unique("WDL-"),
        "channel": "gcash",
        "currency": "PHP",
        "amount": "5.00",
        "account_no": "09171234567",
        "account_name": "JUAN DELA CRUZ",
        "callback_url": "http://127.0.0.1:9/payout",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not ...}


def post(
    server: RunningSandbox, path: str, fields: dict[str, Any], *, token: str = TOKEN, **kwargs: Any
) -> httpx.Response:
    client = GoldenPayClient(server.url, api_token=token or TOKEN, http=server.client)
    return client.send("POST", path, fields, sign=bool(token), **kwargs)


def get(
    server: RunningSandbox, path: str, fields: dict[str, Any], *, token: str = TOKEN, **kwargs: Any
) -> httpx.Response:
    client = GoldenPayClient(server.url, api_token=token or TOKEN, http=server.client)
    return client.send("GET", path, fields, sign=bool(token), **kwargs)


def error_of(response: httpx.Response) -> str:
    """The message of a `{"code":400,"errors":{…}}` answer (HTTP 200)."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"code", "errors"} and body["code"] == 400, body
    message: str = body["errors"]["message"]
    return message


def exact_payload(response: httpx.Response, token: str = TOKEN) -> dict[str, Any]:
    """The signed `payload` of a success with number tokens kept as text (`JsonNumber`); its
    `sign` is checked over exactly the values received."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == 200, response.text
    payload: dict[str, Any] = parse_json(response.content)["payload"]
    assert list(payload)[-1] == "sign"
    assert goldenpay_verify(payload, token).ok, payload
    return payload


def payload_of(response: httpx.Response, token: str = TOKEN) -> dict[str, Any]:
    """The signed `payload` of a success, as plain JSON values (sign checked)."""
    exact_payload(response, token)
    payload: dict[str, Any] = response.json()["payload"]
    return payload


def balance_of(server: RunningSandbox, currency: str, mch_id: int = MCH, token: str = TOKEN) -> str:
    """The `balance` number token as sent (`1000000`, `1000097.5`)."""
    answer = get(server, BALANCE, {**common(mch_id), "currency": currency}, token=token)
    return str(exact_payload(answer, token)["balance"])


@contextmanager
def goldenpay_sandbox(tmp: Path, **flags: Any) -> Iterator[RunningSandbox]:
    """A sandbox with the demo merchant and the second merchant of `OTHER_CONFIG`."""
    config = tmp / "goldenpay.yaml"
    config.write_text(OTHER_CONFIG, encoding="utf-8")
    with run_sandbox({"config": str(config), **flags}) as running:
        yield running
