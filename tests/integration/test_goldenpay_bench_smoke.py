"""The GoldenPay benchmark still runs: one tiny round of each side gives sane numbers."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # `bench` is not installed; `python -m pytest` from ROOT finds it

from bench import goldenpay  # noqa: E402
from bench.__main__ import BENCHES  # noqa: E402


def test_goldenpay_benchmark_measures_both_servers() -> None:
    sandbox, baseline = goldenpay.run(count=40, connections=2, rounds=1)
    assert len(sandbox) == len(baseline) == 1
    assert sandbox[0] > 0 and baseline[0] > 0
    assert BENCHES["goldenpay"] is goldenpay.main
