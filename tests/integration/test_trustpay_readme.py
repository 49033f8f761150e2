"""The TrustPay page's first examples run as written against a real server."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from support.server import run_sandbox

pytestmark = pytest.mark.postgres

PAGE = (Path(__file__).parents[2] / "docs/gateways/trustpay.md").read_text(encoding="utf-8")
SECTION = PAGE


def example(name: str) -> str:
    match = re.search(rf"<!-- example: {name} -->\n```\w+\n(.*?)```", SECTION, flags=re.DOTALL)
    assert match, f"the TrustPay page has no example {name}"
    return match.group(1)


def test_python_example_creates_and_queries_a_cashier_payin(
    monkeypatch: pytest.MonkeyPatch, db_flags: dict[str, str]
) -> None:
    code = example("trustpay-python")
    with run_sandbox({**db_flags, "clock": "manual"}) as running:
        monkeypatch.setenv("SANDBOX_URL", running.url)
        for _ in range(2):  # a fresh order number each run: the second run works too
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(code, "docs/gateways/trustpay.md", "exec"), {"__name__": "doc"})
            lines = printed.getvalue().splitlines()
            assert lines[0].startswith("880001 0.48 " + running.url + "/_sandbox/pay/trustpay/")
            assert lines[1] == "1"
            page = running.client.get(lines[0].split()[-1])
            assert page.status_code == 200 and "README-" in page.text


def test_curl_example_answers_what_the_page_shows(db_flags: dict[str, str]) -> None:
    script = example("trustpay-curl")
    expected = next(line for line in script.splitlines() if line.startswith("# -> ")).removeprefix(
        "# -> "
    )
    with run_sandbox({**db_flags, "clock": "manual"}) as running:
        result = subprocess.run(
            ["bash", "-e", "-c", script],
            env={**os.environ, "SANDBOX_URL": running.url},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected
