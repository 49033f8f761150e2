"""The TrustPay Cashier Payin benchmark still runs: one short round of each side, sane numbers."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # `bench` is not installed; `python -m pytest` from ROOT finds it

from bench import trustpay  # noqa: E402
from bench.__main__ import BENCHES  # noqa: E402


def test_trustpay_benchmark_measures_both_servers() -> None:
    results = trustpay.measure(rounds=1, duration=0.3, connections=4)
    for runs in results.values():
        [run] = runs
        assert run.requests > 0 and run.rate > 0
        assert 0 < run.p50_ms <= run.p99_ms
    table, _ = trustpay.report(results, connections=4)
    assert "Cashier Payin" in table and "ratio" in table and "p99" in table
    assert BENCHES["trustpay"] is trustpay.main
