"""A database migrated only up to an older schema version (what an older sandbox left behind),
on either backend, to check what a newer migration does to the rows it finds."""

from __future__ import annotations

from sandbox.store import Store
from sandbox.store.database import SqliteStore, statements
from sandbox.store.migrations import MIGRATIONS, postgres_migrations


def store_at_version(target: str, last: int) -> Store:
    """`target` (a SQLite path or a PostgreSQL URL) with migrations up to `last` applied."""
    if target.startswith("postgresql"):
        import psycopg
        from psycopg.rows import dict_row

        from sandbox.store.postgres import PostgresStore

        connection = psycopg.connect(target, autocommit=True, row_factory=dict_row)
        pg = PostgresStore(connection, target)
        pg.execute(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, "
            "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        for version, script in postgres_migrations():
            if version <= last:
                with pg.transaction():
                    for statement in statements(script):
                        pg.execute(statement)
                    pg.execute("INSERT INTO schema_migrations (version) VALUES (?)", (version,))
        return pg
    import sqlite3

    connection = sqlite3.connect(target, isolation_level=None)
    connection.row_factory = sqlite3.Row
    lite = SqliteStore(connection, target)
    for version, script in MIGRATIONS:
        if version <= last:
            with lite.transaction():
                for statement in statements(script):
                    lite.execute(statement)
                lite.execute(f"PRAGMA user_version = {version}")
    return lite
