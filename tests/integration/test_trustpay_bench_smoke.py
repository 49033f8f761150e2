"""The TrustPay Cashier Payin benchmark still runs: one short round of each side, sane numbers,
every answer checked (a workload expecting another answer stops the run)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # `bench` is not installed; `python -m pytest` from ROOT finds it

from bench import payin, trustpay  # noqa: E402
from bench.__main__ import BENCHES  # noqa: E402


def test_trustpay_benchmark_measures_both_servers() -> None:
    results = payin.measure(
        trustpay.CashierPayins(), rounds=1, duration=0.3, connections=(2, 4), progress=False
    )
    assert {(r.side, r.connections) for r in results} == {
        (side, c) for side in ("sandbox", "echo") for c in (2, 4)
    }
    for run in results:
        assert run.requests > 0 and run.rate > 0 and run.cpu_s >= 0
        assert 0 < run.p50_ms <= run.p99_ms
    summaries = payin.summarise(results)
    table, _ = payin.report("Cashier Payin", summaries)
    assert "Cashier Payin" in table and "ratio" in table and "p99" in table and "CPU" in table
    assert [s.connections for s in summaries] == [2, 4]
    assert BENCHES["trustpay"] is trustpay.main


@dataclass(frozen=True)
class ExpectsAnotherCode(trustpay.CashierPayins):
    def succeeded(self, body: bytes) -> bool:
        return b'"code":880002' in body


def test_an_answer_that_is_not_the_success_stops_the_run() -> None:
    with pytest.raises(payin.WrongAnswer, match="880001"):
        payin.measure(ExpectsAnotherCode(), rounds=1, duration=0.2, connections=(1,))


def test_the_echo_app_gets_the_same_body_on_its_own_path() -> None:
    request = trustpay.cashier_request("ORDER-1")
    echoed = payin.echo_request(request)
    assert echoed.startswith(b"POST /echo HTTP/1.1\r\n")
    assert echoed.split(b"\r\n\r\n", 1)[1] == request.split(b"\r\n\r\n", 1)[1]


def test_another_revision_runs_alongside_and_the_change_is_reported(tmp_path: Path) -> None:
    code = payin.export_revision("HEAD", tmp_path)
    assert (code / "sandbox" / "__init__.py").exists() and (code / "scenarios").is_dir()
    results = payin.measure(
        trustpay.CashierPayins(),
        rounds=1,
        duration=0.2,
        connections=(2,),
        progress=False,
        before=code,
    )
    assert {r.side for r in results} == {"sandbox", "before", "echo"}
    [change] = payin.changes(results)
    assert change.connections == 2 and change.rate_ratio > 0 and change.cpu_ratio > 0
    assert "against HEAD" in payin.change_report("HEAD", [change])
