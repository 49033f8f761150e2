"""`bench-results.json`: every benchmark's figures from the last `make bench`, as JSON.

Each benchmark stores its section under its own name (`record("trustpay", {...})`); sections of
benchmarks not run this time stay as they were. The file (in the current directory, or at
`BENCH_RESULTS`) is a result of a run, never committed.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

DEFAULT_PATH = "bench-results.json"


def results_path() -> Path:
    return Path(os.environ.get("BENCH_RESULTS", DEFAULT_PATH))


def _read(path: Path) -> dict[str, Any]:
    try:
        existing = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return existing if isinstance(existing, dict) else {}


def _write(path: Path, results: dict[str, Any]) -> None:
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def record_exit(name: str, status: int) -> None:
    """Add a benchmark's exit status (0: its targets met) to its section, made if missing."""
    path = results_path()
    existing = _read(path)
    section = existing.get(name)
    existing[name] = {**(section if isinstance(section, dict) else {}), "exit_status": status}
    _write(path, existing)


def record(name: str, section: dict[str, Any]) -> Path:
    """Store `section` as the results of benchmark `name`; returns the file written."""
    path = results_path()
    existing = _read(path)
    existing[name] = {
        **section,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    _write(path, existing)
    return path
