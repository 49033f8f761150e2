"""The start-up benchmark still runs: one quick run of each side gives sane numbers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # `bench` is not installed; `python -m pytest` from ROOT finds it

from bench import startup  # noqa: E402
from bench.__main__ import BENCHES  # noqa: E402


def test_startup_benchmark_measures_both_servers() -> None:
    sandbox, baseline = startup.compare(runs=1, settle=0)
    for sample in (*sandbox, *baseline):
        assert 0 < sample.startup_s < 30
        assert sample.rss_bytes > 1024 * 1024
    table, _ = startup.report(sandbox, baseline)
    assert "start-up to healthy" in table and "idle RSS" in table


def test_every_benchmark_is_listed() -> None:
    assert "startup" in BENCHES


def test_ezpay_benchmark_measures_both_servers() -> None:
    from bench import ezpay, payin

    results = payin.measure(
        ezpay.PaymentCreations(), rounds=1, duration=0.3, connections=(2,), progress=False
    )
    summaries = payin.summarise(results)
    assert summaries[0].rate > 0 and summaries[0].echo_rate > 0
    parts = ezpay.pieces(repeat=20)
    table = ezpay.report(summaries, parts)
    assert "signed payment creation" in table and "RSA-2048 verify" in table
    assert "ezpay" in BENCHES


def test_replicas_benchmark_measures_sqlite_and_postgres(postgres_cluster: Any) -> None:
    from bench import replicas

    url = postgres_cluster.create_database()
    results = [
        replicas.run_setup("sqlite", ":memory:", 1, orders=20, connections=2),
        replicas.run_setup("postgresql x2", url, 2, orders=20, connections=2),
    ]
    assert all(r.payin_rate > 0 and r.delivery_rate > 0 for r in results)
    table = replicas.report(results)
    assert "ratios against SQLite" in table and "postgresql x2" in table
    assert "replicas" in BENCHES
