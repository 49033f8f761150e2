"""Run `sandbox serve` as a separate process and wait for its ready file: how a CI job (or a
test of the command line) starts the sandbox without scraping the banner."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class SandboxProcess:
    """A `sandbox serve` process: its `url`, `port`, `pid` (from the ready file) and `process`
    (stdout and stderr go to `log`)."""

    url: str
    port: int
    pid: int
    process: subprocess.Popen[bytes]
    log: Path


def wait_for_file(
    path: Path, process: subprocess.Popen[bytes], timeout: float
) -> dict[str, object]:
    """The JSON of `path` once the process has written it; raises if the process exits first."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise RuntimeError(
                f"sandbox serve exited with {process.returncode} before it was ready"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(f"sandbox serve was not ready within {timeout:g} s")
        time.sleep(0.02)  # the process is starting up
    data: dict[str, object] = json.loads(path.read_text())
    return data


@contextmanager
def run_sandbox_process(
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    command: Sequence[str] = (sys.executable, "-m", "sandbox"),
) -> Iterator[SandboxProcess]:
    """`sandbox serve --port 0 --ready-file ... ARGS` until the block ends (then SIGTERM)."""
    with tempfile.TemporaryDirectory(prefix="sandbox-") as folder:
        ready = Path(folder) / "ready.json"
        log = Path(folder) / "serve.log"
        argv = [*command, "serve", "--port", "0", "--ready-file", str(ready), *args]
        with log.open("wb") as output:
            process = subprocess.Popen(
                argv, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
            )
        try:
            info = wait_for_file(ready, process, START_TIMEOUT_S)
            yield SandboxProcess(
                str(info["url"]), int(str(info["port"])), int(str(info["pid"])), process, log
            )
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
