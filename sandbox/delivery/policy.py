"""Retry policies: the per-attempt timeout (wall time) and the delays between attempts (sandbox
time, counted from the end of the failed attempt). Each gateway's plug names the profiles
matching how the real gateway retries; a scenario's `delivery.profile` picks one of the served
gateways' (see `sandbox.scenarios.vocabulary.Vocabularies`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class RetryPolicy:
    name: str
    timeout: float  # wall seconds per attempt
    delays: tuple[timedelta, ...]  # delays[i]: wait after failed attempt i+1; then give up

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, failures: int) -> timedelta | None:
        """The wait after the `failures`-th failed attempt, or None when it is time to give up."""
        if 1 <= failures <= len(self.delays):
            return self.delays[failures - 1]
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "timeout": self.timeout,
            "delays": [d.total_seconds() for d in self.delays],
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> RetryPolicy:
        delays = tuple(timedelta(seconds=s) for s in data["delays"])
        return RetryPolicy(str(data["name"]), float(data["timeout"]), delays)


def seconds(*values: float) -> tuple[timedelta, ...]:
    return tuple(timedelta(seconds=v) for v in values)


# One minute, five, fifteen, thirty, an hour: the retry schedule most gateways publish.
STANDARD_DELAYS = seconds(60, 5 * 60, 15 * 60, 30 * 60, 60 * 60)


def custom_policy(
    timeout: float, delays: list[float] | tuple[float, ...], name: str = "custom"
) -> RetryPolicy:
    """A policy from a scenario's `delivery` block: timeout and retry delays in seconds."""
    if not timeout > 0:
        raise ValueError("timeout must be positive")
    if any(d < 0 for d in delays):
        raise ValueError("retry delays cannot be negative")
    return RetryPolicy(name, float(timeout), seconds(*delays))
