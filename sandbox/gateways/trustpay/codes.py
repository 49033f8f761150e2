"""TrustPay result codes and envelopes."""

from __future__ import annotations

from typing import Any

from sandbox.gateways.envelopes import FaultEnvelopes
from sandbox.gateways.refusal import Refusal
from sandbox.scenarios.vocabulary import ErrorCode

SUCCESS = 880001
BAD_REQUEST = 880002


def envelope(code: int, message: str, data: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "data": data}


FAULTS = FaultEnvelopes(
    gateway="trustpay",
    prefixes=("/v4/", "/v3/", "/v2/", "/trustpay/"),
    not_found=lambda path: envelope(BAD_REQUEST, "unknown endpoint"),
    too_large=envelope(BAD_REQUEST, "request body too large (limit 1 MiB)"),
    method_not_allowed=envelope(BAD_REQUEST, "method not allowed: use POST"),
)


# every result code with its documented name and the message the sandbox returns.
# 880001 is success and cannot be forced as an error.
ERROR_LIST: tuple[ErrorCode, ...] = (
    ErrorCode("880001", "success", name="success", forcible=False),
    ErrorCode("880002", "bad_request", name="bad_request"),
    ErrorCode("880003", "database_error", name="database_error"),
    ErrorCode("880004", "remote_service_error", name="remote_service_error"),
    ErrorCode("880005", "insufficient_balance", name="insufficient_balance"),
    ErrorCode("880006", "invalid_transaction_type", name="invalid_transaction_type"),
    ErrorCode("880007", "system_internal_error", name="system_internal_error"),
    ErrorCode("880008", "order_processing_failed", name="order_processing_failed"),
    ErrorCode("880009", "decrease_payout_amount_failed", name="decrease_payout_amount_failed"),
    ErrorCode("880010", "backend_success", name="backend_success"),
    ErrorCode("880011", "unauthorized", name="unauthorized"),
    ErrorCode("880012", "order_already_exists", name="order_already_exists"),
    ErrorCode("880013", "internal_error", name="internal_error"),
    ErrorCode("880014", "all_channels_failed", name="all_channels_failed"),
    ErrorCode("880015", "amount_rule_violation", name="amount_rule_violation"),
    ErrorCode("880016", "channel_configuration_error", name="channel_configuration_error"),
    ErrorCode("880017", "user_risk_control_failed", name="user_risk_control_failed"),
    ErrorCode("880018", "card_failure_limit_exceeded", name="card_failure_limit_exceeded"),
    ErrorCode("880019", "account_limit_exceeded", name="account_limit_exceeded"),
    ErrorCode("880020", "daily_amount_limit_exceeded", name="daily_amount_limit_exceeded"),
    ErrorCode(
        "880021",
        "daily_transaction_count_limit_exceeded",
        name="daily_transaction_count_limit_exceeded",
    ),
    ErrorCode(
        "880022", "transaction_amount_limit_exceeded", name="transaction_amount_limit_exceeded"
    ),
    ErrorCode("880023", "channel_quota_limit_exceeded", name="channel_quota_limit_exceeded"),
    ErrorCode("880024", "no_channel_available", name="no_channel_available"),
)
ERRORS: dict[str, ErrorCode] = {error.code: error for error in ERROR_LIST}


class TrustPayError(Refusal):
    """Answer the request with this code and message (HTTP 200, `data: null`)."""

    def __init__(self, code: int, message: str, *, note: str | None = None) -> None:
        super().__init__(code, message, note=note)
        self.code: int = code


def bad_request(message: str) -> TrustPayError:
    return TrustPayError(BAD_REQUEST, message)
