"""Start-up to healthy and idle RSS: `sandbox serve` next to a bare Starlette app.

Each run spawns the server on a free port and polls GET /_sandbox/health every millisecond; the
time from spawn to the first 200 is the start-up time. Once healthy the process settles briefly,
then its resident set size is read. Sandbox and baseline runs alternate so that drift on a shared
machine hits both alike.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.results import record

STARTUP_TARGET_S = 0.5
RSS_TARGET_MIB = 60.0
MIB = 1024 * 1024

Command = Callable[[int], list[str]]


@dataclass(frozen=True)
class Sample:
    startup_s: float
    rss_bytes: int


def sandbox_command(port: int) -> list[str]:
    """`sandbox serve` through its console script, as a user starts it."""
    script = Path(sys.executable).parent / "sandbox"
    if script.exists():
        return [str(script), "serve", "--port", str(port)]
    return [sys.executable, "-m", "sandbox", "serve", "--port", str(port)]


def baseline_command(port: int) -> list[str]:
    return [sys.executable, str(Path(__file__).with_name("baseline_app.py")), "--port", str(port)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def health_status(port: int) -> int | None:
    """The status code of GET /_sandbox/health, or None while nothing answers."""
    request = b"GET /_sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(request)
            head = conn.recv(64)
    except OSError:
        return None
    parts = head.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def rss_bytes(pid: int) -> int:
    """Resident set size of a live process (/proc on Linux, `ps` elsewhere)."""
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True)
    return int(out.stdout.strip() or 0) * 1024


def measure_once(command: Command, settle: float = 0.5, timeout: float = 30.0) -> Sample:
    """Spawn, poll until healthy, settle, read RSS, stop."""
    port = free_port()
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command(port), stdout=subprocess.DEVNULL, stderr=errors)
        try:
            while health_status(port) != 200:
                if process.poll() is not None or time.perf_counter() - start > timeout:
                    errors.seek(0)
                    tail = errors.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"{command(port)} did not become healthy:\n{tail}")
                time.sleep(0.001)
            elapsed = time.perf_counter() - start
            time.sleep(settle)
            rss = rss_bytes(process.pid)
        finally:
            stop_process(process)
    return Sample(startup_s=elapsed, rss_bytes=rss)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if the process has not ended within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def compare(runs: int, settle: float = 0.5) -> tuple[list[Sample], list[Sample]]:
    """`runs` alternating runs of the sandbox and the baseline, with progress lines."""
    sandbox: list[Sample] = []
    baseline: list[Sample] = []
    for n in range(1, runs + 1):
        for label, command, samples in (
            ("sandbox", sandbox_command, sandbox),
            ("baseline", baseline_command, baseline),
        ):
            sample = measure_once(command, settle)
            samples.append(sample)
            print(
                f"startup: run {n}/{runs} {label:<8} {sample.startup_s:.3f} s  "
                f"{sample.rss_bytes / MIB:.1f} MiB",
                flush=True,
            )
    return sandbox, baseline


def report(sandbox: list[Sample], baseline: list[Sample]) -> tuple[str, bool]:
    """The table, and whether the sandbox meets both targets."""
    startup = [statistics.median(s.startup_s for s in runs) for runs in (sandbox, baseline)]
    rss = [statistics.median(s.rss_bytes for s in runs) / MIB for runs in (sandbox, baseline)]
    rows = [
        ("metric", "sandbox", "baseline", "ratio", "target", "result"),
        (
            f"start-up to healthy (median of {len(sandbox)})",
            f"{startup[0]:.3f} s",
            f"{startup[1]:.3f} s",
            f"{startup[0] / startup[1]:.2f}x",
            f"<= {STARTUP_TARGET_S} s",
            "PASS" if startup[0] <= STARTUP_TARGET_S else "FAIL",
        ),
        (
            f"idle RSS (median of {len(sandbox)})",
            f"{rss[0]:.1f} MiB",
            f"{rss[1]:.1f} MiB",
            f"{rss[0] / rss[1]:.2f}x",
            f"<= {RSS_TARGET_MIB:g} MiB",
            "PASS" if rss[0] <= RSS_TARGET_MIB else "FAIL",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    ok = all(row[-1] == "PASS" for row in rows[1:])
    return "\n".join(line.rstrip() for line in lines), ok


def compile_bytecode() -> None:
    """Measure what an installed sandbox does: with its bytecode compiled.

    `pip install .` (and so the Docker image) compiles every module; an editable checkout gets
    its `.pyc` files on first import, unless PYTHONDONTWRITEBYTECODE is set, in which case every
    start would recompile the whole package from source. Both apps are compiled alike.
    """
    import compileall

    import sandbox

    for folder in (Path(sandbox.__file__).parent, Path(__file__).parent):
        compileall.compile_dir(str(folder), quiet=1)
    print("startup: bytecode compiled for sandbox/ and bench/ (as an installed package has)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench startup",
        description="Start-up to healthy and idle RSS of `sandbox serve` vs a bare Starlette app.",
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument(
        "--settle", type=float, default=0.5, help="seconds idle before reading RSS (default 0.5)"
    )
    args = parser.parse_args(argv)
    compile_bytecode()
    sandbox, baseline = compare(args.runs, args.settle)
    table, ok = report(sandbox, baseline)
    print(table, flush=True)
    record(
        "startup",
        {
            "sandbox": [asdict(s) for s in sandbox],
            "baseline": [asdict(s) for s in baseline],
            "targets": {"startup_s": STARTUP_TARGET_S, "rss_mib": RSS_TARGET_MIB},
            "met": ok,
        },
    )
    return 0 if ok else 1
