"""The GoldenPay page's client example runs as printed against a live sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.server import run_sandbox

pytestmark = pytest.mark.postgres

PAGE = (Path(__file__).parents[2] / "docs/gateways/goldenpay.md").read_text(encoding="utf-8")


def test_goldenpay_client_example_runs(
    monkeypatch: pytest.MonkeyPatch, db_flags: dict[str, str]
) -> None:
    match = re.search(
        r"<!-- example: goldenpay-client -->\n```python\n(.*?)```", PAGE, flags=re.DOTALL
    )
    assert match, "the GoldenPay page has no client example"
    code = match.group(1)
    with run_sandbox({**db_flags, "clock": "manual"}) as running:
        monkeypatch.setenv("SANDBOX_URL", running.url)
        namespace: dict[str, object] = {}
        exec(compile(code, "docs/gateways/goldenpay.md#goldenpay-client", "exec"), namespace)
        callback = {"id": "C1", "mch_id": 10001, "payed_at": None, "status": 60}
        callback["sign"] = namespace["sign"](callback)  # type: ignore[operator]
        assert namespace["verify_callback"](callback)  # type: ignore[operator]
        assert not namespace["verify_callback"]({**callback, "status": 30})  # type: ignore[operator]
