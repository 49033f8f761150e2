"""The PostgreSQL backend of the store: `SANDBOX_DB=postgresql://user:pass@host/db`.

The same store API and the same migrations as SQLite, on one psycopg 3 connection owned by the
server process and used from its event-loop thread (as the SQLite one is): a statement to a
nearby server takes a fraction of a millisecond, and the outbox and the journal already write in
batches. Statements arrive in the store's SQLite-flavoured text and are translated once each
(`dialects.postgres_statement`); rows come back as dicts, read by column name as before.

PostgreSQL text cannot hold the NUL character, which SQLite text can: a NUL in a value is sent
as U+FFFD (the replacement character), so a look-up by an id holding one finds nothing, as on
SQLite, instead of failing.

Migrations run under one advisory lock, so replicas starting together on one database apply
each version exactly once; the applied versions are rows of `schema_migrations`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.adapt import Dumper
from psycopg.rows import dict_row

from sandbox.store.database import Row, Store, StoreError, check_version, shown_target, statements
from sandbox.store.dialects import Dialect, postgres_statement
from sandbox.store.migrations import postgres_migrations

# Every sandbox on a database takes this advisory lock around its migrations.
MIGRATION_LOCK = 0x5A4E4458

_INT8 = psycopg.postgres.types["int8"].oid
_NUL, _NUL_STAND_IN = "\x00", "\ufffd"


class _BoolAsInteger(Dumper):
    """Flags are 0/1 integers in the schema (as SQLite stores a Python bool)."""

    oid = _INT8

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


def _sendable(params: Sequence[Any]) -> Sequence[Any]:
    """`params` with NUL in text replaced (most have none: one scan, no copy)."""
    if not any(isinstance(value, str) and _NUL in value for value in params):
        return params
    return [v.replace(_NUL, _NUL_STAND_IN) if isinstance(v, str) else v for v in params]


class PostgresStore(Store):
    dialect: Dialect = "postgresql"
    shared: bool = True

    def __init__(self, connection: psycopg.Connection[dict[str, Any]], url: str) -> None:
        super().__init__(url)
        self.connection = connection

    @property
    def schema_version(self) -> int:
        row = self.fetchone(
            "SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations"
            if self._has_migrations_table()
            else "SELECT 0 AS version"
        )
        return int(row["version"]) if row is not None else 0

    def _has_migrations_table(self) -> bool:
        row = self.fetchone("SELECT to_regclass('schema_migrations') IS NOT NULL AS found")
        return bool(row is not None and row["found"])

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.connection.execute(postgres_statement(sql), _sendable(params)).rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with self.connection.cursor() as cursor:
            cursor.executemany(postgres_statement(sql), [_sendable(row) for row in rows])

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        statement = postgres_statement(sql + " RETURNING seq")
        row = self.connection.execute(statement, _sendable(params)).fetchone()
        if row is None:
            raise StoreError(f"database {shown_target(self.path)}: the insert returned no row")
        return int(row["seq"])

    def insert_unless_conflict(self, sql: str, params: Sequence[Any] = ()) -> int | None:
        statement = postgres_statement(sql + " RETURNING seq")
        row = self.connection.execute(statement, params).fetchone()
        return None if row is None else int(row["seq"])

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self.connection.execute(postgres_statement(sql), _sendable(params)).fetchone()

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows = self.connection.execute(postgres_statement(sql), _sendable(params)).fetchall()
        return list(rows)

    def _begin(self) -> None:
        self.connection.execute("BEGIN")

    def _end(self, commit: bool) -> None:
        self.connection.execute("COMMIT" if commit else "ROLLBACK")

    def close(self) -> None:
        self.connection.close()


def open_postgres(url: str) -> PostgresStore:
    """Connect to `url` and bring its schema up to date."""
    try:
        connection = psycopg.connect(url, autocommit=True, row_factory=dict_row)
    except psycopg.Error as exc:
        raise StoreError(f"database {shown_target(url)}: {exc}".strip()) from None
    connection.adapters.register_dumper(bool, _BoolAsInteger)
    store = PostgresStore(connection, url)
    try:
        migrate(store)
    except psycopg.Error as exc:
        store.close()
        raise StoreError(f"database {shown_target(url)}: {exc}".strip()) from None
    return store


def migrate(store: PostgresStore) -> None:
    store.execute(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
    try:
        store.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        current = store.schema_version
        check_version(store, current)
        for version, script in postgres_migrations():
            if version <= current:
                continue
            with store.transaction():
                for statement in statements(script):
                    store.execute(statement)
                store.execute("INSERT INTO schema_migrations (version) VALUES (?)", (version,))
    finally:
        store.execute(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
