"""What each gateway answers for paths it does not serve and bodies that are too large.

Each gateway's `codes.py` declares one `FaultEnvelopes`; the app picks it by path prefix so that
even a request that never reaches a gateway route gets that gateway's own envelope (DESIGN §10).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FaultEnvelopes:
    gateway: str
    prefixes: tuple[str, ...]  # path prefixes owned by the gateway, e.g. "/v4/", "/trustpay/"
    not_found: Callable[[str], dict[str, Any]]  # body for HTTP 404, given the path
    too_large: dict[str, Any]  # body for HTTP 413
    # Body for HTTP 405 (a known path, wrong method); None: the admin envelope.
    method_not_allowed: dict[str, Any] | None = None

    def owns(self, path: str) -> bool:
        return path.startswith(self.prefixes)


def all_fault_envelopes() -> tuple[FaultEnvelopes, ...]:
    from sandbox.gateways.ezpay.codes import FAULTS as EZPAY
    from sandbox.gateways.goldenpay.codes import FAULTS as GOLDENPAY
    from sandbox.gateways.trustpay.codes import FAULTS as TRUSTPAY

    return (TRUSTPAY, EZPAY, GOLDENPAY)


def fault_envelopes_for(path: str) -> FaultEnvelopes | None:
    for faults in _faults():
        if faults.owns(path):
            return faults
    return None


@functools.cache
def _faults() -> tuple[FaultEnvelopes, ...]:
    # Built on first use: each codes module imports this one, so building at import is circular.
    return all_fault_envelopes()
