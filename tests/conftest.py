"""Shared fixtures: a running sandbox with the defaults, and one on the manual clock.

Modules marked `pytest.mark.postgres` run their tests on both store backends: `store_backend` is
"sqlite" or "postgresql" (ids `[sqlite]`/`[postgresql]`, so `-k postgresql` is the PostgreSQL
sweep), and `db_flags`/`module_db_flags` are the settings naming a fresh database for one test
or one module (`db_args`/`db_env` give the same to a `sandbox serve` process as `--db` or
`SANDBOX_DB`). Unmarked tests use SQLite only and never start PostgreSQL.

Every integration module that starts a sandbox is marked. The unmarked ones start none, or pick
their database themselves, by decision:
- PostgreSQL only by nature: test_postgres_replicas.py, test_scale_out_example.py.
- No sandbox at all: the check against reference handlers or the example shop
  (test_check_docs.py, test_check_examples.py, test_check_handlers.py, test_check_report.py),
  page and help text (test_gateway_docs.py, test_scenario_selection_help.py), `sandbox serve`
  refusing bad settings before it opens a store (test_scenarios_cli.py).
- The benchmark smoke tests (test_*bench*.py): their figures are of the SQLite store (the
  replicas benchmark, which has a PostgreSQL side, runs on the session cluster).
- test_dockerfile.py: the image installs the package without the `postgres` extra and keeps
  its SQLite file on the volume (PostgreSQL in containers is examples/scale-out).
In marked modules, tests of the pytest plugin's own started sandbox (always in memory) stay on
SQLite; the plugin's tests of a sandbox reached by `--sandbox-url` run on both.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.postgres import PostgresCluster, find_binaries, missing_driver
from support.receiver import Receiver, run_receiver
from support.server import RunningSandbox, run_sandbox

from sandbox.testing.plugin import SandboxServer, server_flags

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


@pytest.fixture
def database(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """The URL of a new database on the session's PostgreSQL server (dropped afterwards)."""
    url = postgres_cluster.create_database()
    yield url
    postgres_cluster.drop_database(url)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A merchant's callback endpoint on a free loopback port, answering 200 with its default
    body; modules that need another answer define their own `receiver`."""
    with run_receiver() as running:
        yield running


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
def db_args(db_flags: dict[str, str]) -> list[str]:
    """The same for a `sandbox serve` process: its `--db` flag (none for SQLite)."""
    return ["--db", db_flags["db"]] if db_flags else []


@pytest.fixture
def db_env(db_flags: dict[str, str]) -> dict[str, str]:
    """The same as the `SANDBOX_DB` environment variable of a process that starts a sandbox."""
    return {"SANDBOX_DB": db_flags["db"]} if db_flags else {}


@pytest.fixture(scope="module")
def sandbox_server(
    sandbox_server: SandboxServer, store_backend: str, request: pytest.FixtureRequest
) -> Iterator[SandboxServer]:
    """The pytest plugin's session sandbox, or in a PostgreSQL variant one on a new database
    (the plugin's own flags, this module's database)."""
    if store_backend == "sqlite":
        yield sandbox_server
        return
    flags = {**server_flags(request.config), **request.getfixturevalue("module_db_flags")}
    with run_sandbox(flags) as running:
        yield SandboxServer(running.url, running.settings.admin_token, running, flags)


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
