"""The TrustPay page's card-issuing example runs against a real server and prints what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.server import run_sandbox

pytestmark = pytest.mark.postgres

PAGE = (Path(__file__).parents[2] / "docs/gateways/trustpay.md").read_text(encoding="utf-8")


def example(name: str) -> str:
    match = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", PAGE, flags=re.DOTALL)
    assert match, f"the TrustPay page has no example {name}"
    return match.group(1)


def test_card_issuing_example_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_flags: dict[str, str]
) -> None:
    code = example("trustpay-cards")
    with run_sandbox({**db_flags, "clock": "manual"}) as server:
        monkeypatch.setenv("SANDBOX_URL", server.url)
        exec(
            compile(code, "docs/gateways/trustpay.md:trustpay-cards", "exec"),
            {"__name__": "readme"},
        )
    printed = capsys.readouterr().out.splitlines()
    promised = [c.split("# -> ", 1)[1] for c in code.splitlines() if "# -> " in c]
    for line in promised:
        assert line in printed, (line, printed)
    assert "400555" in printed[2] and printed[2].endswith(" 19.0")
    assert re.fullmatch(r"400555\*{6}\d{4} 30\.5", printed[5])
    assert "'available_balance': '9935.00'" in printed[7]
    assert "'frozen_balance': '0.00'" in printed[7]
