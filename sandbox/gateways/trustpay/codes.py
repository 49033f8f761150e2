"""TrustPay result codes and envelopes (spec §1, §4.0, §7)."""

from __future__ import annotations

from typing import Any

from sandbox.gateways.envelopes import FaultEnvelopes

SUCCESS = 880001
BAD_REQUEST = 880002


def envelope(code: int, message: str, data: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "data": data}


FAULTS = FaultEnvelopes(
    gateway="trustpay",
    prefixes=("/v2/", "/v3/", "/v4/", "/trustpay/"),
    not_found=lambda path: envelope(BAD_REQUEST, "unknown endpoint"),
    too_large=envelope(BAD_REQUEST, "request body too large (limit 1 MiB)"),
)
