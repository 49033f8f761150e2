"""`sandbox serve` as a real child process: started, its banner read, reachable."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import httpx

SANDBOX = [sys.executable, "-m", "sandbox"]


def spawn_serve(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    """(process, base URL, banner) of `sandbox serve --port 0 ARGS`, once it answers health."""
    process = subprocess.Popen(
        [*SANDBOX, "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("Press Ctrl+C"):
        line = process.stdout.readline()
        assert line, "".join(lines)  # the banner ends with the Ctrl+C hint
        lines.append(line)
    banner = "".join(lines)
    found = re.search(r"URL\s+(http://127\.0\.0\.1:\d+)", banner)
    assert found, banner
    url = found.group(1)
    for _ in range(250):
        try:
            httpx.get(f"{url}/_sandbox/health", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.02)  # the process is still starting (not a callback wait)
    return process, url, banner
