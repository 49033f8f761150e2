"""The GoldenPay benchmark still runs: one tiny round of each side gives sane numbers."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # `bench` is not installed; `python -m pytest` from ROOT finds it

from bench import goldenpay, payin  # noqa: E402
from bench.__main__ import BENCHES  # noqa: E402


def test_goldenpay_benchmark_measures_both_servers() -> None:
    results = payin.measure(
        goldenpay.CollectCreations(), rounds=1, duration=0.3, connections=(2,), progress=False
    )
    [summary] = payin.summarise(results)
    assert summary.rate > 0 and summary.echo_rate > 0 and summary.cpu_us > 0
    assert BENCHES["goldenpay"] is goldenpay.main
