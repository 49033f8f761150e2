"""The store's connection, the unit of work, migrations, and the small key/value `meta` table.

`Store` is what every store module takes: `execute`/`fetchone`/`fetchall` with `?` placeholders,
`insert` (returns the new row's `seq`), and `transaction()`, the one unit-of-work helper: the
caller opens it around everything one request or one job changes, and the store modules'
functions join it (they never commit on their own). Blocks nest; the outermost one commits, and
any exception rolls everything back.

`open_store` picks the backend from its target: a path (or `sqlite:///path`, or `:memory:`) is the
embedded SQLite default, `postgresql://...` the PostgreSQL backend (`sandbox/store/postgres.py`).

All access happens on the server's event-loop thread: SQLite calls on a local file take
microseconds, so there is no thread hop per request. A file database runs in WAL mode with
`synchronous=NORMAL`: commits do not fsync one by one, yet a crash loses at most the last
moments and never corrupts the file; its checkpoints (the copy back into the file, and its
sync) run in a thread of their own (`sandbox/store/checkpoints.py`), not inside a request.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from sandbox.store.checkpoints import BACKSTOP_PAGES, Checkpointer
from sandbox.store.dialects import Dialect
from sandbox.store.migrations import MIGRATIONS

MEMORY = ":memory:"
SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")


class Row(Protocol):
    """A stored row as the store modules read it: columns by name (`row["status"]`)."""

    def __getitem__(self, key: str, /) -> Any: ...


class StoreError(RuntimeError):
    """The database cannot be opened or migrated; the message says which one and why."""


class Store:
    """The backend-neutral part; `SqliteStore` and `PostgresStore` run the statements."""

    dialect: Dialect = "sqlite"
    # Whether several sandbox processes may share this database (and so lease their work).
    shared: bool = False

    def __init__(self, path: str) -> None:
        self.path = path
        self._depth = 0
        # Told of every order written (`store.orders`), e.g. to publish an event; None: nobody.
        self.order_observer: Callable[[Any], None] | None = None

    @property
    def is_memory(self) -> bool:
        return self.path == MEMORY

    @property
    def in_transaction(self) -> bool:
        """Whether a `transaction()` block is open (what is written now joins its commit)."""
        return self._depth > 0

    @property
    def schema_version(self) -> int:
        raise NotImplementedError

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT into a table keyed by `seq`; returns the new row's `seq`."""
        raise NotImplementedError

    def insert_unless_conflict(self, sql: str, params: Sequence[Any] = ()) -> int | None:
        """Run one `INSERT ... ON CONFLICT DO NOTHING` into a table keyed by `seq`; returns the
        new row's `seq`, or None when a conflicting row kept it out."""
        raise NotImplementedError

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        raise NotImplementedError

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    def _begin(self) -> None:
        raise NotImplementedError

    def _end(self, commit: bool) -> None:
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All or nothing; nests (the outermost block commits)."""
        if self._depth == 0:
            self._begin()
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._end(commit=False)
            raise
        self._depth -= 1
        if self._depth == 0:
            self._end(commit=True)

    def get_meta(self, key: str) -> str | None:
        row = self.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        self.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def clear(self, tables: Sequence[str], only: tuple[str, str] | None = None) -> None:
        """Empty `tables` (per-merchant tables), or only one (gateway, merchant)'s rows."""
        for table in tables:
            if only is None:
                self.execute(f"DELETE FROM {table}")
            else:
                self.execute(f"DELETE FROM {table} WHERE gateway = ? AND merchant_id = ?", only)

    def ping(self) -> bool:
        try:
            self.fetchone("SELECT 1 AS one")
        except Exception:  # any driver's error means the database is not answering
            return False
        return True

    def close(self) -> None:
        raise NotImplementedError


class SqliteStore(Store):
    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        super().__init__(path)
        self.connection = connection
        self.checkpointer: Checkpointer | None = None

    @property
    def schema_version(self) -> int:
        return int(self.connection.execute("PRAGMA user_version").fetchone()[0])

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.connection.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.connection.executemany(sql, rows)

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(self.connection.execute(sql, params).lastrowid or 0)

    def insert_unless_conflict(self, sql: str, params: Sequence[Any] = ()) -> int | None:
        cursor = self.connection.execute(sql, params)
        return int(cursor.lastrowid or 0) if cursor.rowcount > 0 else None

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: sqlite3.Row | None = self.connection.execute(sql, params).fetchone()
        return row

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(self.connection.execute(sql, params).fetchall())

    def _begin(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def _end(self, commit: bool) -> None:
        self.connection.execute("COMMIT" if commit else "ROLLBACK")

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
            self.checkpointer = None
        self.connection.close()


def is_postgres_target(target: str) -> bool:
    return urlsplit(target).scheme in POSTGRES_SCHEMES


def shown_target(target: str) -> str:
    """The database as a banner may print it: a URL's password replaced by `***`."""
    if not is_postgres_target(target):
        return target
    parts = urlsplit(target)
    if parts.password is None:
        return target
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def open_store(target: str = MEMORY) -> Store:
    """Open (creating if needed) and migrate the database `target` names: a SQLite path (or
    `sqlite:///path`), or a `postgresql://` URL."""
    if is_postgres_target(target):
        from sandbox.store.postgres import open_postgres  # the optional driver, on use only

        return open_postgres(target)
    return open_sqlite(target.removeprefix(SQLITE_PREFIX) or MEMORY)


def open_sqlite(path: str = MEMORY) -> SqliteStore:
    if path != MEMORY:
        parent = Path(path).expanduser().resolve().parent
        if not parent.is_dir():
            raise StoreError(f"database {path}: folder {parent} does not exist")
    try:
        connection = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, cached_statements=256
        )
        connection.row_factory = sqlite3.Row
        if path != MEMORY:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA busy_timeout = 5000")
        connection.execute("PRAGMA foreign_keys = ON")
        store = SqliteStore(connection, path)
        migrate(store)
        if path != MEMORY:
            connection.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
            store.checkpointer = Checkpointer(path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"database {path}: {exc}") from None
    return store


def check_version(store: Store, current: int) -> None:
    latest = MIGRATIONS[-1][0]
    if current > latest:
        raise StoreError(
            f"database {shown_target(store.path)}: schema version {current} is newer than this "
            f"sandbox understands ({latest}); use a newer sandbox or another database"
        )


def migrate(store: SqliteStore) -> None:
    current = store.schema_version
    check_version(store, current)
    for version, script in MIGRATIONS:
        if version <= current:
            continue
        with store.transaction():
            for statement in statements(script):
                store.execute(statement)
            store.execute(f"PRAGMA user_version = {int(version)}")


def statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
