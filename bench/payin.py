"""Signed pay-in creation next to a bare JSON-echo app: how the pay-in benchmarks measure.

Each gateway's benchmark (bench/trustpay.py, bench/ezpay.py, bench/goldenpay.py) describes its
`Workload`: the sandbox options, one signed request per distinct order, and the answer that
counts as a success. `measure` starts `sandbox serve` and the echo app (bench/baseline_app.py,
which parses the same JSON body and answers a small JSON object built from it) as their own
processes on the same uvicorn settings, then alternates rounds of the two at each connection
count. A small load generator (raw asyncio streams, so it costs little next to the servers) keeps
the keep-alive HTTP/1.1 connections busy for a round; requests are signed before the round, so
the client's own signing is not timed. **Every answer is checked**: one that is not the success
the workload expects stops the run with that answer.

Per round: requests per second, p50/p99 latency, and the server process's CPU per request (its
utime + stime from /proc/<pid>/stat before and after the round, all threads). The report puts
each figure next to the echo app's and gives the ratio and the verdict against 0.3x and 0.5x.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from itertools import count, cycle
from pathlib import Path
from typing import Any, Protocol

from bench.startup import baseline_command, free_port, health_status, sandbox_command

CONNECTIONS = (8, 32)
RATIO_TARGETS = (0.3, 0.5)
ECHO_PATH = b"/echo"
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PREPARE_MARGIN = 1.4  # requests signed ahead of a round: the last rate at this count x this


class Workload(Protocol):
    """What one gateway's pay-in benchmark sends and expects."""

    name: str  # "trustpay": the key in the results file
    title: str  # "TrustPay signed Cashier Payin creation"

    def sandbox_options(self, folder: Path) -> list[str]:
        """`sandbox serve` options (database, config) with files written into `folder`."""
        ...

    def request(self, tag: str) -> bytes:
        """One signed pay-in for a distinct order (`tag` is unique), as raw HTTP/1.1 bytes."""
        ...

    def succeeded(self, body: bytes) -> bool:
        """Is this answer the gateway's success for a created pay-in?"""
        ...


@dataclass(frozen=True)
class Round:
    side: str  # "sandbox" or "echo"
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_s: float  # server process user + system time over the round

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us(self) -> float:
        """Server CPU per request, microseconds."""
        return self.cpu_s / self.requests * 1e6

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "rate": self.rate, "cpu_us": self.cpu_us}


class WrongAnswer(RuntimeError):
    """An answer that is not the expected success: the run is not a measurement."""


def echo_request(request: bytes) -> bytes:
    """The same request (head and JSON body) sent to the echo app's path."""
    line, rest = request.split(b"\r\n", 1)
    method, _path, version = line.split(b" ")
    return b" ".join((method, ECHO_PATH, version)) + b"\r\n" + rest


def echo_succeeded(body: bytes) -> bool:
    return body.startswith(b'{"code":0,')


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process (all its threads), seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


@contextmanager
def serve(command: list[str], port: int) -> Iterator[int]:
    """Run a server until the block ends; yields its pid once it answers its health check."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            deadline = time.monotonic() + 30
            while health_status(port) != 200:
                if process.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    tail = errors.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"{command} did not become healthy:\n{tail}")
                time.sleep(0.01)
            yield process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[bytes, bytes]:
    """One keep-alive round trip: (status code, body)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return head[9:12], await reader.readexactly(length)


async def load(
    port: int,
    next_request: Callable[[], bytes],
    succeeded: Callable[[bytes], bool],
    connections: int,
    duration: float,
) -> tuple[list[float], float]:
    """`connections` connections sending back to back for `duration` seconds, every answer
    checked; (latencies in seconds, elapsed seconds)."""
    latencies: list[float] = []
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                request = next_request()
                started = time.perf_counter()
                status, body = await exchange(reader, writer, request)
                latencies.append(time.perf_counter() - started)
                if status != b"200" or not succeeded(body):
                    raise WrongAnswer(f"HTTP {status.decode()}: {body[:300]!r}")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies, time.perf_counter() - started


def _round(
    side: str,
    pid: int,
    port: int,
    next_request: Callable[[], bytes],
    succeeded: Callable[[bytes], bool],
    connections: int,
    duration: float,
) -> Round:
    before = cpu_seconds(pid)
    latencies, elapsed = asyncio.run(load(port, next_request, succeeded, connections, duration))
    cpu = cpu_seconds(pid) - before
    ordered = sorted(latencies)
    return Round(
        side=side,
        connections=connections,
        requests=len(ordered),
        seconds=elapsed,
        p50_ms=ordered[len(ordered) // 2] * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        cpu_s=cpu,
    )


def measure(
    workload: Workload,
    rounds: int,
    duration: float,
    connections: Sequence[int] = CONNECTIONS,
    progress: bool = True,
) -> list[Round]:
    """Alternating rounds of the sandbox and the echo app at each connection count."""
    tags = count()
    prefix = f"BENCH-{time.time_ns()}-"
    ready: list[bytes] = []

    def next_pay_in() -> bytes:
        return ready.pop() if ready else workload.request(f"{prefix}{next(tags)}")

    def prepare(amount: int) -> None:
        ready.clear()
        ready.extend(workload.request(f"{prefix}{next(tags)}") for _ in range(amount))

    echo_pool = cycle([echo_request(workload.request(f"{prefix}echo-{n}")) for n in range(256)])

    def next_echo() -> bytes:
        return next(echo_pool)

    results: list[Round] = []
    last_rate: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        sandbox_port, echo_port = free_port(), free_port()
        command = [*sandbox_command(sandbox_port), *workload.sandbox_options(Path(folder))]
        with (
            serve(command, sandbox_port) as sandbox_pid,
            serve(baseline_command(echo_port), echo_port) as echo_pid,
        ):
            # warm-up (imports on first use, first SQLite pages); its rate sizes the first round
            warm = min(duration, 0.5)
            for c in connections:
                prepare(int(2000 * warm))
                run = _round(
                    "sandbox", sandbox_pid, sandbox_port, next_pay_in, workload.succeeded, c, warm
                )
                last_rate[c] = run.rate
            _round("echo", echo_pid, echo_port, next_echo, echo_succeeded, max(connections), warm)
            for n in range(1, rounds + 1):
                for c in connections:
                    prepare(int(last_rate[c] * duration * _PREPARE_MARGIN) + c)
                    pay_ins = _round(
                        "sandbox",
                        sandbox_pid,
                        sandbox_port,
                        next_pay_in,
                        workload.succeeded,
                        c,
                        duration,
                    )
                    last_rate[c] = pay_ins.rate
                    echo = _round(
                        "echo", echo_pid, echo_port, next_echo, echo_succeeded, c, duration
                    )
                    results += (pay_ins, echo)
                    if progress:
                        for run in (pay_ins, echo):
                            print(
                                f"{workload.name}: round {n}/{rounds} c={c:<3} {run.side:<7} "
                                f"{run.rate:7.0f}/s  p50 {run.p50_ms:6.2f} ms  "
                                f"p99 {run.p99_ms:6.2f} ms  CPU {run.cpu_us:5.0f} µs/req",
                                flush=True,
                            )
    return results


@dataclass(frozen=True)
class Summary:
    """Medians over the rounds at one connection count, and the ratios to the echo app."""

    connections: int
    rate: float
    echo_rate: float
    p50_ms: float
    echo_p50_ms: float
    p99_ms: float
    echo_p99_ms: float
    cpu_us: float
    echo_cpu_us: float
    ratio: float  # median rate / median echo rate
    ratio_low: float  # lowest and highest round-by-round ratio
    ratio_high: float
    cpu_ratio: float  # echo CPU per request / sandbox CPU per request

    def to_json(self) -> dict[str, Any]:
        verdicts = {f"ratio_at_least_{t}": self.ratio >= t for t in RATIO_TARGETS}
        return {**asdict(self), **verdicts}


def summarise(results: Sequence[Round]) -> list[Summary]:
    summaries = []
    for c in sorted({r.connections for r in results}):
        ours = [r for r in results if r.connections == c and r.side == "sandbox"]
        echo = [r for r in results if r.connections == c and r.side == "echo"]
        pairs = [a.rate / b.rate for a, b in zip(ours, echo, strict=True)]

        def median(runs: list[Round], pick: Callable[[Round], float]) -> float:
            return statistics.median(pick(r) for r in runs)

        rate, echo_rate = median(ours, lambda r: r.rate), median(echo, lambda r: r.rate)
        cpu, echo_cpu = median(ours, lambda r: r.cpu_us), median(echo, lambda r: r.cpu_us)
        summaries.append(
            Summary(
                connections=c,
                rate=rate,
                echo_rate=echo_rate,
                p50_ms=median(ours, lambda r: r.p50_ms),
                echo_p50_ms=median(echo, lambda r: r.p50_ms),
                p99_ms=median(ours, lambda r: r.p99_ms),
                echo_p99_ms=median(echo, lambda r: r.p99_ms),
                cpu_us=cpu,
                echo_cpu_us=echo_cpu,
                ratio=rate / echo_rate,
                ratio_low=min(pairs),
                ratio_high=max(pairs),
                cpu_ratio=echo_cpu / cpu if cpu else 0.0,
            )
        )
    return summaries


def report(title: str, summaries: Sequence[Summary]) -> tuple[str, bool]:
    """The table, and whether the pay-in rate is at least 0.3x the echo app's at every count."""
    lines = [f"{title} vs a bare Starlette JSON echo (medians; ratio range over rounds)"]
    for s in summaries:
        verdicts = "  ".join(
            f">= {t}x: {'PASS' if s.ratio >= t else 'FAIL'}" for t in RATIO_TARGETS
        )
        lines += [
            f"  {s.connections} connections",
            f"    requests/s   sandbox {s.rate:7.0f}  echo {s.echo_rate:7.0f}  "
            f"ratio {s.ratio:.2f}x ({s.ratio_low:.2f}-{s.ratio_high:.2f})  {verdicts}",
            f"    p50          sandbox {s.p50_ms:7.2f} ms  echo {s.echo_p50_ms:7.2f} ms",
            f"    p99          sandbox {s.p99_ms:7.2f} ms  echo {s.echo_p99_ms:7.2f} ms",
            f"    CPU/request  sandbox {s.cpu_us:7.0f} µs  echo {s.echo_cpu_us:7.0f} µs  "
            f"ratio {s.cpu_ratio:.2f}x",
        ]
    return "\n".join(lines), all(s.ratio >= RATIO_TARGETS[0] for s in summaries)


def results_json(
    workload: Workload, results: Sequence[Round], summaries: Sequence[Summary]
) -> dict[str, Any]:
    return {
        "title": workload.title,
        "baseline": "bare Starlette JSON echo (bench/baseline_app.py, POST /echo)",
        "summary": [s.to_json() for s in summaries],
        "rounds": [r.to_json() for r in results],
    }
