"""docs/check.md runs: its example against a reference handler (twice in a row, as a reader would
run it), its CI step parses as a `sandbox check` command line, and every case is documented."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support.merchant_handlers import handler_app
from support.server import serve_asgi

from sandbox.check.cases import CASE_IDS
from sandbox.cli import build_parser

ROOT = Path(__file__).parents[2]
PAGE = ROOT / "docs" / "check.md"
BIN = str(Path(sys.executable).parent)


def example(name: str) -> str:
    text = PAGE.read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", text, flags=re.DOTALL)
    assert match, f"docs/check.md has no example {name}"
    return match.group(1)


def test_the_example_runs_twice_in_a_row_against_a_correct_handler(tmp_path: Path) -> None:
    script = example("check-run")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    with serve_asgi(handler_app("trustpay")) as url:
        for attempt in (1, 2):
            result = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", script],
                cwd=tmp_path, env={**env, "HANDLER_URL": url},
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert result.returncode == 0, f"run {attempt}: {result.stdout}{result.stderr}"
            promised = "passed: True {'pass': 34, 'fail': 0, 'info': 3, 'skip': 2}"
            assert promised in result.stdout
            assert "34 passed, 0 failed, 3 reported, 2 not applicable" in result.stdout
            assert result.stderr == ""  # --quiet
            assert json.loads((tmp_path / "check.json").read_text())["state_url"].startswith(url)
            assert (tmp_path / "check.xml").read_text().startswith("<?xml")


def test_the_same_example_fails_with_exit_1_against_a_defective_handler(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    with serve_asgi(handler_app("trustpay", "not-idempotent")) as url:
        result = subprocess.run(
            ["bash", "-e", "-c", example("check-run")],
            cwd=tmp_path, env={**env, "HANDLER_URL": url},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode == 1
    assert "FAIL  payin.duplicate" in result.stdout


def test_the_ci_step_is_a_valid_check_command() -> None:
    steps = yaml.safe_load(example("check-github"))
    command = steps[0]["run"].replace("\\\n", " ")
    argv = shlex.split(command)
    assert argv[:2] == ["sandbox", "check"]
    args = build_parser().parse_args(argv[1:])
    assert (args.gateway, args.junit.name) == ("trustpay", "check-trustpay.xml")
    assert "{order_no}" in args.state_url
    assert steps[1]["with"]["path"] == "check-*.xml"


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_case_is_documented(case_id: str) -> None:
    assert f"| `{case_id}` |" in PAGE.read_text(encoding="utf-8")


def test_the_page_is_in_the_site_nav_and_linked_from_the_readme() -> None:
    assert "check.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "(docs/check.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
