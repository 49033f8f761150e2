"""The delivery benchmark still runs: a tiny run of each measurement gives sane numbers."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # `bench` is not installed; `python -m pytest` from ROOT finds it

from bench import delivery  # noqa: E402
from bench.__main__ import BENCHES  # noqa: E402


def test_delivery_benchmark_measures_engine_baseline_and_retry_timing() -> None:
    assert BENCHES["delivery"] is delivery.main
    with delivery.receiver() as url:
        assert asyncio.run(delivery.engine_run(url, 200, 8, ":memory:")) > 0
        assert asyncio.run(delivery.baseline_run(url, 200, 8)) > 0
    with delivery.receiver(fail_first=True) as url:
        errors = asyncio.run(delivery.retry_errors(url, 20, rate=200, delay=0.4, scale=4.0))
    assert len(errors) == 20 and all(e >= 0 for e in errors)
