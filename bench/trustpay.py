"""TrustPay Cashier Payin creation throughput and latency, next to a bare Starlette app.

`sandbox serve` (file database: WAL, the durable mode) and the baseline app (bench/baseline_app.py,
a fixed JSON body) run in their own processes on the same uvicorn. A small load generator keeps
`--connections` keep-alive HTTP/1.1 connections busy (raw asyncio streams, so the client costs
little next to the servers): every sandbox request is a signed `POST /v4/payin/create/order` with
a distinct order number, which the sandbox verifies, validates, stores (one commit) and journals;
the baseline answers `GET /_sandbox/health`. Rounds alternate; medians are compared.

Targets (issue 5): sandbox requests/s >= 0.5 x baseline requests/s, and p99 <= 10 ms at 32
concurrent connections.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from bench.startup import baseline_command, free_port, health_status, sandbox_command
from sandbox.signing.md5 import trustpay_sign
from sandbox.signing.values import JsonNumber, compact_json

API_KEY = "tp_test_0b1c2d3e4f5a6b7c"
SECRET = "tp_test_secret_9f8e7d6c"
MERCHANT_ID = 8820250900009
RATIO_TARGET = 0.5
P99_TARGET_MS = 10.0


@dataclass(frozen=True)
class Run:
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    requests: int


def cashier_request(order_no: str) -> bytes:
    """One signed Cashier Payin request as raw HTTP/1.1 bytes."""
    fields: dict[str, object] = {
        "merchant_id": JsonNumber(str(MERCHANT_ID)),
        "order_no": order_no,
        "order_amount": JsonNumber("5.00"),
        "currency": "USD",
        "notify_url": "http://127.0.0.1:9/never-called",
    }
    fields["sign"] = trustpay_sign(fields, SECRET)
    body = compact_json(fields).encode()
    head = (
        "POST /v4/payin/create/order HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-Api-Key: {API_KEY}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@contextmanager
def serve(command: list[str], port: int) -> Iterator[None]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while health_status(port) != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not become healthy")
            time.sleep(0.01)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


BASELINE_REQUEST = b"GET /_sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> bytes:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = head[9:12]
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    body = await reader.readexactly(length)
    if status != b"200":
        raise RuntimeError(f"unexpected answer {status.decode()}: {body[:200]!r}")
    return body


async def load(
    port: int, make_request: Callable[[], bytes], connections: int, duration: float
) -> Run:
    """`connections` keep-alive connections sending back to back for `duration` seconds."""
    latencies: list[float] = []
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                request = make_request()
                started = time.perf_counter()
                body = await _exchange(reader, writer, request)
                latencies.append(time.perf_counter() - started)
                if b'"code":880001' not in body and b'"status":"ok"' not in body:
                    raise RuntimeError(f"not a success: {body[:200]!r}")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return Run(
        rate=len(ordered) / elapsed,
        p50_ms=ordered[len(ordered) // 2] * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        requests=len(ordered),
    )


def measure(rounds: int, duration: float, connections: int) -> dict[str, list[Run]]:
    results: dict[str, list[Run]] = {"cashier": [], "baseline": []}
    orders = count()
    prefix = f"BENCH-{int(time.time())}-"

    def next_cashier() -> bytes:
        return cashier_request(f"{prefix}{next(orders)}")

    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "bench.db")
        sandbox_port, baseline_port = free_port(), free_port()
        command = [*sandbox_command(sandbox_port), "--db", db, "--seed", "1"]
        with serve(command, sandbox_port), serve(baseline_command(baseline_port), baseline_port):
            # warm up both (imports, first SQLite pages, connection set-up)
            asyncio.run(load(sandbox_port, next_cashier, connections, min(duration, 0.5)))
            asyncio.run(load(baseline_port, lambda: BASELINE_REQUEST, connections, 0.3))
            for n in range(1, rounds + 1):
                for key, port, make in (
                    ("cashier", sandbox_port, next_cashier),
                    ("baseline", baseline_port, lambda: BASELINE_REQUEST),
                ):
                    run = asyncio.run(load(port, make, connections, duration))
                    results[key].append(run)
                    print(
                        f"trustpay: round {n}/{rounds} {key:<8} {run.rate:7.0f}/s  "
                        f"p50 {run.p50_ms:5.2f} ms  p99 {run.p99_ms:5.2f} ms  "
                        f"({run.requests} requests)",
                        flush=True,
                    )
    return results


def report(results: dict[str, list[Run]], connections: int) -> tuple[str, bool]:
    cashier = statistics.median(r.rate for r in results["cashier"])
    baseline = statistics.median(r.rate for r in results["baseline"])
    p99 = statistics.median(r.p99_ms for r in results["cashier"])
    base_p99 = statistics.median(r.p99_ms for r in results["baseline"])
    ratio = cashier / baseline
    ratio_ok = ratio >= RATIO_TARGET
    p99_ok = p99 <= P99_TARGET_MS
    lines = [
        f"TrustPay signed Cashier Payin creation, {connections} connections, file DB",
        f"  sandbox   {cashier:7.0f} req/s  p99 {p99:5.2f} ms",
        f"  baseline  {baseline:7.0f} req/s  p99 {base_p99:5.2f} ms  (bare Starlette, fixed JSON)",
        f"  ratio     {ratio:.2f}x  target >= {RATIO_TARGET}x: {'PASS' if ratio_ok else 'FAIL'}",
        f"  p99       {p99:.2f} ms  target <= {P99_TARGET_MS} ms: {'PASS' if p99_ok else 'FAIL'}",
    ]
    return "\n".join(lines), ratio_ok and p99_ok


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench trustpay")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per round and side")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    results = measure(args.rounds, args.duration, args.connections)
    table, ok = report(results, args.connections)
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
