"""A throw-away PostgreSQL cluster for the tests: `initdb` + `pg_ctl` in a temporary folder.

The server listens on a unix socket in that folder only (no TCP), trusts local connections, and
runs without fsync: it lives for one test session. PostgreSQL refuses to run as root, so under
root the cluster belongs to the `postgres` user and its commands run through `runuser`.
`find_binaries` says why there is no cluster (the tests skip with that reason).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from support.server import free_socket

USER = "sandbox"
SERVER_USER = "postgres"  # the account that owns the cluster when the tests run as root


def find_binaries() -> tuple[Path | None, str]:
    """The folder holding initdb and pg_ctl, or None and the reason."""
    candidates = [shutil.which("initdb"), *sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))]
    for initdb in candidates:
        if initdb and Path(initdb).with_name("pg_ctl").exists():
            return Path(os.path.realpath(initdb)).parent, ""
    return None, "PostgreSQL's initdb/pg_ctl are not installed (Debian: apt-get install postgresql)"


def missing_driver() -> str:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    return ""


def database_name(url: str) -> str:
    """The database a cluster URL of `PostgresCluster.url` names."""
    return urlsplit(url).path.lstrip("/")


@dataclass
class PostgresCluster:
    bin_dir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sandbox-pg-")))
    port: int = 0
    _names: itertools.count[int] = field(default_factory=itertools.count)
    _template: str = ""

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *command: str) -> None:
        argv = [str(self.bin_dir / command[0]), *command[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", SERVER_USER, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(argv)} failed:\n{result.stderr}{result.stdout}{tail}")

    def start(self) -> PostgresCluster:
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        with free_socket() as probe:  # a port number nobody uses (it names the socket file)
            self.port = probe.getsockname()[1]
        self._run("initdb", "-D", str(self.data), "-U", USER, "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-o", options, "-w", "-t", "30", "start")  # fmt: skip
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@/{database}?host={self.root}&port={self.port}"

    def create_database(self, *, empty: bool = False) -> str:
        """A new database; returns its URL. Unless `empty`, it is a copy of a template the
        store's migrations were applied to once for this cluster: copying a database is much
        cheaper than running every migration again for each test."""
        import psycopg

        name = f"sandbox_{os.getpid()}_{next(self._names)}"
        template = "" if empty else self._migrated_template()
        clause = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"{clause}')
        return self.url(name)

    def _migrated_template(self) -> str:
        if not self._template:
            from sandbox.store import open_store

            url = self.create_database(empty=True)
            open_store(url).close()  # no connection may stay open on a template being copied
            self._template = database_name(url)
        return self._template

    def drop_database(self, url: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
