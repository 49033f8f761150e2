"""The SQLite connection, the unit of work, migrations, and the small key/value `meta` table.

`Store.transaction()` is the one unit-of-work helper: the caller opens it around everything one
request or one job changes, and the store modules' functions join it (they never commit on their
own). Blocks nest; the outermost one commits, and any exception rolls everything back.

All access happens on the server's event-loop thread: SQLite calls on a local file take
microseconds, so there is no thread hop per request. A file database runs in WAL mode with
`synchronous=NORMAL`: commits do not fsync one by one, yet a crash loses at most the last
moments and never corrupts the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sandbox.store.migrations import MIGRATIONS

MEMORY = ":memory:"

# A stored row as the store modules read it: columns by name (`row["status"]`).
Row = sqlite3.Row


class StoreError(RuntimeError):
    """The database cannot be opened or migrated; the message says which file and why."""


class Store:
    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self.connection = connection
        self.path = path
        self._depth = 0

    @property
    def is_memory(self) -> bool:
        return self.path == MEMORY

    @property
    def schema_version(self) -> int:
        return int(self.connection.execute("PRAGMA user_version").fetchone()[0])

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> sqlite3.Cursor:
        return self.connection.executemany(sql, rows)

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.connection.execute(sql, params).fetchone()
        return row

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.connection.execute(sql, params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All or nothing; nests (the outermost block commits)."""
        if self._depth == 0:
            self.connection.execute("BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self.connection.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            self.connection.execute("COMMIT")

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
            self.execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def close(self) -> None:
        self.connection.close()


def open_store(path: str = MEMORY) -> Store:
    """Open (creating if needed) and migrate the database at `path`."""
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
        store = Store(connection, path)
        migrate(store)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"database {path}: {exc}") from None
    return store


def migrate(store: Store) -> None:
    current = store.schema_version
    latest = MIGRATIONS[-1][0]
    if current > latest:
        raise StoreError(
            f"database {store.path}: schema version {current} is newer than this sandbox "
            f"understands ({latest}); use a newer sandbox or another file"
        )
    for version, script in MIGRATIONS:
        if version <= current:
            continue
        with store.transaction():
            for statement in _statements(script):
                store.execute(statement)
            store.execute(f"PRAGMA user_version = {int(version)}")


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
