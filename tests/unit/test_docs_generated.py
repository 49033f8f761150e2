"""The generated parts of docs/ are current, and the site builds with `mkdocs build --strict`."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_generated_pages_are_current() -> None:
    generator = runpy.run_path(str(ROOT / "docs/gen/generate.py"))
    stale = [
        str(path.relative_to(ROOT))
        for path, text in generator["expected_pages"]().items()
        if path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"out of date (run python docs/gen/generate.py): {stale}"


@pytest.mark.slow
def test_site_builds_strictly(tmp_path: Path) -> None:
    mkdocs = Path(sys.executable).parent / "mkdocs"
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "gateways" / "trustpay" / "index.html").exists()
