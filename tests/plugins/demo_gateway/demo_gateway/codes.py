"""DemoPay's error envelope and error table."""

from __future__ import annotations

from typing import Any

from sandbox.gateways.envelopes import FaultEnvelopes
from sandbox.gateways.refusal import Refusal
from sandbox.scenarios.vocabulary import ErrorCode

GATEWAY = "demogw"


def envelope(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


FAULTS = FaultEnvelopes(
    gateway=GATEWAY,
    prefixes=("/demo/v1/", "/demogw/"),
    not_found=lambda path: envelope("no_such_endpoint", f"no endpoint {path}"),
    too_large=envelope("too_large", "body larger than 1 MiB"),
    method_not_allowed=envelope("method_not_allowed", "use POST or GET as documented"),
)

ERROR_LIST: tuple[ErrorCode, ...] = (
    ErrorCode("invalid_field", "<field> is invalid", forcible=False, http_status=400),
    ErrorCode("unauthorized", "unknown merchant or key", forcible=False, http_status=401),
    ErrorCode("duplicate_order", "order_no is already used", http_status=409),
    ErrorCode("not_found", "no such payment", http_status=404),
    ErrorCode("card_declined", "the card was declined", http_status=402),
    ErrorCode("busy", "try again later", http_status=503),
)
ERRORS: dict[str, ErrorCode] = {error.code: error for error in ERROR_LIST}


class DemoError(Refusal):
    """A refused request, rendered in DemoPay's envelope with the error's HTTP status."""

    def __init__(self, code: str, message: str, *, http_status: int | None = None) -> None:
        known = ERRORS.get(code)
        status = http_status or (known.http_status if known is not None else 400)
        super().__init__(code, message, http_status=status)


def invalid(field: str, reason: str) -> DemoError:
    return DemoError("invalid_field", f"{field}: {reason}")
