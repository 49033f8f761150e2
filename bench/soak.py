"""Soak: 100,000 orders with callbacks through one `sandbox serve` process; memory and CPU flat.

The sandbox runs as users start it, on the manual clock, with a fast local merchant
(`bench/callback_receiver.py`) for the callbacks. Orders are sent in windows of `--window`
(GoldenPay `mock` collects paid after 3 s, and TrustPay card pay-ins answered at once, 4:1); after
each window the clock moves `--advance` (36 min: a sandbox day every 40 windows, so the demo
TrustPay merchant stays under its 10,000 pay-ins a day, and one-day timers such as settlements
fall due during the run). `POST /_sandbox/clock/advance` returns once every callback due has
been attempted, so every order's callback is delivered inside its window.

Per window the server's own CPU time (utime + stime from /proc) and RSS are read. Targets:
- RSS after warm-up (the first 10 % of orders) stays within 20 % of its warm-up value;
- server CPU per order in the last window is within 1.5x of the first window's (1k orders).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.goldenpay import load
from bench.results import record
from bench.startup import free_port, health_status, sandbox_command, stop_process
from sandbox.signing.md5 import goldenpay_sign, trustpay_sign
from sandbox.signing.values import JsonNumber, compact_json

GP_TOKEN = "gp_test_token_5e6f7a8b"
TP_KEY, TP_SECRET, TP_MERCHANT = (
    "tp_test_0b1c2d3e4f5a6b7c",
    "tp_test_secret_9f8e7d6c",
    8820250900009,
)
RSS_TOLERANCE = 0.20
CPU_TOLERANCE = 1.5
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Window:
    orders: int  # orders created so far
    cpu_ms_per_order: float
    rss_mib: float


def _post(port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"{head}Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def order_requests(start: int, count: int, port: int, notify: str) -> list[bytes]:
    stamp = int(time.time())
    requests = []
    for n in range(start, start + count):
        if n % 5 == 4:
            fields = {
                "merchant_id": JsonNumber(str(TP_MERCHANT)),
                "order_no": f"SOAK-TP-{n}",
                "order_amount": JsonNumber("20.00"),
                "currency": "USD",
                "notify_url": notify,
                "card_number": "4111111111111111",
                "card_expiry": "2030-09",
                "card_cvv": "123",
                "card_holder_first_name": "Soak",
                "card_holder_last_name": "Test",
                "billing_country": "GB",
                "billing_city": "London",
            }
            body = compact_json({**fields, "sign": trustpay_sign(fields, TP_SECRET)}).encode()
            requests.append(_post(port, "/v4/payin/create/card", body, {"X-Api-Key": TP_KEY}))
        else:
            gp = {
                "mch_id": 10001,
                "trans_id": f"SOAK-GP-{n}",
                "channel": "mock",
                "currency": "THB",
                "amount": "100.99",
                "callback_url": notify,
                "nonce": f"nonce{n:09d}",
                "timestamp": stamp,
            }
            body = json.dumps({**gp, "sign": goldenpay_sign(gp, GP_TOKEN)}).encode()
            requests.append(_post(port, "/api/v1/mch/pmt-orders", body, {}))
    return requests


def server_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def server_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def advance(port: int, seconds: float) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_sandbox/clock/advance",
        data=json.dumps({"seconds": seconds}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=600) as answer:
        answer.read()


def callbacks_total(port: int, state: str) -> int:
    url = f"http://127.0.0.1:{port}/_sandbox/callbacks?state={state}&page_size=1"
    with urllib.request.urlopen(url, timeout=60) as answer:
        total: int = json.loads(answer.read())["total"]
    return total


def _wait_healthy(port: int, process: subprocess.Popen[bytes], errors: object) -> None:
    deadline = time.monotonic() + 30
    while health_status(port) != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server on {port} did not start")
        time.sleep(0.01)


def run(
    orders: int, window: int, connections: int, step_s: float = 2160, db: str | None = None
) -> list[Window]:
    port, merchant_port = free_port(), free_port()
    receiver_script = Path(__file__).with_name("callback_receiver.py")
    notify = f"http://127.0.0.1:{merchant_port}/notify"
    windows: list[Window] = []
    with tempfile.TemporaryFile() as errors, tempfile.TemporaryDirectory() as folder:
        database = db or str(Path(folder) / "soak.db")
        merchant = subprocess.Popen(
            [
                sys.executable,
                str(receiver_script),
                "--port",
                str(merchant_port),
                "--body",
                "success",
            ],
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        command = [*sandbox_command(port), "--clock", "manual", "--journal-limit", "1000"]
        command += ["--db", database]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            _wait_healthy(port, server, errors)
            sent = 0
            while sent < orders:
                size = min(window, orders - sent)
                batch = order_requests(sent, size, port, notify)
                cpu_before = server_cpu_s(server.pid)
                _elapsed, samples = asyncio.run(load(port, batch, connections))
                advance(port, step_s)
                cpu = server_cpu_s(server.pid) - cpu_before
                sent += size
                for body in samples:
                    answer = json.loads(body)
                    if answer.get("code") not in (200, 880001):
                        raise RuntimeError(f"order creation failed: {body[:300]!r}")
                windows.append(Window(sent, cpu * 1000 / size, server_rss_mib(server.pid)))
                if sent % (window * 10) == 0 or sent == orders:
                    last = windows[-1]
                    print(
                        f"soak: {sent:>7} orders  {last.cpu_ms_per_order:6.2f} ms CPU/order  "
                        f"RSS {last.rss_mib:6.1f} MiB",
                        flush=True,
                    )
            pending = callbacks_total(port, "pending")
            if pending:
                raise RuntimeError(f"{pending} callbacks still pending after the last advance")
        finally:
            for process in (server, merchant):
                stop_process(process, timeout=15)
    return windows


def verdict(windows: list[Window]) -> tuple[bool, list[str]]:
    warm_index = max(0, len(windows) // 10 - 1)
    warm = windows[warm_index]
    after = windows[warm_index:]
    rss_growth = max(w.rss_mib for w in after) / warm.rss_mib - 1
    first, last = windows[0], windows[-1]
    cpu_ratio = last.cpu_ms_per_order / first.cpu_ms_per_order
    lines = [
        f"RSS after warm-up ({warm.orders} orders) {warm.rss_mib:.1f} MiB, highest after it "
        f"{max(w.rss_mib for w in after):.1f} MiB, at the end {last.rss_mib:.1f} MiB: "
        f"growth {rss_growth:+.0%} (target within {RSS_TOLERANCE:.0%})",
        f"server CPU per order: {first.cpu_ms_per_order:.2f} ms at {first.orders} orders, "
        f"{last.cpu_ms_per_order:.2f} ms at {last.orders}: x{cpu_ratio:.2f} "
        f"(target within x{CPU_TOLERANCE})",
    ]
    return rss_growth <= RSS_TOLERANCE and cpu_ratio <= CPU_TOLERANCE, lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench soak",
        description="100,000 orders with callbacks through one process: RSS and CPU stay flat.",
    )
    parser.add_argument("--orders", type=int, default=100_000, help="default 100000")
    parser.add_argument("--window", type=int, default=1000, help="orders per window (1000)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive (default 8)")
    parser.add_argument(
        "--advance", type=float, default=2160, help="sandbox seconds after each window (2160)"
    )
    parser.add_argument(
        "--db",
        default=None,
        help="the sandbox's --db (default: a new SQLite file in a temporary folder, as a "
        "long-running sandbox keeps its state; ':memory:' measures the stored rows too)",
    )
    args = parser.parse_args(argv)
    windows = run(args.orders, args.window, args.connections, args.advance, args.db)
    met, lines = verdict(windows)
    for line in lines:
        print(f"soak: {line}", flush=True)
    print(f"soak: {'targets met' if met else 'TARGETS MISSED'}", flush=True)
    record("soak", {"verdict": lines, "met": met})
    return 0 if met else 1
