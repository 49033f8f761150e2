"""The CI documentation runs: the README's CI test as printed, and every example of docs/ci.md
against a real sandbox."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.testing.plugin import SandboxServer
from sandbox.testing.receiver import ACK, run_receiver

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).parents[2]
BIN = str(Path(sys.executable).parent)


def example(document: str, name: str) -> str:
    text = (ROOT / document).read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", text, flags=re.DOTALL)
    assert match, f"{document} has no example {name}"
    return match.group(1)


def run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **env}
    return subprocess.run(argv, cwd=cwd, env=environ, capture_output=True, text=True, timeout=120)


def test_readme_ci_test_runs_as_printed(tmp_path: Path) -> None:
    code = example("README.md", "ci-test")
    assert len(code.strip().splitlines()) <= 15
    (tmp_path / "test_readme_ci.py").write_text(code)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_ready_file_example(tmp_path: Path, db_env: dict[str, str]) -> None:
    result = run(["bash", "-e", "-c", example("docs/ci.md", "ci-ready-file")], tmp_path, **db_env)
    assert result.returncode == 0, result.stderr
    assert '"status":"ok"' in result.stdout
    assert not (tmp_path / "ready.json").exists()


def test_trigger_example(tmp_path: Path, sandbox_server: SandboxServer) -> None:
    sandbox_server.client().reset()
    with run_receiver(ACK) as receiver:
        script = example("docs/ci.md", "ci-trigger")
        result = run(
            ["bash", "-e", "-c", script], tmp_path, SANDBOX_URL=sandbox_server.url,
            NOTIFY_URL=receiver.url + "/notify",
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert "attempt 1: 200 acknowledged" in result.stdout
        assert '"gateway": "goldenpay"' in result.stdout
        assert len(receiver.requests) == 2


def test_client_example(tmp_path: Path, sandbox_server: SandboxServer) -> None:
    sandbox_server.client().reset()
    with run_receiver(ACK) as receiver:
        script = tmp_path / "client_example.py"
        script.write_text(example("docs/ci.md", "ci-client"))
        result = run(
            [sys.executable, str(script)], tmp_path, SANDBOX_URL=sandbox_server.url,
            NOTIFY_URL=receiver.url + "/ezpay",
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "order.payment.success acked"
