"""TrustPay card issuing: request throughput through the card pipeline, next to bare Starlette.

`sandbox serve` (manual clock, in-memory DB) and the baseline app run in their own processes; one
keep-alive httpx client sends N requests in sequence to each and the medians over alternating
rounds are compared:

- Available Card (`POST /v3/vcard/card-types`): key, JSON, `sign`, scenario, journal, answer;
- Open Card (`POST /v3/vcard/open`): the same plus an order, a hold on the card account and two
  persisted timers per request;
- the baseline: `GET /_sandbox/health` of a bare Starlette app (no work at all).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import count

import httpx

from bench.results import record
from bench.startup import baseline_command, free_port, health_status, sandbox_command
from sandbox.signing.md5 import trustpay_sign
from sandbox.signing.values import compact_json, parse_json

API_KEY = "tp_test_0b1c2d3e4f5a6b7c"
SECRET = "tp_test_secret_9f8e7d6c"
# A card request costs real work (sign check, SQLite writes, journal): at least a quarter of a bare
# Starlette answer's rate, sequentially on one connection.
RATIO_TARGET = 0.25


def signed(body: dict[str, object]) -> bytes:
    fields = parse_json(compact_json(body))
    fields["sign"] = trustpay_sign(fields, SECRET)
    return compact_json(fields).encode()


@contextmanager
def serve(command: list[str], port: int) -> Iterator[str]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while health_status(port) != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not become healthy")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def rate(send: Callable[[int], httpx.Response], requests: int) -> float:
    """Requests per second for `requests` calls of `send(n)` (each must answer 200)."""
    start = time.perf_counter()
    for n in range(requests):
        response = send(n)
        if response.status_code != 200:
            raise RuntimeError(f"unexpected answer {response.status_code}: {response.text}")
    return requests / (time.perf_counter() - start)


def measure(requests: int, rounds: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"card-types": [], "open": [], "baseline": []}
    sandbox_port, baseline_port = free_port(), free_port()
    sandbox = [*sandbox_command(sandbox_port), "--clock", "manual", "--seed", "1"]
    orders = count()
    headers = {"X-Api-Key": API_KEY, "Content-Type": "application/json"}
    types_body = signed({})

    def open_body() -> bytes:
        return signed(
            {
                "order_no": f"BENCH-{next(orders)}",
                "card_type_id": "24",
                "amount": "10.00",
                "first_name": "Bench",
                "last_name": "Mark",
                "email": "bench@example.com",
                "notify_url": "http://127.0.0.1:9/never-called",
            }
        )

    with (
        serve(sandbox, sandbox_port) as sandbox_url,
        serve(baseline_command(baseline_port), baseline_port) as baseline_url,
        httpx.Client(base_url=sandbox_url) as to_sandbox,
        httpx.Client(base_url=baseline_url) as to_baseline,
    ):
        for n in range(1, rounds + 1):
            results["card-types"].append(
                rate(
                    lambda _: to_sandbox.post(
                        "/v3/vcard/card-types", content=types_body, headers=headers
                    ),
                    requests,
                )
            )
            results["open"].append(
                rate(
                    lambda _: to_sandbox.post(
                        "/v3/vcard/open", content=open_body(), headers=headers
                    ),
                    requests,
                )
            )
            results["baseline"].append(
                rate(lambda _: to_baseline.get("/_sandbox/health"), requests)
            )
            print(
                f"trustpay-cards: round {n}/{rounds} "
                + "  ".join(f"{k} {v[-1]:.0f}/s" for k, v in results.items()),
                flush=True,
            )
    return results


def report(results: dict[str, list[float]]) -> tuple[str, bool]:
    baseline = statistics.median(results["baseline"])
    lines = ["request                         sandbox      baseline     ratio  target"]
    ok = True
    for key, label in (("card-types", "Available Card"), ("open", "Open Card")):
        value = statistics.median(results[key])
        ratio = value / baseline
        met = ratio >= RATIO_TARGET
        ok = ok and met
        lines.append(
            f"{label:<30}  {value:7.0f}/s  {baseline:7.0f}/s  {ratio:6.2f}x  "
            f">= {RATIO_TARGET}x: {'PASS' if met else 'FAIL'}"
        )
    return "\n".join(lines), ok


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench trustpay-cards")
    parser.add_argument("--requests", type=int, default=500, help="requests per round and kind")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    table, ok = report(measure(args.requests, args.rounds))
    print(table)
    record("trustpay-cards", {"table": table.splitlines(), "met": ok})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
