"""Signed TrustPay requests against a running sandbox, as a merchant's integration sends them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from sandbox.signing.md5 import trustpay_sign
from sandbox.signing.values import JsonNumber, compact_json, parse_json
from support.server import RunningSandbox

MERCHANT_ID = 8820250900009
API_KEY = "tp_test_0b1c2d3e4f5a6b7c"
SECRET = "tp_test_secret_9f8e7d6c"


def num(text: str | int | Decimal) -> JsonNumber:
    """A JSON number token sent exactly as written (`num("5.00")` → `5.00`)."""
    return JsonNumber(str(text))


def signed_body(body: dict[str, Any], secret: str = SECRET) -> bytes:
    fields = dict(body)
    fields["sign"] = trustpay_sign(fields, secret)
    return compact_json(fields).encode()


def post(
    running: RunningSandbox,
    path: str,
    body: dict[str, Any] | bytes,
    *,
    api_key: str = API_KEY,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a body (a dict is signed with the demo secret; bytes are sent as they are)."""
    content = body if isinstance(body, bytes) else signed_body(body)
    all_headers = {"Content-Type": "application/json", "X-Api-Key": api_key, **(headers or {})}
    return running.client.post(path, content=content, headers=all_headers)


def answer(response: httpx.Response) -> dict[str, Any]:
    """The envelope with number tokens kept (`JsonNumber`, compare with strings)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    parsed: dict[str, Any] = parse_json(response.content)
    return parsed


def ok(response: httpx.Response, message: str = "success") -> Any:
    envelope = answer(response)
    assert (int(envelope["code"]), envelope["message"]) == (880001, message), envelope
    return envelope.get("data")


def error(response: httpx.Response) -> tuple[int, str]:
    envelope = answer(response)
    if "data" in envelope:
        assert envelope["data"] is None, envelope
    return int(envelope["code"]), envelope["message"]
