"""A file database's WAL checkpoints run on their own thread, never inside a commit."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sandbox.store.checkpoints import BACKSTOP_PAGES, Checkpointer
from sandbox.store.database import SqliteStore, open_sqlite


def wal_pages(path: str) -> int:
    """How many pages the `-wal` file holds (SQLite reuses it from the start after each
    complete checkpoint, so with checkpoints inside commits it stays near 1,000)."""
    return Path(path + "-wal").stat().st_size // 4096


def write_pages(store: SqliteStore, rows: int) -> None:
    store.execute("CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, body TEXT)")
    for n in range(rows):
        with store.transaction():
            store.insert("INSERT INTO filler (body) VALUES (?)", (f"{n:06d}" + "x" * 3000,))


def test_commits_never_checkpoint_and_the_checkpointer_copies_the_wal_back(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "s.db")
    store = open_sqlite(path)
    assert store.checkpointer is not None
    assert store.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == BACKSTOP_PAGES
    store.checkpointer.close()
    store.checkpointer = Checkpointer(path, interval=3600)  # only when asked, in this test
    write_pages(store, 1500)  # past SQLite's own 1,000-page checkpoint
    assert wal_pages(path) > 3000  # no commit checkpointed
    result = store.checkpointer.checkpoint()
    assert result is not None and result[0] > 3000 and result[1] == result[0]
    store.close()
    reopened = open_sqlite(str(tmp_path / "s.db"))
    assert reopened.fetchone("SELECT count(*) AS n FROM filler")["n"] == 1500  # type: ignore[index]
    reopened.close()


def test_the_thread_checkpoints_on_its_own(tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")
    store = open_sqlite(path)
    assert store.checkpointer is not None
    store.checkpointer.close()
    checkpointer = store.checkpointer = Checkpointer(path, interval=0.01)
    write_pages(store, 20)
    deadline = time.monotonic() + 10
    while checkpointer.runs < 2 and time.monotonic() < deadline:
        time.sleep(0.01)  # a thread of its own: nothing to wait on but its count
    assert checkpointer.runs >= 2
    store.close()


def test_closing_the_store_stops_its_checkpoint_thread(tmp_path: Path) -> None:
    before = {t.ident for t in threading.enumerate() if t.name == "sqlite-checkpoints"}
    store = open_sqlite(str(tmp_path / "s.db"))
    running = [t for t in threading.enumerate() if t.name == "sqlite-checkpoints"]
    [mine] = [t for t in running if t.ident not in before]
    store.close()
    assert not mine.is_alive()


def test_an_in_memory_database_has_no_checkpoint_thread() -> None:
    assert open_sqlite(":memory:").checkpointer is None
