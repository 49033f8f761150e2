"""EzPay response codes and envelopes."""

from __future__ import annotations

from typing import Any

from sandbox.gateways.envelopes import FaultEnvelopes
from sandbox.gateways.refusal import Refusal
from sandbox.scenarios.vocabulary import ErrorCode

SUCCESS = 10000
PARAM_ERROR = 21002


def envelope(code: int, message: str, data: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "data": data}


FAULTS = FaultEnvelopes(
    gateway="ezpay",
    prefixes=("/open-api/", "/ezpay/"),
    not_found=lambda path: envelope(PARAM_ERROR, f"Request param error: unknown endpoint {path}"),
    too_large=envelope(PARAM_ERROR, "Request param error: body larger than 1 MiB"),
    method_not_allowed=envelope(PARAM_ERROR, "Request param error: method not allowed"),
)


# response codes, inner names (not sent) and the messages returned exactly.
ERROR_LIST: tuple[ErrorCode, ...] = (
    ErrorCode("10000", "Success", name="SUCCESS", forcible=False),
    ErrorCode("21000", "Server error, Please try again later.", name="OPI_GENERAL_ERROR"),
    ErrorCode("21001", "Request sign error", name="OPI_SIGN_ERROR"),
    ErrorCode("21002", "Request param error", name="OPI_PARAM_ERROR"),
    ErrorCode("21003", "Request appId error", name="OPI_APPID_ERROR"),
    ErrorCode("21004", "Merchant is unavailable", name="OPI_MCH_ERROR"),
    ErrorCode("21005", "Merchant channel is unavailable", name="OPI_MCH_CHANNEL_UNAVAILABLE_ERROR"),
    ErrorCode("21006", "Merchant transaction not found", name="OPI_MCH_TX_NOT_FOUND"),
    ErrorCode("21007", "Duplicate merchant order id", name="OPI_DUPLICATE_MCH_ORDER_ID"),
    ErrorCode("21008", "Request timestamp error", name="OPI_TIMESTAMP_ERROR"),
    ErrorCode("21009", "Request timestamp error", name="OPI_TIMESTAMP_EXPIRED_ERROR"),
    ErrorCode("21010", "The amount exceeds the limit", name="OPI_AMOUNT_EXCEED_ERROR"),
    ErrorCode("21011", "Network error", name="OPI_NETWORK_ERROR"),
    ErrorCode("21012", "Request bank code error", name="OPI_BANK_CODE_ERROR"),
    ErrorCode("21013", "Request wallet code error", name="OPI_EWALLET_CODE_ERROR"),
    ErrorCode("21014", "Merchant balance insufficient", name="OPI_BALANCE_ERROR"),
    ErrorCode("21015", "Duplicate idempotencyId", name="OPI_DUPLICATE_IDEMPOTENCY_ID"),
    ErrorCode("21016", "Merchant ip forbidden", name="OPI_MCH_IP_ERROR"),
    ErrorCode("21017", "Merchant has not opened this national service"),
    ErrorCode("21018", "Request transfer code error"),
    ErrorCode("21019", "Request pay method code error"),
    ErrorCode("21020", "Too many requests, please retry later."),
    ErrorCode("21021", "Transaction Amount Invalid"),
    ErrorCode("21022", "Transaction Volume Limit"),
    ErrorCode("21023", "Transaction create failed"),
    ErrorCode("21024", "Invalid access token"),
    ErrorCode("21025", "Not allowed to cancel"),
    ErrorCode("21026", "Customer Balance not enough"),
    ErrorCode("21027", "Transaction creation exceeds limit"),
    ErrorCode("21028", "Transaction already paid or closed"),
    ErrorCode("21401", "Refund is processing"),
    ErrorCode("21402", "Not allowed to refund"),
    ErrorCode("21403", "Transactions 60 days ago cannot initiate refunds"),
    ErrorCode("21404", "The original transaction channel not support full refund"),
    ErrorCode("21405", "The original transaction channel not support partial refund"),
    ErrorCode("21406", "Refund amount invalid"),
    ErrorCode("21407", "MchRefundOrderId is repeat"),
    ErrorCode("21408", "The original transaction is not completed"),
    ErrorCode("21409", "The original transaction already exist pending refund"),
)
ERRORS: dict[str, ErrorCode] = {error.code: error for error in ERROR_LIST}

# transaction failure codes (`failedCode` / `failedMessage`).
DEFAULT_FAILED_CODE = -10004
TIMEOUT_FAILED_CODE = -10007
FAILURES: dict[int, str] = {
    -10000: "Transaction Service Error",
    -10001: "Transaction Exceed Limit",
    -10002: "Transaction Params Error",
    -10003: "Transaction Insufficient Balance",
    -10004: "Transaction Channel Rejected",
    -10005: "Transaction Destination Account Error",
    -10006: "Transaction Network Reject",
    -10007: "Transaction Channel Timeout",
}


class EzPayError(Refusal):
    """Answer with this code (HTTP 200 unless said otherwise, `data: null`)."""

    def __init__(self, code: int, message: str | None = None, http_status: int = 200) -> None:
        text = message if message is not None else ERRORS[str(code)].message
        super().__init__(code, text, http_status=http_status)
        self.code: int = code


def param_error(detail: str, http_status: int = 200) -> EzPayError:
    return EzPayError(PARAM_ERROR, f"Request param error: {detail}", http_status)
