"""Start-up and per-pay-in server cost of two checkouts, in instructions and in wall-clock time.

`python -m bench instructions --before PATH` compares this checkout ("after") with another one
("before", e.g. an older commit in its own worktree). Each checkout runs with its own interpreter,
`PATH/.venv/bin/python`, and is driven only through `sandbox serve` and HTTP, so one driver fits
commits whose Python APIs differ.

Instruction counts come from valgrind's callgrind tool, which counts the instructions the server
process executes: the count does not depend on how busy the machine is, so it is the figure that
can be compared on a shared machine. For each checkout, one `sandbox serve` under callgrind
(file database, the TrustPay merchant with raised limits of bench/trustpay.py, `--seed 1`,
PYTHONHASHSEED=0) is measured in phases, each closed by `callgrind_control --dump` (a dump
writes the count since the previous one and starts a new one):

- start-up: from process start until the server has answered `GET /_sandbox/health` with 200
  (the driver waits for `--ready-file`, which costs the server nothing, then asks once);
- idle: `--idle` seconds without requests, giving the instructions per second of an idle server
  (uvicorn's and the sandbox's own timers), subtracted from the pay-in phase for its duration;
- warm-up: `--warmup` pay-ins (first-request imports, caches and SQLite pages), reported apart;
- pay-ins: `--payins` distinct signed TrustPay Cashier Payins, one after another on one
  keep-alive connection, every answer checked to be code 880001. The per-pay-in figure is
  (pay-in phase - idle rate x its duration) / N.

The request bytes are built once and sent to both checkouts. Under callgrind a pay-in takes tens
of milliseconds, so the journal's few-millisecond commit batching gives each request its own
commit; both checkouts share that batching, so the ratio holds, but the absolute count is that of
an unloaded server.

Then the wall clock: start-up (bench/startup.py's measurement) and pay-in throughput
(bench/trustpay.py's load generator, both servers up, rounds alternating) of both checkouts,
alternately in the same command; ranges are reported, they do not decide the exit status.

Exit status 1 when "after" costs more instructions than "before" by more than `--tolerance`
(start-up or per pay-in), or when valgrind is missing and `--no-callgrind` was not given.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from bench import payin, startup, trustpay

ROOT = Path(__file__).resolve().parents[1]
SUCCESS = b'"code":880001'
TOLERANCE = 0.05
# Both commits serve the three built-in gateways; the newer one would also load any plug
# package installed in its venv (the test venv has a demo one), so it is told which to serve.
# The older commit ignores the variable.
SERVED_GATEWAYS = {"SANDBOX_GATEWAYS": "trustpay,ezpay,goldenpay"}


@dataclass(frozen=True)
class Checkout:
    label: str  # "before" or "after"
    root: Path
    python: Path

    def serve_command(self, *options: str) -> list[str]:
        """`sandbox serve` through this checkout's console script, run by its interpreter."""
        script = self.python.parent / "sandbox"
        return [str(self.python), str(script), "serve", *options]


@dataclass(frozen=True)
class Counts:
    """Instructions executed by one `sandbox serve` under callgrind."""

    startup: int
    idle_per_s: float
    warmup: int
    warmup_requests: int
    payins: int  # the pay-in phase, idle share removed
    payin_requests: int
    in_flight: int = 1  # connections that sent the pay-ins at once

    @property
    def per_payin(self) -> float:
        return self.payins / self.payin_requests


def checkout_at(label: str, root: Path) -> Checkout:
    python = root / ".venv" / "bin" / "python"
    if not python.exists():
        if root.resolve() != ROOT:
            raise SystemExit(f"{label}: no interpreter at {python} (create the checkout's .venv)")
        python = Path(sys.executable)
    return Checkout(label, root.resolve(), python)


def compile_bytecode(checkout: Checkout) -> None:
    """As an installed package has it: no module compiled from source while being measured."""
    subprocess.run(
        [str(checkout.python), "-m", "compileall", "-q", str(checkout.root / "sandbox")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def payin_requests(amount: int, prefix: str) -> list[bytes]:
    """`amount` signed Cashier Payins with distinct order numbers, the same bytes on every call."""
    return [trustpay.cashier_request(f"{prefix}{n}") for n in range(amount)]


def send_all(port: int, requests: Sequence[bytes], connections: int = 1) -> None:
    """Send the requests on `connections` keep-alive connections (request n on connection
    n mod `connections`, each connection one request after another); each must succeed."""

    async def worker(share: Sequence[bytes]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for request in share:
                body = await trustpay._exchange(reader, writer, request)
                if SUCCESS not in body:
                    raise RuntimeError(f"not a created pay-in: {body[:200]!r}")
        finally:
            writer.close()

    async def run() -> None:
        await asyncio.gather(*(worker(requests[n::connections]) for n in range(connections)))

    asyncio.run(run())


# -- callgrind -----------------------------------------------------------------------------------


def parse_dump(text: str) -> tuple[str, int]:
    """(trigger, instructions) of one callgrind output file.

    The trigger is what `callgrind_control --dump=NAME` was given ("dump NAME"), or "Program
    termination"; the count is the first event (Ir) of the `summary:` or `totals:` line.
    """
    trigger, total = "", None
    for line in text.splitlines():
        if line.startswith("desc: Trigger:"):
            trigger = line.removeprefix("desc: Trigger:").strip()
        elif line.startswith(("summary:", "totals:")) and total is None:
            total = int(line.split(":", 1)[1].split()[0])
    if total is None:
        raise ValueError("no summary or totals line in the callgrind output")
    return trigger, total


def read_dumps(out_file: Path) -> dict[str, int]:
    """Instructions per dump name (`--dump=NAME`), from every file callgrind wrote."""
    counts: dict[str, int] = {}
    for path in out_file.parent.glob(out_file.name + "*"):
        trigger, total = parse_dump(path.read_text(encoding="utf-8", errors="replace"))
        counts[trigger.removeprefix("dump ").strip()] = total
    return counts


def dump(pid: int, name: str) -> None:
    subprocess.run(
        ["callgrind_control", f"--dump={name}", str(pid)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_ready(ready_file: Path, process: subprocess.Popen[bytes], timeout: float) -> int:
    """The port from `--ready-file` once the server writes it."""
    deadline = time.monotonic() + timeout
    while True:
        if ready_file.exists():
            try:
                return int(json.loads(ready_file.read_text(encoding="utf-8"))["port"])
            except (ValueError, KeyError):
                pass  # not written yet (older commits write it in one go, but not atomically)
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{process.args} did not become ready")
        time.sleep(0.01)


@contextlib.contextmanager
def sandbox_process(
    checkout: Checkout, folder: Path, wrapper: Sequence[str] = ()
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A healthy `sandbox serve`: fresh file DB, the raised-limits merchant; (process, port)."""
    config = folder / "bench.yaml"
    config.write_text(trustpay.CONFIG, encoding="utf-8")
    ready = folder / "ready.json"
    command = checkout.serve_command(
        *("--port", "0", "--db", str(folder / "bench.db"), "--seed", "1"),
        *("--config", str(config), "--ready-file", str(ready)),
    )
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict and set orders on every run
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [*wrapper, *command], stdout=log, stderr=log, env=env, cwd=folder
        )
        try:
            port = wait_ready(ready, process, timeout=600)
            if startup.health_status(port) != 200:
                raise RuntimeError(f"{checkout.label}: /_sandbox/health did not answer 200")
            yield process, port
        except Exception as exc:
            log.flush()
            tail = (folder / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{checkout.label}: {exc}\n{tail}") from exc
        finally:
            startup.stop_process(process, timeout=120)


def count_instructions(
    checkout: Checkout,
    warmup: Sequence[bytes],
    payins: Sequence[bytes],
    idle_s: float,
    keep: Path | None = None,
    in_flight: int = 1,
) -> Counts:
    """One `sandbox serve` under callgrind: start-up, idle, warm-up and pay-in phases.

    `keep`: a folder to copy the callgrind files into (`callgrind_annotate` reads them);
    `in_flight`: connections sending the pay-ins at once (1: one after another)."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{checkout.label}-") as name:
        folder = Path(name)
        out_file = folder / "callgrind.out"
        wrapper = ["valgrind", "--tool=callgrind", "--quiet", f"--callgrind-out-file={out_file}"]
        with sandbox_process(checkout, folder, wrapper) as (process, port):
            dump(process.pid, "startup")
            started = time.monotonic()
            time.sleep(idle_s)
            dump(process.pid, "idle")
            idle_elapsed = time.monotonic() - started
            send_all(port, warmup)
            dump(process.pid, "warmup")
            started = time.monotonic()
            send_all(port, payins, in_flight)
            payin_elapsed = time.monotonic() - started
            dump(process.pid, "payins")
        counts = read_dumps(out_file)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            for path in folder.glob(out_file.name + "*"):
                shutil.copy(path, keep / f"{checkout.label}.{path.name}")
    idle_per_s = counts["idle"] / idle_elapsed
    return Counts(
        startup=counts["startup"],
        idle_per_s=idle_per_s,
        warmup=counts["warmup"],
        warmup_requests=len(warmup),
        payins=max(0, round(counts["payins"] - idle_per_s * payin_elapsed)),
        payin_requests=len(payins),
        in_flight=in_flight,
    )


def instruction_report(counts: dict[str, Counts], tolerance: float) -> tuple[str, bool]:
    """Side by side, with after/before ratios; whether "after" is within the tolerance."""
    labels = list(counts)
    rows: list[tuple[str, ...]] = [("instructions (callgrind)", *labels)]
    if len(labels) == 2:
        rows[0] = (*rows[0], "after/before", f"<= {1 + tolerance:.2f}")
    ok = True

    def row(name: str, value: Callable[[Counts], float]) -> None:
        nonlocal ok
        cells = [name, *(f"{value(counts[label]):,.0f}" for label in labels)]
        if len(labels) == 2:
            ratio = value(counts["after"]) / value(counts["before"])
            passed = ratio <= 1 + tolerance
            ok = ok and passed
            cells += [f"{ratio:.3f}x", "PASS" if passed else "FAIL"]
        rows.append(tuple(cells))

    first = next(iter(counts.values()))
    row("start-up to healthy", lambda c: c.startup)
    at_once = f", {first.in_flight} connections at once" if first.in_flight > 1 else ""
    row(f"per pay-in (mean of {first.payin_requests}{at_once})", lambda c: c.per_payin)
    rows.append(
        (
            f"first {first.warmup_requests} pay-ins, each (not compared)",
            *(f"{c.warmup / max(1, c.warmup_requests):,.0f}" for c in counts.values()),
        )
    )
    rows.append(
        (
            "idle server, per second (not compared)",
            *(f"{c.idle_per_s:,.0f}" for c in counts.values()),
        )
    )
    return table(rows), ok


# -- wall clock ----------------------------------------------------------------------------------


def wall_startup(checkouts: Sequence[Checkout], runs: int) -> dict[str, list[float]]:
    """bench/startup.py's spawn-to-healthy time, checkouts alternating."""
    seconds: dict[str, list[float]] = {c.label: [] for c in checkouts}
    for n in range(1, runs + 1):
        for checkout in checkouts:
            sample = startup.measure_once(
                lambda port, c=checkout: c.serve_command("--port", str(port)), settle=0
            )
            seconds[checkout.label].append(sample.startup_s)
            print(
                f"instructions: start-up run {n}/{runs} {checkout.label:<6} "
                f"{sample.startup_s:.3f} s",
                flush=True,
            )
    return seconds


class PreparedPayins:
    """Signed pay-ins with order numbers 0, 1, 2, ...: the same bytes for every checkout.

    `prepare` signs a round's worth ahead, so the client's own MD5/JSON work is not timed."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.numbers = count()
        self.ready: list[bytes] = []

    def prepare(self, amount: int) -> None:
        fresh = [
            trustpay.cashier_request(f"{self.prefix}{next(self.numbers)}") for _ in range(amount)
        ]
        self.ready = fresh[::-1] + self.ready  # popped from the end: in number order

    def next(self) -> bytes:
        if self.ready:
            return self.ready.pop()
        return trustpay.cashier_request(f"{self.prefix}{next(self.numbers)}")


@dataclass(frozen=True)
class WallPayins:
    """Per checkout: requests/s of each round and server CPU ms per pay-in (empty off Linux)."""

    rates: list[float]
    cpu_ms: list[float]


PREPARED_PER_SECOND = 4000  # pay-ins signed ahead of a wall-clock round (more than one sends)


@dataclass(frozen=True)
class PayinRound:
    rate: float  # answered pay-ins per second
    p99_ms: float
    requests: int


async def payin_round(
    port: int, next_request: Callable[[], bytes], connections: int, duration: float
) -> PayinRound:
    """bench/payin.py's load generator for `duration` seconds, every answer checked."""
    succeeded = trustpay.CashierPayins().succeeded
    latencies, elapsed = await payin.load(port, next_request, succeeded, connections, duration)
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else 0.0
    return PayinRound(len(latencies) / elapsed, p99, len(latencies))


def wall_payins(
    checkouts: Sequence[Checkout], rounds: int, duration: float, connections: int
) -> dict[str, WallPayins]:
    """bench/trustpay.py's load, both servers up, rounds alternating."""
    results = {c.label: WallPayins([], []) for c in checkouts}
    on_linux = Path("/proc/self/stat").exists()
    with tempfile.TemporaryDirectory() as name, contextlib.ExitStack() as servers:
        started: list[tuple[Checkout, int, int, PreparedPayins]] = []
        for checkout in checkouts:
            folder = Path(name) / checkout.label
            folder.mkdir()
            process, port = servers.enter_context(sandbox_process(checkout, folder))
            started.append((checkout, process.pid, port, PreparedPayins("WALL-")))
        for _, _, port, payins in started:  # warm up: imports, first SQLite pages, connections
            asyncio.run(payin_round(port, payins.next, connections, 0.5))
        for n in range(1, rounds + 1):
            for checkout, pid, port, payins in started:
                payins.prepare(int(PREPARED_PER_SECOND * duration))
                cpu_before = payin.cpu_seconds(pid) if on_linux else 0.0
                run = asyncio.run(payin_round(port, payins.next, connections, duration))
                result = results[checkout.label]
                result.rates.append(run.rate)
                cpu = ""
                if on_linux:
                    spent = payin.cpu_seconds(pid) - cpu_before
                    result.cpu_ms.append(spent * 1000 / run.requests)
                    cpu = f"  server CPU {result.cpu_ms[-1]:.3f} ms per pay-in"
                print(
                    f"instructions: pay-in round {n}/{rounds} {checkout.label:<6} "
                    f"{run.rate:7.0f}/s  p99 {run.p99_ms:5.2f} ms{cpu}",
                    flush=True,
                )
    return results


def wall_report(startup_s: dict[str, list[float]], payins: dict[str, WallPayins]) -> str:
    """Ranges per checkout and the ratio of medians (after/before)."""
    labels = list(startup_s)
    rows: list[tuple[str, ...]] = [("wall clock (alternating runs)", *labels)]
    if len(labels) == 2:
        rows[0] = (*rows[0], "after/before (medians)")

    def row(name: str, values: dict[str, list[float]], unit: str, digits: int) -> None:
        if not all(values.values()):
            return
        cells = [name]
        for label in labels:
            low, high = min(values[label]), max(values[label])
            cells.append(f"{low:.{digits}f}-{high:.{digits}f} {unit}")
        if len(labels) == 2:
            ratio = statistics.median(values["after"]) / statistics.median(values["before"])
            cells.append(f"{ratio:.2f}x")
        rows.append(tuple(cells))

    rounds = len(payins[labels[0]].rates)
    row(f"start-up to healthy ({len(startup_s[labels[0]])} runs)", startup_s, "s", 3)
    row(f"TrustPay pay-ins ({rounds} rounds)", {k: v.rates for k, v in payins.items()}, "/s", 0)
    row("server CPU per pay-in", {k: v.cpu_ms for k, v in payins.items()}, "ms", 3)
    return table(rows)


def table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


# -- command -------------------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench instructions",
        description="Start-up and per-pay-in cost (callgrind instructions, wall clock) of this "
        "checkout next to another one.",
    )
    parser.add_argument("--before", type=Path, help="the other checkout (with its own .venv)")
    parser.add_argument(
        "--after", type=Path, default=ROOT, help="the checkout to judge (default: this one)"
    )
    parser.add_argument("--payins", type=int, default=1000, help="measured pay-ins (default 1000)")
    parser.add_argument("--warmup", type=int, default=50, help="pay-ins before them (default 50)")
    parser.add_argument(
        "--in-flight",
        type=int,
        default=1,
        help="connections sending the measured pay-ins at once (default 1: one after another)",
    )
    parser.add_argument("--idle", type=float, default=2.0, help="idle seconds measured (default 2)")
    parser.add_argument(
        "--tolerance", type=float, default=TOLERANCE, help="allowed excess (default 0.05 = 5 %%)"
    )
    parser.add_argument("--keep", type=Path, help="copy the callgrind files into this folder")
    parser.add_argument("--no-callgrind", action="store_true", help="wall clock only")
    parser.add_argument("--no-wall", action="store_true", help="instruction counts only")
    parser.add_argument("--runs", type=int, default=5, help="wall-clock start-ups each")
    parser.add_argument("--rounds", type=int, default=3, help="wall-clock pay-in rounds each")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per round")
    parser.add_argument("--connections", type=int, default=32)
    if not argv:  # the full `python -m bench` run: minutes under valgrind, so only on request
        print("instructions: skipped in the full run; python -m bench instructions --before PATH")
        return 0
    args = parser.parse_args(argv)

    os.environ.update(SERVED_GATEWAYS)  # for every server this command starts
    checkouts = [checkout_at("after", args.after)]
    if args.before is not None:
        checkouts.insert(0, checkout_at("before", args.before))
    for checkout in checkouts:
        compile_bytecode(checkout)
        print(f"instructions: {checkout.label} = {checkout.root} ({checkout.python})", flush=True)

    ok = True
    if not args.no_callgrind:
        if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
            print("instructions: valgrind (callgrind) is not installed", file=sys.stderr)
            return 1
        warmup = payin_requests(args.warmup, "WARM-")
        payins = payin_requests(args.payins, "INSTR-")
        counts: dict[str, Counts] = {}
        for checkout in checkouts:
            print(f"instructions: {checkout.label} under callgrind ...", flush=True)
            counts[checkout.label] = count_instructions(
                checkout, warmup, payins, args.idle, args.keep, args.in_flight
            )
        report, ok = instruction_report(counts, args.tolerance)
        print(report, flush=True)
    if not args.no_wall:
        seconds = wall_startup(checkouts, args.runs)
        wall = wall_payins(checkouts, args.rounds, args.duration, args.connections)
        print(wall_report(seconds, wall), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
