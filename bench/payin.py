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

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from itertools import count, cycle
from pathlib import Path
from typing import Any, Protocol

from bench.startup import (
    baseline_command,
    free_port,
    health_status,
    sandbox_command,
    stop_process,
)

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
def serve(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[int]:
    """Run a server until the block ends; yields its pid once it answers its health check."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, env=env)
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
            stop_process(process)


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


def export_revision(revision: str, folder: Path) -> Path:
    """The `sandbox` package and scenario library of a git revision, unpacked into `folder`:
    put first on PYTHONPATH, `sandbox serve` runs that code on this checkout's dependencies."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "sandbox", "scenarios"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def measure(
    workload: Workload,
    rounds: int,
    duration: float,
    connections: Sequence[int] = CONNECTIONS,
    progress: bool = True,
    before: Path | None = None,
) -> list[Round]:
    """Alternating rounds of the sandbox and the echo app at each connection count; with
    `before` (a folder from `export_revision`) also of that code, as side "before"."""
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
    last_rate: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as servers:
        sides: list[tuple[str, int, int]] = []  # (side, pid, port) of each sandbox
        for side, code in (("sandbox", None), ("before", before)):
            if side == "before" and code is None:
                continue
            port = free_port()
            data = Path(folder) / side
            data.mkdir()
            env = None
            if code is not None:
                env = {**os.environ, "PYTHONPATH": str(code)}
            command = [*sandbox_command(port), *workload.sandbox_options(data)]
            sides.append((side, servers.enter_context(serve(command, port, env)), port))
        echo_port = free_port()
        echo_pid = servers.enter_context(serve(baseline_command(echo_port), echo_port))
        # warm-up (imports on first use, first SQLite pages); its rate sizes the first round
        warm = min(duration, 0.5)
        for side, pid, port in sides:
            for c in connections:
                prepare(int(2000 * warm))
                run = _round(side, pid, port, next_pay_in, workload.succeeded, c, warm)
                last_rate[side, c] = run.rate
        _round("echo", echo_pid, echo_port, next_echo, echo_succeeded, max(connections), warm)
        for n in range(1, rounds + 1):
            for c in connections:
                done: list[Round] = []
                for side, pid, port in sides:
                    prepare(int(last_rate[side, c] * duration * _PREPARE_MARGIN) + c)
                    run = _round(side, pid, port, next_pay_in, workload.succeeded, c, duration)
                    last_rate[side, c] = run.rate
                    done.append(run)
                done.append(
                    _round("echo", echo_pid, echo_port, next_echo, echo_succeeded, c, duration)
                )
                results += done
                for run in done if progress else ():
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
    for c in sorted({r.connections for r in results if r.side == "sandbox"}):
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


@dataclass(frozen=True)
class Change:
    """This code against the `before` code at one connection count (round by round)."""

    connections: int
    rate_ratio: float  # median of (rate / before's rate) over rounds
    rate_low: float
    rate_high: float
    cpu_ratio: float  # median of (CPU per request / before's) over rounds: below 1 is better
    cpu_low: float
    cpu_high: float
    p99_ms: float
    before_p99_ms: float


def changes(results: Sequence[Round]) -> list[Change]:
    found = []
    for c in sorted({r.connections for r in results if r.side == "before"}):
        ours = [r for r in results if r.connections == c and r.side == "sandbox"]
        old = [r for r in results if r.connections == c and r.side == "before"]
        rates = [a.rate / b.rate for a, b in zip(ours, old, strict=True)]
        cpus = [a.cpu_us / b.cpu_us for a, b in zip(ours, old, strict=True) if b.cpu_us]
        found.append(
            Change(
                connections=c,
                rate_ratio=statistics.median(rates),
                rate_low=min(rates),
                rate_high=max(rates),
                cpu_ratio=statistics.median(cpus) if cpus else 0.0,
                cpu_low=min(cpus, default=0.0),
                cpu_high=max(cpus, default=0.0),
                p99_ms=statistics.median(r.p99_ms for r in ours),
                before_p99_ms=statistics.median(r.p99_ms for r in old),
            )
        )
    return found


def change_report(revision: str, found: Sequence[Change]) -> str:
    lines = [f"  against {revision} (same run, rounds alternating; ranges over rounds)"]
    for c in found:
        lines.append(
            f"    {c.connections} connections: requests/s x{c.rate_ratio:.2f} "
            f"({c.rate_low:.2f}-{c.rate_high:.2f}), CPU/request x{c.cpu_ratio:.2f} "
            f"({c.cpu_low:.2f}-{c.cpu_high:.2f}), p99 {c.before_p99_ms:.1f} -> {c.p99_ms:.1f} ms"
        )
    return "\n".join(lines)


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


@dataclass
class Outcome:
    """A finished command-line run: the figures, the printed table and the results section."""

    results: list[Round]
    summaries: list[Summary]
    table: str
    ok: bool
    section: dict[str, Any]


def run_cli(workload: Workload, argv: Sequence[str], duration: float = 3.0) -> Outcome:
    """`python -m bench <gateway> [--rounds N] [--duration S] [--connections N ...]
    [--before REV]`: measure, print the table (and the change against REV)."""
    parser = argparse.ArgumentParser(
        prog=f"python -m bench {workload.name}",
        description=f"{workload.title} vs a bare Starlette JSON echo.",
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument(
        "--duration", type=float, default=duration, help=f"seconds per round (default {duration})"
    )
    parser.add_argument(
        "--connections", type=int, nargs="+", default=list(CONNECTIONS), metavar="N"
    )
    parser.add_argument(
        "--before",
        metavar="REV",
        help="also run this git revision's sandbox code, alternating, and report the change",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as code:
        before = export_revision(args.before, Path(code)) if args.before else None
        results = measure(workload, args.rounds, args.duration, args.connections, before=before)
    summaries = summarise(results)
    table, ok = report(workload.title, summaries)
    section = results_json(workload, results, summaries)
    if args.before:
        found = changes(results)
        table += "\n" + change_report(args.before, found)
        section["before"] = {"revision": args.before, "changes": [asdict(c) for c in found]}
    return Outcome(results, summaries, table, ok, section)
