"""Every fenced block marked `<!-- runnable -->` in README.md and docs/ runs, twice in a row,
against a real sandbox started as `make run` starts it (real clock, demo merchants).

A runnable block is preceded by a visible `**Needs:**` line naming what it needs; it reads the
sandbox's address from `SANDBOX_URL` (`EZPAY_BASE_URL` too for the EzPay client). Shell blocks run
with `bash -e` and the project's `.venv/bin` first on `PATH`; Python blocks with the `.venv`'s
interpreter. A second run failing is how a fixed order number shows up.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.server import run_sandbox

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
BIN = str(Path(sys.executable).parent)
BLOCK = re.compile(
    r"<!-- runnable -->\n(?:<!-- example: [\w-]+ -->\n)?```(\w+)\n(.*?)```", flags=re.DOTALL
)


@dataclass(frozen=True)
class Runnable:
    page: str
    line: int
    language: str
    code: str
    needs: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def runnable_blocks() -> Iterator[Runnable]:
    for path in documents():
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            # the paragraph right before the block (the marker comments aside)
            paragraphs = text[: match.start()].rstrip().split("\n\n")
            last = paragraphs[-1].strip() if paragraphs else ""
            needs = " ".join(last.split()) if last.startswith("**Needs:**") else ""
            yield Runnable(
                str(path.relative_to(ROOT)),
                text[: match.start()].count("\n") + 1,
                match.group(1),
                match.group(2),
                needs,
            )


BLOCKS = list(runnable_blocks())


def test_there_are_runnable_examples_in_the_readme_and_the_docs() -> None:
    pages = {block.page for block in BLOCKS}
    assert "README.md" in pages
    assert {"docs/gateways/trustpay.md", "docs/gateways/ezpay.md"} <= pages
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("block", BLOCKS, ids=str)
def test_block_names_its_prerequisites(block: Runnable) -> None:
    assert block.needs, f"{block}: no **Needs:** line right before the runnable block"
    project_packages = r"^(import (httpx|cryptography)|from (sandbox|cryptography))"
    if block.language == "python" and re.search(project_packages, block.code, re.M):
        assert ".venv" in block.needs, f"{block}: uses the project's packages, must say .venv"


def run(block: Runnable, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "SANDBOX_URL": url,
        "EZPAY_BASE_URL": url,
    }
    if block.language in ("sh", "bash"):
        argv = ["bash", "-e", "-o", "pipefail", "-c", block.code]
    elif block.language == "python":
        argv = [sys.executable, "-c", block.code]
    else:
        raise AssertionError(f"{block}: cannot run a {block.language} block")
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=str)
def test_block_runs_twice_in_a_row(
    block: Runnable, tmp_path: Path, db_flags: dict[str, str]
) -> None:
    with run_sandbox(db_flags) as sandbox:
        for attempt in (1, 2):
            result = run(block, sandbox.url, tmp_path)
            assert result.returncode == 0, (
                f"{block} run {attempt}: exit {result.returncode}\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
            )
            promised = [
                line.removeprefix("# -> ")
                for line in block.code.splitlines()
                if line.startswith("# -> ") and block.language in ("sh", "bash")
            ]
            for line in promised:
                assert line in result.stdout, f"{block} run {attempt}: no {line!r} printed"
