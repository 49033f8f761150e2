"""The card-issuing benchmark still runs: a tiny round against both servers gives sane numbers."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # `bench` is not installed; `python -m pytest` from ROOT finds it

from bench import trustpay_cards  # noqa: E402
from bench.__main__ import BENCHES  # noqa: E402


def test_card_benchmark_measures_both_servers() -> None:
    results = trustpay_cards.measure(requests=20, rounds=1)
    assert set(results) == {"card-types", "open", "baseline"}
    assert all(len(values) == 1 and values[0] > 0 for values in results.values())
    table, _ = trustpay_cards.report(results)
    assert "Available Card" in table and "Open Card" in table
    assert BENCHES["trustpay-cards"] is trustpay_cards.main
