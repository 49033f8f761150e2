"""The terminal transaction log of a real `sandbox serve` process (its stderr, captured): one line
per gateway request and per callback attempt, as text or JSON, with `--log-level`; httpx's and
aiohttp's own per-request lines are silent; in JSON mode the banner is a JSON line too."""

from __future__ import annotations

import json
import signal
from typing import Any

import httpx
import pytest

from sandbox.client import SandboxClient
from sandbox.signing.md5 import trustpay_sign
from sandbox.signing.values import compact_json
from sandbox.testing.process import SandboxProcess, run_sandbox_process
from sandbox.testing.receiver import run_receiver

pytestmark = pytest.mark.postgres

TP_KEY, TP_SECRET = "tp_test_0b1c2d3e4f5a6b7c", "tp_test_secret_9f8e7d6c"
CLOSED = "http://127.0.0.1:9/closed"  # nothing listens on the discard port


def balance(url: str, *, good: bool) -> None:
    fields = {"currency_id": "USD"}
    sign = trustpay_sign(fields, TP_SECRET) if good else "0" * 32
    body = compact_json({**fields, "sign": sign}).encode()
    headers = {"X-Api-Key": TP_KEY, "Content-Type": "application/json"}
    answer = httpx.post(url + "/v4/balance", content=body, headers=headers, timeout=10)
    assert answer.status_code == 200


def trigger_payin(url: str, notify_url: str, order_no: str) -> None:
    with SandboxClient(url) as client:
        client.trigger(
            gateway="trustpay",
            merchant="8820250900009",
            kind="payin",
            status="success",
            amount="5.00",
            notify_url=notify_url,
            order_no=order_no,
        )


def stop(served: SandboxProcess) -> list[str]:
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=15) == 0
    return served.log.read_text(encoding="utf-8").splitlines()


def test_json_log_has_a_line_per_request_and_attempt(db_args: list[str]) -> None:
    with (
        run_receiver() as receiver,
        run_sandbox_process(["--log-format", "json", "--clock", "manual", *db_args]) as served,
    ):
        balance(served.url, good=False)
        balance(served.url, good=True)
        trigger_payin(served.url, receiver.url + "/notify", "LOG-ACK-1")
        trigger_payin(served.url, CLOSED, "LOG-REFUSED-1")
        lines = stop(served)
    entries: list[dict[str, Any]] = [json.loads(line) for line in lines]  # every line is JSON
    [banner] = [e for e in entries if e.get("event") == "banner"]
    assert banner["url"] == served.url and "Payment Gateway Sandbox" in banner["banner"]
    requests = [e for e in entries if e.get("event") == "request"]
    assert [(r["path"], r["signature"], r["answer"]) for r in requests] == [
        ("/v4/balance", "bad", "880011 unauthorized"),
        ("/v4/balance", "ok (raw)", ""),
    ]
    first = requests[0]
    assert (first["method"], first["gateway"], first["operation"], first["status"]) == (
        "POST",
        "trustpay",
        "balance",
        200,
    )
    assert first["latency_ms"] >= 0 and "rule" in first
    attempts = {e["url"]: e for e in entries if e.get("event") == "attempt"}
    acked = attempts[receiver.url + "/notify"]
    assert (acked["status"], acked["error"], acked["verdict"], acked["next_retry"]) == (
        200,
        None,
        "acked",
        None,
    )
    assert acked["callback"].startswith("cb_") and acked["attempt"] == 1
    refused = attempts[CLOSED]
    assert (refused["status"], refused["error"], refused["verdict"]) == (None, "refused", "retry")
    assert refused["next_retry"]  # when the next attempt is due (sandbox time)
    assert not any("HTTP Request:" in e["message"] for e in entries)


def test_text_log_lines_and_log_level(db_args: list[str]) -> None:
    with run_sandbox_process(["--clock", "manual", *db_args]) as served:
        balance(served.url, good=False)
        trigger_payin(served.url, CLOSED, "LOG-TEXT-1")
        lines = stop(served)
    [request] = [line for line in lines if "sandbox.requests:" in line]
    assert request.endswith("ms")
    assert "sandbox.requests: POST /v4/balance trustpay balance 200 880011 unauthorized" in request
    assert "sign=bad rule=- " in request
    [attempt] = [line for line in lines if "sandbox.callbacks:" in line]
    assert f" #1 {CLOSED} refused " in attempt and " retry next=" in attempt
    assert any(line.startswith("Payment Gateway Sandbox") for line in lines)  # banner on stdout

    with run_sandbox_process(["--clock", "manual", "--log-level", "warning", *db_args]) as served:
        balance(served.url, good=False)
        lines = stop(served)
    assert not any("sandbox.requests" in line or "listening on" in line for line in lines)
