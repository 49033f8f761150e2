"""`sandbox scenarios …` in process, and `sandbox serve` refusing bad scenarios (subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.cli import main

SANDBOX = [sys.executable, "-m", "sandbox"]
BAD = "gateway: trustpay\nrules:\n  - when: {operation: payin.card}\n    respond: {error: 99}\n"
GOOD = "gateway: '*'\nrules:\n  - callbacks: {copies: 2}\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    bad, good = tmp_path / "bad.yaml", tmp_path / "good.yaml"
    bad.write_text(BAD)
    good.write_text(GOOD)
    return bad, good


def test_validate_exit_codes(capsys: pytest.CaptureFixture[str], files: tuple[Path, Path]) -> None:
    bad, good = files
    code, out, _ = run(capsys, "scenarios", "validate", str(good))
    assert code == 0 and out == f"{good}: ok (*/good, 1 rules)\n"
    code, out, err = run(capsys, "scenarios", "validate", str(good), str(bad))
    assert code == 1
    assert err == f"{bad}:4 rules[0].respond.error: 99 is not a TrustPay error code\n"
    code, _, err = run(capsys, "scenarios", "validate", str(bad.parent / "missing.yaml"))
    assert code == 1 and "missing.yaml: no such file" in err
    with pytest.raises(SystemExit) as usage:
        main(["scenarios", "validate"])
    assert usage.value.code == 2
    assert run(capsys, "scenarios")[0] == 2


def test_validate_the_whole_library(capsys: pytest.CaptureFixture[str]) -> None:
    library = Path(__file__).resolve().parents[2] / "scenarios"
    code, out, err = run(capsys, "scenarios", "validate", str(library))
    assert code == 0, err
    assert out.count(": ok (") >= 21


def test_list_and_show(capsys: pytest.CaptureFixture[str], files: tuple[Path, Path]) -> None:
    code, out, _ = run(capsys, "scenarios", "list")
    assert code == 0
    assert "trustpay/default" in out and "*/duplicate-callbacks" in out
    code, out, _ = run(capsys, "scenarios", "list", "--scenarios", str(files[1]))
    assert code == 0 and "*/good" in out
    code, _, err = run(capsys, "scenarios", "list", "--scenarios", str(files[0]))
    assert code == 1 and "99 is not a TrustPay error code" in err
    code, out, _ = run(capsys, "scenarios", "show", "default", "--gateway", "ezpay")
    assert code == 0
    assert out.startswith("# ezpay/default from scenarios/ezpay/default.yaml\n")
    assert 'prefix: "E21014-"' in out
    code, out, _ = run(capsys, "scenarios", "show", "error-sweep")
    assert code == 0 and out.count("# ") >= 3
    assert run(capsys, "scenarios", "show", "nope")[0] == 1


def serve(*flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SANDBOX, "serve", "--port", "0", *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_refuses_an_invalid_scenario_file(files: tuple[Path, Path]) -> None:
    bad, _ = files
    result = serve("--scenarios", str(bad))
    assert result.returncode == 2
    expected = f"{bad}:4 rules[0].respond.error: 99 is not a TrustPay error code"
    assert expected in result.stderr


def test_serve_refuses_an_unknown_scenario_name() -> None:
    result = serve("--scenario", "no-such-scenario")
    assert result.returncode == 2
    assert "no scenario named 'no-such-scenario'" in result.stderr


def test_serve_refuses_a_missing_scenario_path(tmp_path: Path) -> None:
    result = serve("--scenarios", str(tmp_path / "nothing.yaml"))
    assert result.returncode == 2
    assert "nothing.yaml: no such scenario file or folder" in result.stderr
