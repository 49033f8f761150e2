"""The examples of docs/gateways/*.md run as documented."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from support.gateways import installed_kinds, known_terms

from sandbox.cli import main
from sandbox.scenarios.loader import load_scenario_text
from sandbox.scenarios.model import CustomAck
from sandbox.settings import resolve_settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "gateways"


def example(page: str, name: str) -> str:
    text = (DOCS / page).read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", text, flags=re.DOTALL)
    assert match is not None, f"{page}: no example {name}"
    return match.group(1)


def test_nested_sign_commands_print_what_the_page_says() -> None:
    lines = example("goldenpay.md", "nested-sign").splitlines()
    checked = 0
    for index, line in enumerate(lines):
        if not line.startswith("sandbox "):
            continue
        result = subprocess.run(
            [sys.executable, "-m", "sandbox", *shlex.split(line)[1:]],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, (line, result.stderr)
        assert result.stdout.strip() == lines[index + 1].removeprefix("# -> "), line
        after = lines[index + 2] if index + 2 < len(lines) else ""
        if after.startswith("# signed: "):
            assert result.stderr.strip() == after.removeprefix("# signed: ")
        checked += 1
    assert checked == 2


def test_revision_config_loads(tmp_path: Path) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text(example("goldenpay.md", "revision-config"), encoding="utf-8")
    merchant = resolve_settings({"config": str(config)}, {}, installed_kinds()).merchants.find(
        "goldenpay", "10009"
    )
    assert merchant is not None and merchant.api_revision == "legacy"


def test_transcript_scenario_names_the_two_profiles() -> None:
    scenario = load_scenario_text(
        example("goldenpay.md", "transcript-scenario"), "doc.yaml", known_terms()
    )
    profiles = [
        rule.delivery.profile.name
        for rule in scenario.rules
        if rule.delivery is not None and rule.delivery.profile is not None
    ]
    assert profiles == ["goldenpay-transcript-collect", "goldenpay-transcript-payout"]


def test_paycools_ack_scenario_loads() -> None:
    scenario = load_scenario_text(example("ezpay.md", "paycools-ack"), "doc.yaml", known_terms())
    delivery = scenario.rules[0].delivery
    assert delivery is not None and delivery.ack == CustomAck((200,), (("code", 1000),))


def test_pages_list_their_differences() -> None:
    for page in ("trustpay.md", "ezpay.md", "goldenpay.md"):
        text = (DOCS / page).read_text(encoding="utf-8")
        assert "## Known differences from the published pages" in text, page
        assert "shared/specs" not in text and "DESIGN" not in text, page


def test_verify_refuses_an_answer_whose_nested_value_was_changed() -> None:
    line = next(
        line
        for line in example("goldenpay.md", "nested-sign").splitlines()
        if line.startswith("sandbox verify")
    )
    argv = shlex.split(line.replace("NGUYEN VAN AN", "NGUYEN VAN BINH"))[1:]
    assert main(argv) == 1
