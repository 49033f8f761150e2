"""Durations in scenario files: `250ms`, `5s`, `2m`, `1h`, `1d` (a bare 0 is also zero)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

_PATTERN = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)\s*$")
_UNIT_SECONDS = {"ms": Decimal("0.001"), "s": Decimal(1), "m": Decimal(60), "h": Decimal(3600)}
_UNIT_SECONDS["d"] = Decimal(86400)
MAX_SECONDS = Decimal(366 * 86400)


def parse_duration(value: Any) -> timedelta:
    """A duration, or `ValueError` with a reason."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration like 250ms, 5s, 2m, 1h or 1d")
    if isinstance(value, int | Decimal) and value == 0:
        return timedelta(0)
    match = _PATTERN.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a duration like 250ms, 5s, 2m, 1h or 1d")
    seconds = Decimal(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > MAX_SECONDS:
        raise ValueError(f"{value!r} is longer than 366 days")
    return timedelta(seconds=float(seconds))


def format_duration(delta: timedelta) -> str:
    millis = round(delta.total_seconds() * 1000)
    if millis % 1000:
        return f"{millis}ms"
    seconds = millis // 1000
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
