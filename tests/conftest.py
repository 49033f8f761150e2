"""Shared fixtures: a running sandbox with the defaults, and one on the manual clock."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.server import RunningSandbox, run_sandbox


@pytest.fixture
def server() -> Iterator[RunningSandbox]:
    """The sandbox with default settings (real clock, in-memory store)."""
    with run_sandbox() as running:
        yield running


@pytest.fixture
def manual_server() -> Iterator[RunningSandbox]:
    """The sandbox on the manual clock, starting at a fixed instant."""
    with run_sandbox({"clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}) as running:
        yield running
