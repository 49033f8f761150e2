"""Shared fixtures: a running sandbox with the defaults, and one on the manual clock.

Modules marked `pytest.mark.postgres` run their tests on both store backends: `store_backend` is
"sqlite" or "postgresql" (ids `[sqlite]`/`[postgresql]`, so `-k postgresql` is the PostgreSQL
sweep), and `db_flags`/`module_db_flags` are the settings naming a fresh database for one test
or one module. Unmarked tests use SQLite only and never start PostgreSQL.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.postgres import PostgresCluster, find_binaries, missing_driver
from support.server import RunningSandbox, run_sandbox

BACKENDS = ["sqlite", "postgresql"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "postgres"
    ):
        metafunc.parametrize("store_backend", BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throw-away PostgreSQL server for this test session (per xdist worker)."""
    bin_dir, reason = find_binaries()
    reason = reason or missing_driver()
    if bin_dir is None or reason:
        pytest.skip(reason)
    cluster = PostgresCluster(bin_dir).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def store_backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


def _database(request: pytest.FixtureRequest, backend: str) -> Iterator[dict[str, str]]:
    if backend == "sqlite":
        yield {}
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database()
    yield {"db": url}
    cluster.drop_database(url)


@pytest.fixture
def db_flags(request: pytest.FixtureRequest, store_backend: str) -> Iterator[dict[str, str]]:
    """The `db` setting for this test: in-memory SQLite, or a new PostgreSQL database."""
    yield from _database(request, store_backend)


@pytest.fixture(scope="module")
def module_db_flags(request: pytest.FixtureRequest, store_backend: str) -> Iterator[dict[str, str]]:
    """The same, shared by a module's module-scoped sandbox."""
    yield from _database(request, store_backend)


@pytest.fixture
def server(db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    """The sandbox with default settings (real clock, in-memory store)."""
    with run_sandbox(db_flags) as running:
        yield running


@pytest.fixture
def manual_server(db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    """The sandbox on the manual clock, starting at a fixed instant."""
    flags = {**db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    with run_sandbox(flags) as running:
        yield running
