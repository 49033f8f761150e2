"""`sandbox check` against the example shop (examples/merchant-app), started as the compose file
starts it (`uvicorn --factory shop.app:app_from_environment`) with its test-only switch
`SHOP_TEST_ORDER_PREFIX=chk-`: its notify handlers pass every pay-in case of every gateway, the
recorded state read from its test-only state route."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml
from lxml import etree

from sandbox.testing.server import free_socket

ROOT = Path(__file__).parents[2]
SHOP = ROOT / "examples" / "merchant-app"
SANDBOX = [sys.executable, "-m", "sandbox"]
SCHEMA = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "support" / "junit-10.xsd")))


@contextmanager
def shop(test_orders: bool) -> Iterator[str]:
    """The shop process on a free port (its gateway calls are never made by the check)."""
    compose = yaml.safe_load((ROOT / "examples" / "docker-compose.yml").read_text())
    command = compose["services"]["shop"]["command"]
    listener = free_socket()
    port = listener.getsockname()[1]
    listener.close()
    argv = [sys.executable if part == "python" else part for part in command]
    argv[argv.index("--port") + 1] = str(port)
    argv[argv.index("--host") + 1] = "127.0.0.1"
    env = {**os.environ, "GATEWAY_URL": "http://127.0.0.1:9"}
    if test_orders:
        env["SHOP_TEST_ORDER_PREFIX"] = "chk-"
    process = subprocess.Popen(argv, cwd=SHOP, env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(500):
            assert process.poll() is None, "the shop exited"
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.02)  # the process is starting (not a callback wait)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def shop_url() -> Iterator[str]:
    with shop(test_orders=True) as url:
        yield url


def check(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SANDBOX, "check", *argv, "--quiet"], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("gateway", ["trustpay", "ezpay", "goldenpay"])
def test_the_shop_passes_the_check_for_pay_ins(gateway: str, shop_url: str, tmp_path: Path) -> None:
    result = check(
        gateway,
        "--kind",
        "payin",
        "--notify-url",
        f"{shop_url}/notify/{gateway}",
        "--state-url",
        f"{shop_url}/test/orders/{{order_no}}",
        "--junit",
        "check.xml",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed, 1 reported" in result.stdout
    assert "recorded state not verified" not in result.stdout
    junit = etree.parse(str(tmp_path / "check.xml"))
    assert SCHEMA.validate(junit), SCHEMA.error_log
    names = {case.get("name") for case in junit.iter("testcase")}
    assert len(names) == 13 and all(name.startswith("payin.") for name in names)


def test_the_short_payment_is_recorded_as_partial(shop_url: str, tmp_path: Path) -> None:
    result = check(
        "goldenpay",
        "--kind",
        "payin",
        "--only",
        "short-payment",
        "--notify-url",
        f"{shop_url}/notify/goldenpay",
        "--state-url",
        f"{shop_url}/test/orders/{{order_no}}",
        "--json",
        "check.json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (short,) = json.loads((tmp_path / "check.json").read_text())["results"]
    assert short["state"] == {"order_no": short["order_no"], "status": "partial", "amount": 60.0}


def test_without_the_switch_the_shop_refuses_the_check_orders(tmp_path: Path) -> None:
    with shop(test_orders=False) as url:
        assert httpx.get(f"{url}/test/orders/chk-1").status_code == 404  # no state route
        result = check(
            "trustpay", "--kind", "payin", "--only", "valid", "--notify-url",
            f"{url}/notify/trustpay", cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 1
    assert "not acknowledged: HTTP 500 'unknown order'" in result.stdout
