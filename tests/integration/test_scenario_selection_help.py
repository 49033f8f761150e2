"""Where a user first looks — `sandbox serve --help`, `sandbox scenarios list`, the start-up
banner — each says how to choose a scenario with the `X-Sandbox-Scenario` header."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.gateways import installed_kinds

from sandbox.cli import banner, main
from sandbox.settings import resolve_settings

HEADER = "X-Sandbox-Scenario"


def test_serve_help_names_the_selection_header_and_the_other_ways() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert f"{HEADER}: NAME[,NAME]" in result.stdout
    assert "PUT /_sandbox/scenarios/active" in result.stdout
    assert "--scenario NAME / SANDBOX_SCENARIO" in result.stdout


def test_scenarios_list_ends_with_how_to_choose_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "list"]) == 0
    out = capsys.readouterr().out
    listing, _, hint = out.partition("choosing a scenario")
    assert "trustpay/default" in listing and "duplicate-callbacks" in listing
    assert f"{HEADER}: NAME[,NAME]" in hint


def test_scenarios_list_help_names_the_header(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["scenarios", "list", "--help"])
    assert HEADER in capsys.readouterr().out


def test_banner_has_one_line_on_choosing_a_scenario() -> None:
    text = banner(resolve_settings({}, {}, installed_kinds()), 8080)
    lines = [line for line in text.splitlines() if HEADER in line]
    assert lines == [
        "             choose per request: header X-Sandbox-Scenario: NAME (sandbox scenarios list)"
    ]
    scenario_line = text.splitlines().index(lines[0]) - 1
    assert text.splitlines()[scenario_line].startswith("  scenarios  ")
