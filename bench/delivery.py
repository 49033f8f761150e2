"""Callback delivery: throughput to a fast local receiver, and retry timing in real-clock mode.

Throughput: the delivery engine (one process, its shared keep-alive client, the configured
concurrency) delivers N callbacks to a bare uvicorn receiver in another process; the baseline is
a plain `aiohttp.ClientSession` loop posting the same bodies to the same receiver with the same
concurrency. Engine and baseline runs alternate; the medians are compared. Each run's process
CPU time per callback is measured too: the engine's minus the plain loop's is the engine's own
cost per callback (its store rows, queue and bookkeeping), next to the HTTP client's.

Retry timing: on the real clock, every callback's first attempt gets a 500 and the retry is due
`delay` sandbox seconds later; the error is when the retry attempt started minus when it was due,
in wall milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import httpx

from bench.startup import free_port
from sandbox.delivery import CallbackRequest, Outcome, any_2xx, custom_policy
from sandbox.gateways.installed import installed_gateways
from sandbox.runtime import Sandbox, open_sandbox
from sandbox.settings import Settings

THROUGHPUT_TARGET = 3000.0  # callbacks per second
OWN_CPU_TARGET_US = 150.0  # the engine's own CPU per callback, over the plain loop's
RETRY_P99_TARGET_MS = 50.0
BODY = b'{"type":0,"merchant_id":8820250900009,"order_no":"ORDER-1","order_amount":100.00}'
HEADERS = {"Content-Type": "application/json"}


@contextmanager
def receiver(fail_first: bool = False) -> Iterator[str]:
    port = free_port()
    script = Path(__file__).with_name("callback_receiver.py")
    command = [sys.executable, str(script), "--port", str(port)]
    process = subprocess.Popen([*command, *(["--fail-first"] if fail_first else [])])
    url = f"http://127.0.0.1:{port}/notify"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.post(url, content=b"{}", headers={"X-Sandbox-Callback-Id": "probe"})
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the bench receiver did not start") from None
                time.sleep(0.02)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _settings(db: str, concurrency: int, scale: float = 1.0) -> Settings:
    return Settings(
        db=db, clock="real", time_scale=scale, delivery_concurrency=concurrency, journal_limit=10000
    )


async def _start_engine(
    settings: Settings, url: str, count: int, retry_delay: float
) -> tuple[Sandbox, CallbackRequest, asyncio.Event]:
    """A started sandbox, the callback to submit, and an event set once `count` are settled."""
    sandbox = open_sandbox(settings, installed_gateways())
    await sandbox.start()
    settled = asyncio.Event()
    acked = 0

    def on_outcome(outcome: Outcome) -> None:
        nonlocal acked
        acked += 1
        if acked == count:
            settled.set()

    sandbox.delivery.on_outcome("bench", on_outcome)
    request = CallbackRequest(
        gateway="bench",
        merchant="m1",
        order_id="",
        event="bench",
        url=url,
        body=BODY,
        headers=HEADERS,
        ack=any_2xx(),
        policy=custom_policy(10, [retry_delay]),
    )
    return sandbox, request, settled


@dataclass(frozen=True)
class Run:
    rate: float  # callbacks per second
    cpu_us: float  # this process's CPU time per callback, microseconds


class _Timing:
    """Wall and process CPU time from `start()` to `stop(count)`."""

    def __init__(self) -> None:
        self._wall = self._cpu = 0.0

    def start(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def stop(self, count: int) -> Run:
        wall, cpu = time.perf_counter() - self._wall, time.process_time() - self._cpu
        return Run(count / wall, cpu / count * 1e6)


async def engine_run(url: str, count: int, concurrency: int, db: str) -> float:
    """Callbacks per second through the engine, from the first submit to the last ack."""
    return (await measured_engine_run(url, count, concurrency, db)).rate


async def measured_engine_run(url: str, count: int, concurrency: int, db: str) -> Run:
    sandbox, request, done = await _start_engine(_settings(db, concurrency), url, count, 60)
    timing = _Timing()
    try:
        timing.start()
        for n in range(count):
            sandbox.delivery.submit(replace(request, order_id=f"O{n}"))
            if n % 256 == 0:
                await asyncio.sleep(0)  # a gateway submits from request handlers, not all at once
        await asyncio.wait_for(done.wait(), timeout=300)
        return timing.stop(count)
    finally:
        await sandbox.stop()


async def baseline_run(url: str, count: int, concurrency: int) -> float:
    """Callbacks per second through a plain aiohttp loop with the same concurrency."""
    return (await measured_baseline_run(url, count, concurrency)).rate


async def measured_baseline_run(url: str, count: int, concurrency: int) -> Run:
    import aiohttp

    slots = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    timing = _Timing()
    async with aiohttp.ClientSession(connector=connector) as client:

        async def one(n: int) -> None:
            async with slots, client.post(url, data=BODY, headers=HEADERS) as response:
                await response.read()
                response.raise_for_status()

        timing.start()
        await asyncio.gather(*(one(n) for n in range(count)))
        return timing.stop(count)


async def retry_errors(
    url: str, count: int, rate: float, delay: float, scale: float
) -> list[float]:
    """Wall-ms lateness of each retry attempt (the first attempts all get a 500)."""
    settings = _settings(":memory:", 64, scale)
    sandbox, request, finished = await _start_engine(settings, url, count, delay)
    try:
        ids: list[str] = []
        for n in range(count):
            ids += sandbox.delivery.submit(replace(request, order_id=f"O{n}"))
            await asyncio.sleep(1 / rate)
        await asyncio.wait_for(finished.wait(), timeout=120)
        errors = []
        for message_id in ids:
            retry = sandbox.delivery.outbox.attempts(message_id)[1]
            assert retry.due_at is not None
            late = (retry.started_at - retry.due_at) / timedelta(milliseconds=1)
            errors.append(late / scale)
        return errors
    finally:
        await sandbox.stop()


def _median(runs: list[Run], field: str) -> float:
    return statistics.median(getattr(run, field) for run in runs)


def _range(runs: list[Run], field: str) -> str:
    values = [getattr(run, field) for run in runs]
    return f"{min(values):,.0f}-{max(values):,.0f}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench delivery",
        description="Callback throughput vs a plain aiohttp loop; retry timing on the real clock.",
    )
    parser.add_argument("--count", type=int, default=10000, help="callbacks per run")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs of each")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--file-db", action="store_true", help="the engine on a file DB")
    parser.add_argument("--retries", type=int, default=1000, help="callbacks in the timing run")
    args = parser.parse_args(argv)

    engine: list[Run] = []
    baseline: list[Run] = []
    load_before = os.getloadavg()[0]
    with receiver() as url, tempfile.TemporaryDirectory() as folder:
        asyncio.run(baseline_run(url, 500, args.concurrency))  # warm the receiver up
        for n in range(1, args.runs + 1):
            db = str(Path(folder) / f"run{n}.db") if args.file_db else ":memory:"
            engine.append(asyncio.run(measured_engine_run(url, args.count, args.concurrency, db)))
            baseline.append(asyncio.run(measured_baseline_run(url, args.count, args.concurrency)))
            print(
                f"delivery: run {n}/{args.runs} engine {engine[-1].rate:,.0f}/s "
                f"({engine[-1].cpu_us:.0f} us CPU each)  aiohttp loop {baseline[-1].rate:,.0f}/s "
                f"({baseline[-1].cpu_us:.0f} us)",
                flush=True,
            )
    with receiver(fail_first=True) as url:
        errors = asyncio.run(retry_errors(url, args.retries, rate=200, delay=2.0, scale=4.0))
    ours, theirs = _median(engine, "rate"), _median(baseline, "rate")
    ours_cpu, theirs_cpu = _median(engine, "cpu_us"), _median(baseline, "cpu_us")
    own_cpu = ours_cpu - theirs_cpu
    p50, p99, worst = percentile(errors, 50), percentile(errors, 99), max(errors)
    store = "file DB" if args.file_db else "in-memory DB"
    rows = [
        ("metric", "sandbox", "baseline", "ratio", "target", "result"),
        (
            f"callbacks/s ({store}, {args.concurrency} in flight, median of {args.runs}; "
            f"range {_range(engine, 'rate')} vs {_range(baseline, 'rate')})",
            f"{ours:,.0f}/s",
            f"{theirs:,.0f}/s",
            f"{ours / theirs:.2f}x",
            f">= {THROUGHPUT_TARGET:,.0f}/s",
            "PASS" if ours >= THROUGHPUT_TARGET else "FAIL",
        ),
        (
            f"CPU per callback (engine's own: {own_cpu:.0f} us over the plain loop's; "
            f"{1e6 / ours_cpu:,.0f} vs {1e6 / theirs_cpu:,.0f} callbacks per CPU-second)",
            f"{ours_cpu:.0f} us",
            f"{theirs_cpu:.0f} us",
            f"{ours_cpu / theirs_cpu:.2f}x",
            f"own <= {OWN_CPU_TARGET_US:g} us",
            "PASS" if own_cpu <= OWN_CPU_TARGET_US else "FAIL",
        ),
        (
            f"retry timing error p99 ({len(errors)} retries; p50 {p50:.1f}, max {worst:.1f} ms)",
            f"{p99:.1f} ms",
            "-",
            "-",
            f"<= {RETRY_P99_TARGET_MS:g} ms",
            "PASS" if p99 <= RETRY_P99_TARGET_MS else "FAIL",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    print("\n".join(line.rstrip() for line in lines), flush=True)
    load_after = os.getloadavg()[0]
    print(f"load average (1 min): {load_before:.2f} before, {load_after:.2f} after", flush=True)
    return 0 if all(row[-1] == "PASS" for row in rows[1:]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
