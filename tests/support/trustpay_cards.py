"""A TrustPay card-issuing client for tests: signed requests with the demo merchant's key."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from sandbox.signing.md5 import trustpay_sign, trustpay_verify
from sandbox.signing.values import compact_json, parse_json
from support.receiver import Receiver
from support.server import RunningSandbox

MERCHANT_ID = 8820250900009
API_KEY = "tp_test_0b1c2d3e4f5a6b7c"
SECRET = "tp_test_secret_9f8e7d6c"
MERCHANT = str(MERCHANT_ID)
MANUAL = {"clock": "manual", "clock_start": "2026-03-12T08:30:00Z", "seed": 7}


def signed(body: dict[str, Any]) -> bytes:
    """The body with its `sign` (over the exact text sent), as compact JSON bytes."""
    fields = parse_json(compact_json(body))
    fields["sign"] = trustpay_sign(fields, SECRET)
    return compact_json(fields).encode()


def post(
    server: RunningSandbox, path: str, body: dict[str, Any] | None = None, **headers: str
) -> httpx.Response:
    return server.client.post(
        path,
        content=signed(body or {}),
        headers={"X-Api-Key": API_KEY, "Content-Type": "application/json", **headers},
    )


def ok(server: RunningSandbox, path: str, body: dict[str, Any] | None = None) -> Any:
    """`data` of a successful answer (asserts 880001)."""
    response = post(server, path, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["code"] == 880001, answer
    return answer["data"]


def error(server: RunningSandbox, path: str, body: dict[str, Any] | None = None) -> tuple[int, str]:
    response = post(server, path, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["data"] is None, answer
    return answer["code"], answer["message"]


def account(server: RunningSandbox) -> tuple[Decimal, Decimal]:
    data = ok(server, "/v3/pcard/account")
    return Decimal(data["available_balance"]), Decimal(data["frozen_balance"])


def reset(server: RunningSandbox) -> None:
    response = server.admin("POST", "reset", json={"gateway": "trustpay", "merchant": MERCHANT})
    assert response.status_code == 200, response.text


def callbacks(receiver: Receiver) -> list[dict[str, Any]]:
    """Every body the receiver got, each checked to carry a valid signature."""
    bodies = []
    for raw in receiver.bodies:
        fields = parse_json(raw)
        assert trustpay_verify(fields, SECRET).ok, raw
        bodies.append(json.loads(raw))
    return bodies


def open_card(
    server: RunningSandbox, receiver: Receiver, amount: str = "30.00", **extra: Any
) -> dict[str, Any]:
    body = {
        "card_type_id": "23",
        "amount": amount,
        "first_name": "Alex",
        "last_name": "Chen",
        "email": "alex@example.com",
        "notify_url": receiver.url + "/cards",
        **extra,
    }
    data: dict[str, Any] = ok(server, "/v3/vcard/open", body)
    return data


def approved_cardholder(server: RunningSandbox, **extra: Any) -> str:
    body = {
        "first_name": "Dana",
        "last_name": "Ivanova",
        "email": "dana@example.com",
        "country_code": "GB",
        "phone_number": "+447700900123",
        **extra,
    }
    holder = ok(server, "/v3/pcard/cardholder", body)
    server.advance(3)
    cardholder_id: str = holder["cardholder_id"]
    return cardholder_id
