"""EzPay: signed payment creation throughput against the bare Starlette baseline.

Both servers are spawned as `bench/startup.py` spawns them (`sandbox serve`, in-memory DB, real
clock; the baseline app on the same uvicorn). A minimal asyncio HTTP/1.1 client with N
keep-alive connections posts pre-signed `payment/generate` envelopes (distinct `mchOrderId`s,
signed before the clock starts, so merchant-side signing is not measured) to the sandbox and
fixed GETs to the baseline; runs alternate and the medians are compared. Then, in this process,
the pieces of one request are timed on their own (RSA verification, JSON parsing) to say where
the server's time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from bench.startup import baseline_command, free_port, health_status, sandbox_command
from sandbox.gateways.ezpay.plug import PLUG as EZPAY
from sandbox.runtime import scenario_terms
from sandbox.scenarios.engine import RequestFacts
from sandbox.scenarios.service import open_scenarios
from sandbox.signing.demo_keys import (
    EZPAY_DEMO_MERCHANT_PRIVATE_KEY,
    EZPAY_DEMO_MERCHANT_PUBLIC_KEY,
    EZPAY_DEMO_PLATFORM_PRIVATE_KEY,
)
from sandbox.signing.rsa import load_private_key, load_public_key, sign_param, verify_param
from sandbox.signing.values import parse_json

APP_ID = "8f3c2a1b9d4e4f6a8b7c6d5e4f3a2b1c"
PATH = "/open-api/philippines/payment/generate"


@contextmanager
def served(command: Callable[[int], list[str]]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while health_status(port) != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bench server did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def signed_bodies(count: int, tag: str) -> list[bytes]:
    key = load_private_key(EZPAY_DEMO_MERCHANT_PRIVATE_KEY)
    now = int(time.time())
    bodies = []
    for n in range(count):
        param = json.dumps(
            {
                "mchOrderId": f"BENCH-{tag}-{n}",
                "amount": 500,
                "customerName": "Juan Dela Cruz",
                "channelCode": "PH_GCASH_URL",
                "notifyUrl": "https://merchant.example/ezpay/notify",
                "redirectUrl": "https://merchant.example/return",
                "email": "juan@example.com",
                "mobile": "09171234567",
                "timestamp": now,
            },
            separators=(",", ":"),
        )
        envelope = {"appId": APP_ID, "sign": sign_param(key, param), "param": param}
        bodies.append(json.dumps(envelope).encode())
    return bodies


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """One keep-alive HTTP/1.1 round trip: (status, body)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def _request(port: int, body: bytes | None) -> bytes:
    if body is None:
        return f"GET /_sandbox/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _drive(url: str, bodies: list[bytes] | None, count: int, concurrency: int) -> float:
    """Requests per second over `concurrency` keep-alive connections (a minimal asyncio client,
    so the client costs far less than the servers); `bodies` None = GET the baseline's JSON."""
    port = int(url.rsplit(":", 1)[1])
    requests = [_request(port, None if bodies is None else bodies[n]) for n in range(count)]
    failures = 0
    next_index = 0

    async def worker() -> None:
        nonlocal failures, next_index
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while next_index < count:
                n = next_index
                next_index += 1
                status, answer = await _exchange(reader, writer, requests[n])
                ok = status == 200 and (bodies is None or b'"code":10000' in answer)
                failures += not ok
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{failures} of {count} requests failed")
    return count / elapsed


def pieces(repeat: int = 2000) -> dict[str, float]:
    """Microseconds per call of the parts of one payment creation, in this process."""
    key = load_public_key(EZPAY_DEMO_MERCHANT_PUBLIC_KEY)
    body = signed_bodies(1, "piece")[0]
    outer = json.loads(body)
    param, sign = outer["param"], outer["sign"]
    platform = load_private_key(EZPAY_DEMO_PLATFORM_PRIVATE_KEY)
    scenarios = open_scenarios(scenario_terms([EZPAY]), (), ())
    facts = RequestFacts(
        gateway="ezpay",
        operation="payment.create",
        merchant=APP_ID,
        amount=Decimal(500),
        currency="PHP",
        channel="PH_GCASH_URL",
        order_no="BENCH-1",
        headers={"host": "127.0.0.1", "content-type": "application/json"},
    )

    def per_call(fn: Callable[[], object], n: int = repeat) -> float:
        return min(timeit.repeat(fn, number=n, repeat=3)) / n * 1e6

    return {
        "RSA-2048 verify (SHA-256, cached key)": per_call(lambda: verify_param(key, param, sign)),
        "key lookup (lru cache on the PEM text)": per_call(
            lambda: load_public_key(EZPAY_DEMO_MERCHANT_PUBLIC_KEY)
        ),
        "parse outer body + param (token-exact JSON)": per_call(
            lambda: parse_json(parse_json(body)["param"])
        ),
        "scenario plan (selection + default.yaml's rules)": per_call(
            lambda: scenarios.plan(facts), max(100, repeat // 4)
        ),
        "RSA-2048 sign (one notification)": per_call(
            lambda: sign_param(platform, param), max(50, repeat // 20)
        ),
    }


def run(count: int, concurrency: int, rounds: int) -> tuple[list[float], list[float]]:
    sandbox_rates: list[float] = []
    baseline_rates: list[float] = []
    with served(sandbox_command) as sandbox_url, served(baseline_command) as baseline_url:
        for n in range(1, rounds + 1):
            bodies = signed_bodies(count, f"r{n}")
            rate = asyncio.run(_drive(sandbox_url, bodies, count, concurrency))
            sandbox_rates.append(rate)
            base = asyncio.run(_drive(baseline_url, None, count, concurrency))
            baseline_rates.append(base)
            print(
                f"ezpay: round {n}/{rounds} sandbox {rate:,.0f} req/s  baseline {base:,.0f} req/s",
                flush=True,
            )
    return sandbox_rates, baseline_rates


def report(sandbox: list[float], baseline: list[float], parts: dict[str, float]) -> str:
    rate, base = statistics.median(sandbox), statistics.median(baseline)
    per_request_us = 1e6 / rate
    lines = [
        f"signed payment creation: {rate:,.0f} req/s; baseline (bare Starlette GET): "
        f"{base:,.0f} req/s; ratio {rate / base:.2f}x",
        f"one creation ≈ {per_request_us:,.0f} µs of server time at this rate; of which:",
    ]
    for name, micros in parts.items():
        share = (
            ""
            if "sign" in name and "verify" not in name
            else (f" ({micros / per_request_us:.0%} of a request)")
        )
        lines.append(f"  {name}: {micros:,.1f} µs{share}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench ezpay",
        description="Signed EzPay payment creation throughput vs a bare Starlette app.",
    )
    parser.add_argument("--requests", type=int, default=2000, help="per round (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="in flight (default 16)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args(argv)
    sandbox, baseline = run(args.requests, args.concurrency, args.rounds)
    print(report(sandbox, baseline, pieces()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
