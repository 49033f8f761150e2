"""GoldenPay envelope codes and error texts."""

from __future__ import annotations

from typing import Any

from sandbox.gateways.envelopes import FaultEnvelopes
from sandbox.gateways.refusal import Refusal
from sandbox.scenarios.vocabulary import ErrorCode


def error_envelope(code: int, message: str, detail: str = "") -> dict[str, Any]:
    """`detail` (the sandbox's own addition, e.g. why a sign was refused) sits beside the
    message, which stays the gateway's exact text."""
    errors = {"message": message, "detail": detail} if detail else {"message": message}
    return {"code": code, "errors": errors}


FAULTS = FaultEnvelopes(
    gateway="goldenpay",
    prefixes=("/api/v1/mch/", "/goldenpay/"),
    not_found=lambda path: error_envelope(404, "Not Found"),
    too_large=error_envelope(413, "Request body too large (limit 1 MiB)"),
    method_not_allowed=error_envelope(405, "Method Not Allowed"),
)


# errors by name (what `respond.error` takes). Envelope code 400 with HTTP 200, but
# `too_many_requests` is 429 / HTTP 429. Placeholders take the request's values: `<channel>` its
# channel, `<X>` its currency upper-case. `missing_param` / `invalid_param` need a field and cannot
# be forced.
ERROR_LIST: tuple[ErrorCode, ...] = (
    ErrorCode("invalid_sign", "Invalid sign"),
    ErrorCode("invalid_mch_id", "Invalid mch_id"),
    ErrorCode("missing_param", "Missing <field> param", forcible=False),
    ErrorCode("invalid_param", "Invalid <field>: <reason>", forcible=False),
    ErrorCode("invalid_nonce", "Invalid nonce"),
    ErrorCode("timestamp_expired", "Timestamp expired"),
    ErrorCode("duplicate_trans_id", "Duplicate trans_id"),
    ErrorCode("channel_permission", "Insufficient channel permission: <channel>"),
    ErrorCode("unsupported_currency", "Unsupported currency: <X>"),
    ErrorCode("amount_limit", "Withdrawal amount exceeds limit"),
    ErrorCode("insufficient_balance", "Insufficient balance"),
    ErrorCode("wallet_not_found", "Wallet not found for currency <X>"),
    ErrorCode("order_not_found", "Order not found"),
    ErrorCode("too_many_requests", "Too Many Requests", http_status=429),
)
ERRORS: dict[str, ErrorCode] = {error.code: error for error in ERROR_LIST}


class GoldenPayError(Refusal):
    """Answer the request with this message: `{"code":400,"errors":{…}}` with HTTP 200, or the
    rate-limit envelope (code and HTTP 429)."""

    def __init__(
        self, message: str, code: int = 400, http_status: int = 200, detail: str = ""
    ) -> None:
        super().__init__(code, message, http_status=http_status)
        self.code: int = code
        self.detail = detail


def duplicate_trans_id() -> GoldenPayError:
    """`trans_id` already used by the merchant for this order type."""
    return GoldenPayError("Duplicate trans_id")


def missing(name: str) -> GoldenPayError:
    return GoldenPayError(f"Missing {name} param")


def invalid(name: str, reason: str) -> GoldenPayError:
    return GoldenPayError(f"Invalid {name}: {reason}")
