"""The fuzz campaign: a bounded slice here; `make fuzz` runs 20,000 requests (FUZZ_REQUESTS)."""

from __future__ import annotations

import os

import pytest
from support.fuzz import Campaign
from support.server import run_sandbox

pytestmark = pytest.mark.postgres

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "1500"))
SEED = int(os.environ.get("FUZZ_SEED", "16"))


def test_malformed_requests_never_fail_the_server_or_change_state(db_flags: dict[str, str]) -> None:
    with run_sandbox(
        {**db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    ) as running:
        report = Campaign(running, SEED).run(REQUESTS)
    print(
        f"fuzz: {report.requests} requests in {report.seconds:.1f} s, {report.accepted} accepted, "
        f"{len(report.server_errors)} x 5xx, {len(report.internal_errors)} internal errors, "
        f"{len(report.dropped)} dropped, {len(report.state_changes)} state changes"
    )
    assert report.requests == REQUESTS
    assert report.problems() == [], "\n".join(report.problems()[:40])
