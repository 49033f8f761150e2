"""EzPay response codes and envelopes (spec §1, §4.0, §7)."""

from __future__ import annotations

from typing import Any

from sandbox.gateways.envelopes import FaultEnvelopes

SUCCESS = 10000
PARAM_ERROR = 21002


def envelope(code: int, message: str, data: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "data": data}


FAULTS = FaultEnvelopes(
    gateway="ezpay",
    prefixes=("/open-api/", "/ezpay/"),
    not_found=lambda path: envelope(PARAM_ERROR, f"Request param error: unknown endpoint {path}"),
    too_large=envelope(PARAM_ERROR, "Request param error: body larger than 1 MiB"),
)
