"""The README's GoldenPay example runs as printed against a live sandbox (manual clock)."""

from __future__ import annotations

import re
from pathlib import Path

from support.server import run_sandbox

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def test_goldenpay_client_example_runs() -> None:
    match = re.search(
        r"<!-- example: goldenpay-client -->\n```python\n(.*?)```", README, flags=re.DOTALL
    )
    assert match, "README has no GoldenPay client example"
    code = match.group(1)
    with run_sandbox({"clock": "manual"}) as running:
        code = code.replace('"http://127.0.0.1:8080"', repr(running.url))
        namespace: dict[str, object] = {}
        exec(compile(code, "README.md#goldenpay-client", "exec"), namespace)
        callback = {"id": "C1", "mch_id": 10001, "payed_at": None, "status": 60}
        callback["sign"] = namespace["sign"](callback)  # type: ignore[operator]
        assert namespace["verify_callback"](callback)  # type: ignore[operator]
        assert not namespace["verify_callback"]({**callback, "status": 30})  # type: ignore[operator]
