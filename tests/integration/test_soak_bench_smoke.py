"""The soak benchmark's code runs: a small soak delivers every callback and yields figures."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # `bench` is not installed; `python -m pytest` from ROOT finds it

from bench import soak  # noqa: E402
from bench.__main__ import BENCHES  # noqa: E402


def test_a_small_soak_runs_and_measures_every_window() -> None:
    assert BENCHES["soak"] is soak.main
    windows = soak.run(orders=1000, window=250, connections=4)  # raises if a callback is left
    assert [w.orders for w in windows] == [250, 500, 750, 1000]
    assert all(w.cpu_ms_per_order > 0 and w.rss_mib > 10 for w in windows)
    _met, lines = soak.verdict(windows)
    assert "RSS after warm-up" in lines[0] and "CPU per order" in lines[1]
