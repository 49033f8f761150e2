"""The import contracts of `make lint` (pyproject.toml `[tool.importlinter]`) hold, so the suite
and CI enforce them too: the gateways are independent, shared code never imports one, layers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is in the test extra")
def test_every_import_contract_is_kept() -> None:
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def _contracts() -> list[dict[str, Any]]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_shared_module_is_covered_by_the_contracts() -> None:
    # A new shared module must join the contracts: listed as never importing a concrete gateway,
    # and the core ones placed in a layer.
    forbidden, layers = (
        next(c for c in _contracts() if c["type"] == kind) for kind in ("forbidden", "layers")
    )
    concrete = {"trustpay", "ezpay", "goldenpay"}
    shared = {
        f"sandbox.{p.stem}"
        for p in (ROOT / "sandbox").iterdir()
        if p.name not in ("__init__.py", "__main__.py", "gateways", "_library")
        and (p.suffix == ".py" or (p / "__init__.py").is_file())
    }
    shared |= {
        f"sandbox.gateways.{p.stem}"
        for p in (ROOT / "sandbox" / "gateways").glob("*.py")
        if p.stem not in ("__init__", "installed")
    }
    sources = set(forbidden["source_modules"])
    assert shared - sources == set()
    assert set(forbidden["forbidden_modules"]) == {f"sandbox.gateways.{name}" for name in concrete}
    layered = {m.strip() for layer in layers["layers"] for m in layer.split(":")}
    core = {"delivery", "scenarios", "store", "signing", "clock", "admin", "pages", "merchants"}
    wanted = {f"sandbox.{name}" for name in core}
    wanted |= {m for m in shared if m.startswith("sandbox.gateways.")}
    assert wanted - layered == set()
