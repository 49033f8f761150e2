"""Signed TrustPay requests against a running sandbox, as a merchant's integration sends them."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox.client.trustpay import DEMO_API_KEY as API_KEY
from sandbox.client.trustpay import DEMO_MERCHANT_ID as MERCHANT_ID
from sandbox.client.trustpay import DEMO_SECRET as SECRET
from sandbox.client.trustpay import TrustPayClient, num, signed_body
from sandbox.signing.values import parse_json
from support.server import RunningSandbox

__all__ = ["API_KEY", "MERCHANT_ID", "SECRET", "num", "signed_body"]


def post(
    running: RunningSandbox,
    path: str,
    body: dict[str, Any] | bytes,
    *,
    api_key: str = API_KEY,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a body (a dict is signed with the demo secret; bytes are sent as they are)."""
    client = TrustPayClient(running.url, http=running.client)
    return client.send(path, body, api_key=api_key, headers=headers)


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


# the message each forced code answers with (880002 and 880011 by their names).
CODE_NAMES: dict[int, str] = {
    880002: "bad_request",
    880003: "database_error",
    880004: "remote_service_error",
    880005: "insufficient_balance",
    880006: "invalid_transaction_type",
    880007: "system_internal_error",
    880008: "order_processing_failed",
    880009: "decrease_payout_amount_failed",
    880010: "backend_success",
    880011: "unauthorized",
    880012: "order_already_exists",
    880013: "internal_error",
    880014: "all_channels_failed",
    880015: "amount_rule_violation",
    880016: "channel_configuration_error",
    880017: "user_risk_control_failed",
    880018: "card_failure_limit_exceeded",
    880019: "account_limit_exceeded",
    880020: "daily_amount_limit_exceeded",
    880021: "daily_transaction_count_limit_exceeded",
    880022: "transaction_amount_limit_exceeded",
    880023: "channel_quota_limit_exceeded",
    880024: "no_channel_available",
}
