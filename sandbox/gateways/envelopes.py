"""What a gateway answers for paths it does not serve and bodies that are too large.

Each gateway's `codes.py` declares one `FaultEnvelopes` and hands it to its plug; the app picks
one by path prefix so that even a request that never reaches a gateway route gets that gateway's
own envelope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


def fault_envelopes_for(faults: Iterable[FaultEnvelopes], path: str) -> FaultEnvelopes | None:
    """The envelopes of the gateway owning `path`, among `faults` (the served gateways')."""
    for candidate in faults:
        if candidate.owns(path):
            return candidate
    return None
