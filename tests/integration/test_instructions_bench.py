"""The before/after benchmark drives `sandbox serve` over HTTP and reads callgrind's counts.

Without valgrind, the driver still runs against a real server (every pay-in answered 880001) and
the callgrind part is skipped; with it, a tiny run of this checkout gives sane counts.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # `bench` is not installed; `python -m pytest` from ROOT finds it

from bench import instructions  # noqa: E402
from bench.__main__ import BENCHES  # noqa: E402

HAS_CALLGRIND = (
    shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None
)


def test_pay_ins_are_the_same_bytes_for_every_checkout_and_distinct() -> None:
    first, again = instructions.payin_requests(5, "T-"), instructions.payin_requests(5, "T-")
    assert first == again
    assert len(set(first)) == 5
    assert all(b'"order_no":"T-' in request for request in first)


def test_driver_sends_signed_pay_ins_to_a_real_sandbox(tmp_path: Path) -> None:
    checkout = instructions.checkout_at("after", ROOT)
    with instructions.sandbox_process(checkout, tmp_path) as (process, port):
        instructions.send_all(port, instructions.payin_requests(3, "DRIVER-"))
        instructions.send_all(port, instructions.payin_requests(4, "SPREAD-"), connections=2)
        with pytest.raises(RuntimeError, match=r"unexpected answer|not a created pay-in"):
            # the same order number again is refused, and the driver says so
            instructions.send_all(port, instructions.payin_requests(1, "DRIVER-"))
        assert process.poll() is None
    assert "bench.db" in {path.name for path in tmp_path.iterdir()}


def test_dump_names_and_counts_are_read_from_callgrind_output() -> None:
    text = (
        "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 42\n"
        "cmd:  python sandbox serve\npart: 2\n\ndesc: I1 cache: \n"
        "desc: Timerange: Basic block 10 - 20\ndesc: Trigger: dump payins\n\n"
        "positions: line\nevents: Ir\nsummary: 2026074\n\nfn=(1) main\n0 2026074\n\n"
        "totals: 2026074\n"
    )
    assert instructions.parse_dump(text) == ("dump payins", 2_026_074)
    with pytest.raises(ValueError, match="no summary"):
        instructions.parse_dump("desc: Trigger: Program termination\n")


def test_after_more_than_the_tolerance_above_before_fails() -> None:
    def counts(startup: int, payins: int) -> instructions.Counts:
        return instructions.Counts(startup, 0.0, payins, 10, payins * 100, 100)

    within, ok = instructions.instruction_report(
        {"before": counts(1000, 100), "after": counts(1040, 104)}, tolerance=0.05
    )
    assert ok and "1.040x" in within and "FAIL" not in within
    worse, ok = instructions.instruction_report(
        {"before": counts(1000, 100), "after": counts(1000, 110)}, tolerance=0.05
    )
    assert not ok and "1.100x" in worse and "FAIL" in worse


def test_full_run_without_options_points_to_the_before_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert BENCHES["instructions"] is instructions.main
    assert instructions.main([]) == 0
    assert "--before PATH" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.skipif(not HAS_CALLGRIND, reason="valgrind (callgrind) is not installed")
def test_callgrind_counts_start_up_and_pay_ins_of_this_checkout(tmp_path: Path) -> None:
    checkout = instructions.checkout_at("after", ROOT)
    warmup = instructions.payin_requests(1, "WARM-")
    payins = instructions.payin_requests(3, "INSTR-")
    counts = instructions.count_instructions(checkout, warmup, payins, idle_s=0.2, keep=tmp_path)
    # Python, Starlette, uvicorn and three gateways take hundreds of millions to start;
    # a signed pay-in (parse, verify, store, journal, answer) well over a hundred thousand.
    assert 100_000_000 < counts.startup < 20_000_000_000
    assert 100_000 < counts.per_payin < counts.startup / 10
    assert counts.warmup > 0 and counts.idle_per_s >= 0
    dumps = {
        instructions.parse_dump(path.read_text(errors="replace"))[0] for path in tmp_path.iterdir()
    }
    assert {"dump startup", "dump idle", "dump warmup", "dump payins"} <= dumps
    table, ok = instructions.instruction_report({"after": counts}, tolerance=0.05)
    assert ok and "start-up to healthy" in table and "per pay-in (mean of 3)" in table


def test_wall_clock_runs_measure_start_up_rate_and_server_cpu() -> None:
    checkouts = [instructions.checkout_at("after", ROOT)]
    seconds = instructions.wall_startup(checkouts, runs=1)
    payins = instructions.wall_payins(checkouts, rounds=1, duration=0.3, connections=2)
    assert 0 < seconds["after"][0] < 30
    [rate] = payins["after"].rates
    assert rate > 0
    [cpu_ms] = payins["after"].cpu_ms  # clock ticks: a short round may read 0
    assert cpu_ms >= 0
    table = instructions.wall_report(seconds, payins)
    assert "start-up to healthy (1 runs)" in table and "TrustPay pay-ins (1 rounds)" in table
