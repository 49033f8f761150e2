"""The pytest plugin as a merchant's project meets it: suites written in a temporary folder and
run by pytest in a subprocess (the plugin comes in through its pytest11 entry point)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sandbox.testing.plugin import CLOCK_START
from sandbox.testing.server import run_sandbox

pytestmark = pytest.mark.postgres

SCENARIO = """\
name: shop-down
gateway: trustpay
description: the balance call answers 880007
rules:
  - when: {operation: balance}
    respond: {error: 880007}
"""


def run_pytest(folder: Path, *args: str, ini: str = "") -> subprocess.CompletedProcess[str]:
    (folder / "pytest.ini").write_text("[pytest]\n" + textwrap.dedent(ini))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=240,
    )


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(textwrap.dedent(text))


def test_unused_plugin_starts_nothing_and_imports_nothing_heavy(tmp_path: Path) -> None:
    write(
        tmp_path,
        "test_plain.py",
        """
        import sys

        def test_plain(pytestconfig):
            assert pytestconfig.pluginmanager.has_plugin("sandbox")
            heavy = {"httpx", "uvicorn", "starlette", "cryptography", "sandbox.testing.server"}
            assert heavy.isdisjoint(sys.modules), heavy & set(sys.modules)
        """,
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_fixtures_marker_ini_scenarios_and_failure_report(
    tmp_path: Path, db_flags: dict[str, str]
) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "shop-down.yaml").write_text(SCENARIO)
    write(
        tmp_path,
        "test_shop.py",
        """
        import pytest
        from sandbox.client import TrustPayClient

        def test_fresh_sandbox_each_test(sandbox):
            assert sandbox.orders() == []
            assert sandbox.clock()["mode"] == "manual"
            sandbox.trigger(gateway="trustpay", merchant="8820250900009", kind="payin",
                            status="pending", amount="5.00")

        def test_and_again(sandbox):
            assert sandbox.orders() == []

        @pytest.mark.sandbox_scenario("shop-down")
        def test_marker_selects_a_scenario_from_the_ini_folder(sandbox):
            assert sandbox.selection()["global"] == ["shop-down"]
            with TrustPayClient(sandbox.url) as trustpay:
                assert int(trustpay.balance()["code"]) == 880007

        def test_no_marker_no_scenario(sandbox):
            assert sandbox.selection()["global"] == []

        def test_receiver_scripts(sandbox, callback_receiver):
            callback_receiver.fail(500)
            order = sandbox.trigger(gateway="trustpay", merchant="8820250900009", kind="payin",
                                    status="success", amount="5.00",
                                    notify_url=callback_receiver.url + "/n")
            sandbox.advance(0)
            assert [c["state"] for c in sandbox.callbacks(order=order["id"])] == ["pending"]
            sandbox.advance(60)
            [acked] = sandbox.wait_callbacks(order=order["id"], state="acked")
            assert acked["attempt_count"] == 2
            assert [r.path for r in callback_receiver.requests] == ["/n", "/n"]

        def test_failing_shows_the_journal(sandbox, callback_receiver):
            with TrustPayClient(sandbox.url) as trustpay:
                trustpay.balance("USD")
            order = sandbox.trigger(gateway="goldenpay", merchant="10001", kind="payin",
                                    status="success", amount="7.00", currency="THB",
                                    notify_url=callback_receiver.url + "/gp")
            sandbox.wait_callbacks(order=order["id"])
            assert False, "on purpose"
        """,
    )
    ini = "sandbox_scenarios = scenarios\n"
    if not db_flags:
        result = run_pytest(tmp_path, "-rA", ini=ini)
    else:
        # The plugin starts its sandbox in memory; one on PostgreSQL is reached by its URL, and
        # the ini's scenario files are uploaded to it.
        flags = {**db_flags, "clock": "manual", "clock_start": CLOCK_START}
        with run_sandbox(flags) as running:
            result = run_pytest(tmp_path, "-rA", f"--sandbox-url={running.url}", ini=ini)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 5 passed" in result.stdout, result.stdout
    report = result.stdout.split("sandbox journal and callbacks", 1)[1]
    assert "gateway=trustpay operation=balance method=POST path=/v4/balance status=200" in report
    assert "goldenpay collect.success" in report and "state=acked" in report
    assert "attempt number=1" in report and "acked=True" in report
    assert result.stdout.count("sandbox journal and callbacks") == 1  # only the failed test


def test_xdist_runs_one_server_per_worker(tmp_path: Path) -> None:
    write(
        tmp_path,
        "test_parallel.py",
        """
        import os
        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_isolated(sandbox, n, tmp_path_factory):
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            out = tmp_path_factory.getbasetemp().parent.parent / f"url-{worker}-{n}"
            out.write_text(sandbox.url)
            assert sandbox.orders() == []
            sandbox.trigger(gateway="trustpay", merchant="8820250900009", kind="payin",
                            status="pending", amount="5.00")
            assert len(sandbox.orders()) == 1
        """,
    )
    result = run_pytest(tmp_path, "-p", "xdist", "-n", "2", "--basetemp", str(tmp_path / "t"))
    assert result.returncode == 0, result.stdout + result.stderr
    urls = {path.name.split("-")[1]: path.read_text() for path in tmp_path.glob("url-*")}
    assert set(urls) == {"gw0", "gw1"}
    assert len(set(urls.values())) == 2


@pytest.mark.parametrize("where", ["flag", "ini"])
def test_sandbox_url_uses_a_running_sandbox(
    tmp_path: Path, where: str, db_flags: dict[str, str]
) -> None:
    with run_sandbox({**db_flags, "clock": "manual", "admin_token": "ci-secret"}) as running:
        write(
            tmp_path,
            "test_external.py",
            f"""
            def test_external(sandbox, sandbox_server):
                assert sandbox_server.running is None
                assert sandbox.url == "{running.url}"
                assert sandbox.health()["status"] == "ok"
                assert sandbox.orders() == []
            """,
        )
        options = f"--sandbox-url={running.url} --sandbox-admin-token=ci-secret".split()
        ini = f"sandbox_url = {running.url}\nsandbox_admin_token = ci-secret\n"
        if where == "flag":
            result = run_pytest(tmp_path, *options)
        else:
            result = run_pytest(tmp_path, ini=ini)
        assert result.returncode == 0, result.stdout + result.stderr
        journal = running.admin("GET", "orders").json()
    assert journal["total"] == 0


def test_clock_and_config_options(tmp_path: Path) -> None:
    config = {"merchants": {"goldenpay": [{"mch_id": 10002, "api_token": "gp_token_10002"}]}}
    (tmp_path / "sandbox.yaml").write_text(json.dumps(config))
    write(
        tmp_path,
        "test_options.py",
        """
        def test_options(sandbox):
            assert sandbox.clock()["mode"] == "real"
            assert {m["merchant"] for m in sandbox.merchants("goldenpay")} == {"10001", "10002"}
        """,
    )
    result = run_pytest(tmp_path, "--sandbox-clock=real", "--sandbox-config=sandbox.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
