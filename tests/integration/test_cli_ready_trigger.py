"""`sandbox serve --ready-file` and its `listening on` line, and `sandbox trigger`, as real
processes against a real server."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from sandbox.client import SandboxClient
from sandbox.testing.plugin import SandboxServer
from sandbox.testing.process import run_sandbox_process
from sandbox.testing.receiver import run_receiver
from sandbox.trigger_cli import menus

pytestmark = pytest.mark.postgres

SANDBOX = [sys.executable, "-m", "sandbox"]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_ready_file_and_listening_line(log_format: str, db_args: list[str]) -> None:
    with run_sandbox_process(["--log-format", log_format, "--clock", "manual", *db_args]) as served:
        assert served.url == f"http://127.0.0.1:{served.port}"
        assert served.pid == served.process.pid
        assert SandboxClient(served.url).health()["status"] == "ok"
        ready_files = list(served.log.parent.glob("ready.json"))
        assert ready_files and json.loads(ready_files[0].read_text())["port"] == served.port
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=15) == 0
        log = served.log.read_text()
        assert not ready_files[0].exists()  # removed on exit
    lines = [line for line in log.splitlines() if f"listening on {served.url}" in line]
    assert len(lines) == 1, log
    if log_format == "json":
        entry = json.loads(lines[0])
        assert (entry["message"], entry["logger"]) == (f"listening on {served.url}", "sandbox")
    else:
        assert lines[0].endswith(f"sandbox: listening on {served.url}")


def trigger(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SANDBOX, "trigger", *args, "--url", url], capture_output=True, text=True, timeout=60
    )


def test_trigger_prints_order_and_first_attempt(sandbox_server: SandboxServer) -> None:
    client = sandbox_server.client()
    client.reset()
    with run_receiver() as receiver:
        result = trigger(
            sandbox_server.url,
            "trustpay",
            "payin",
            "--status",
            "success",
            "--amount",
            "25.00",
            "--notify-url",
            receiver.url + "/notify",
            "--set",
            "order_no=CLI-TRIGGER-1",
        )
        assert result.returncode == 0, result.stderr
        assert "(CLI-TRIGGER-1) trustpay payin status 5 25.00 USD" in result.stdout
        assert "attempt 1: 200 acknowledged" in result.stdout
        assert len(receiver.requests) == 1
        assert json.loads(receiver.requests[0].body)["order_no"] == "CLI-TRIGGER-1"
        as_json = trigger(
            sandbox_server.url, "goldenpay", "payout", "--amount", "5.00", "--json",
            "--notify-url", receiver.url, "--currency", "PHP", "--set", "channel=gcash",
        )  # fmt: skip
    assert as_json.returncode == 1  # the receiver says `ok`, not GoldenPay's `success`
    shown = json.loads(as_json.stdout)
    assert shown["order"]["gateway"] == "goldenpay"
    assert shown["callbacks"][0]["attempts"][0]["acked"] is False


def test_trigger_refused_delivery_and_errors(sandbox_server: SandboxServer) -> None:
    refused = trigger(
        sandbox_server.url, "trustpay", "payin", "--amount", "5.00",
        "--notify-url", "http://127.0.0.1:9/closed",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "attempt 1: refused NOT acknowledged" in refused.stdout
    assert "next attempt at" in refused.stdout
    bad = trigger(sandbox_server.url, "trustpay", "payin", "--status", "lost", "--amount", "5")
    assert bad.returncode == 1 and "422 invalid" in bad.stderr
    assert trigger(sandbox_server.url, "goldenpay", "refund").returncode == 2
    assert trigger(sandbox_server.url, "trustpay", "payin", "--set", "nokey").returncode == 2
    assert trigger(sandbox_server.url).returncode == 2
    unreachable = trigger("http://127.0.0.1:9", "trustpay", "payin", "--amount", "5.00")
    assert unreachable.returncode == 1 and "cannot reach" in unreachable.stderr


def test_trigger_list_names_what_the_server_accepts(sandbox_server: SandboxServer) -> None:
    listed = subprocess.run(
        [*SANDBOX, "trigger", "--list"], capture_output=True, text=True, timeout=30
    )
    assert listed.returncode == 0
    client = sandbox_server.client()
    client.reset()
    amounts = {"trustpay": "20.00", "ezpay": 2000, "goldenpay": "20.00"}
    currencies = {"trustpay": None, "ezpay": "PHP", "goldenpay": "PHP"}
    for gateway, kinds in {name: menu.kinds for name, menu in menus().items()}.items():
        assert gateway in listed.stdout
        merchant = client.merchants(gateway)[0]["merchant"]
        for kind, statuses in kinds.items():
            assert f"{kind:<7} --status {' | '.join(statuses)}" in listed.stdout
            for status in statuses:
                fields: dict[str, object] = {
                    "gateway": gateway,
                    "merchant": merchant,
                    "kind": kind,
                    "status": status,
                    "amount": amounts[gateway],
                    "notify_url": "http://127.0.0.1:9/none",
                }
                if currencies[gateway]:
                    fields["currency"] = currencies[gateway]
                if kind == "refund" and gateway == "ezpay":
                    paid = client.trigger(**{**fields, "kind": "payin", "status": "success"})
                    fields["original"] = paid["id"]
                client.trigger(**fields)
