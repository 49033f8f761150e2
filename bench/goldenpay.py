"""Signed GoldenPay collect creation against a bare Starlette app, as requests per second.

Both servers are spawned as users start them (`sandbox serve`, `bench/baseline_app.py`); a small
asyncio HTTP/1.1 client keeps `--connections` keep-alive connections busy. The sandbox side sends
`POST /api/v1/mch/pmt-orders` with bodies signed beforehand (unique `trans_id`s, so every request
creates an order, answers a signed payload and writes the journal); the baseline answers a fixed
JSON body to `GET /_sandbox/health`. The ratio is what the whole request pipeline costs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence

from bench.startup import baseline_command, free_port, health_status, sandbox_command
from sandbox.signing.md5 import goldenpay_sign

TOKEN = "gp_test_token_5e6f7a8b"


def collect_requests(count: int, port: int) -> list[bytes]:
    """Ready-to-send signed collect creations (the client's signing is not measured)."""
    stamp = int(time.time())
    batch = time.monotonic_ns()  # unique trans_ids per call: the warm-up's and the run's differ
    requests = []
    for n in range(count):
        fields = {
            "mch_id": 10001,
            "trans_id": f"BENCH-{batch}-{n}",
            "channel": "mock",
            "currency": "THB",
            "amount": "100.00",
            "callback_url": "http://127.0.0.1:9/notify",
            "nonce": f"nonce{n:08d}",
            "timestamp": stamp,
        }
        body = json.dumps({**fields, "sign": goldenpay_sign(fields, TOKEN)}).encode()
        head = (
            f"POST /api/v1/mch/pmt-orders HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests


def health_requests(count: int, port: int) -> list[bytes]:
    request = f"GET /_sandbox/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    return [request] * count


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return status, await reader.readexactly(length)


async def load(port: int, requests: list[bytes], connections: int) -> tuple[float, list[bytes]]:
    """Send every request over `connections` keep-alive connections; (seconds, some bodies)."""
    queue = list(reversed(requests))
    samples: list[bytes] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                writer.write(queue.pop())
                status, body = await _read_response(reader)
                if status != 200 or len(samples) < 5:
                    samples.append(body)
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return time.perf_counter() - start, samples


def measure(
    command: Callable[[int], list[str]],
    build: Callable[[int, int], list[bytes]],
    count: int,
    connections: int,
) -> tuple[float, list[bytes]]:
    """Requests per second of one server, spawned fresh (after a short warm-up)."""
    port = free_port()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command(port), stdout=subprocess.DEVNULL, stderr=errors)
        try:
            deadline = time.monotonic() + 30
            while health_status(port) != 200:
                if process.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    raise RuntimeError(errors.read().decode(errors="replace")[-2000:])
                time.sleep(0.01)
            warm = max(20, count // 10)
            asyncio.run(load(port, build(warm, port), connections))
            elapsed, samples = asyncio.run(load(port, build(count, port), connections))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return count / elapsed, samples


def run(count: int, connections: int, rounds: int) -> tuple[list[float], list[float]]:
    sandbox: list[float] = []
    baseline: list[float] = []
    for n in range(1, rounds + 1):
        rate, samples = measure(sandbox_command, collect_requests, count, connections)
        for body in samples:
            answer = json.loads(body)
            if answer.get("code") != 200:
                raise RuntimeError(f"collect creation failed: {body[:200]!r}")
        sandbox.append(rate)
        rate, _ = measure(baseline_command, health_requests, count, connections)
        baseline.append(rate)
        print(
            f"goldenpay: round {n}/{rounds}  collect.create {sandbox[-1]:.0f}/s  "
            f"baseline {baseline[-1]:.0f}/s",
            flush=True,
        )
    return sandbox, baseline


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench goldenpay",
        description="Signed GoldenPay collect creation vs a bare Starlette app (requests/s).",
    )
    parser.add_argument("--requests", type=int, default=3000, help="per round (default 3000)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args(argv)
    sandbox, baseline = run(args.requests, args.connections, args.rounds)
    best_sandbox, best_baseline = max(sandbox), max(baseline)
    print(
        f"collect.create (signed, new order each): {best_sandbox:.0f} requests/s; "
        f"bare Starlette: {best_baseline:.0f} requests/s; "
        f"ratio {best_sandbox / best_baseline:.2f} (best of {args.rounds})",
        flush=True,
    )
    return 0
