"""GoldenPay envelope codes and error texts (spec §4.0.3, §7)."""

from __future__ import annotations

from typing import Any

from sandbox.gateways.envelopes import FaultEnvelopes


def error_envelope(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "errors": {"message": message}}


FAULTS = FaultEnvelopes(
    gateway="goldenpay",
    prefixes=("/api/v1/mch/", "/goldenpay/"),
    not_found=lambda path: error_envelope(404, "Not Found"),
    too_large=error_envelope(413, "Request body too large (limit 1 MiB)"),
)
