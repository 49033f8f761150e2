"""Each built-in gateway's `pipeline.py` stays small: what gateways share lives in the shared
pipeline modules (`sandbox/gateways/pipeline.py`, `incoming.py`), not copied into each one."""

from __future__ import annotations

from pathlib import Path

from sandbox.gateways.installed import BUILTIN

GATEWAYS = Path(__file__).resolve().parents[2] / "sandbox" / "gateways"
MAX_LINES = 250


def test_each_builtin_gateway_pipeline_is_under_250_lines() -> None:
    assert [plug.name for plug in BUILTIN] == ["trustpay", "ezpay", "goldenpay"]
    for plug in BUILTIN:
        pipeline = GATEWAYS / plug.name / "pipeline.py"
        assert pipeline.is_file(), pipeline
        lines = len(pipeline.read_text(encoding="utf-8").splitlines())
        assert lines < MAX_LINES, f"{pipeline}: {lines} lines"
