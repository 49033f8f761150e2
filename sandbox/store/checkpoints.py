"""WAL checkpoints of a SQLite file database, off the event loop.

In WAL mode every commit appends to the `-wal` file, and a checkpoint copies those pages back
into the database file and syncs it (the one fsync of `synchronous=NORMAL`). SQLite runs one by
itself inside the commit that crosses 1,000 pages, so now and then one request's commit took
milliseconds, on the event loop, for everyone. Here a `Checkpointer` thread with its own
connection runs a PASSIVE checkpoint (it never blocks the writer) every `interval` seconds, and
the serving connection checkpoints by itself only past `BACKSTOP_PAGES`: SQLite starts the WAL
afresh only at a write that finds every frame copied, which writes arriving back to back can
keep from happening; then the serving connection's own checkpoint, with most pages already
copied, is short, and the WAL starts afresh. Durability is unchanged: a commit is durable once
it is in the WAL, whenever its pages are copied.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("sandbox.store")

INTERVAL_S = 0.5
BACKSTOP_PAGES = 10_000  # the serving connection's wal_autocheckpoint (SQLite's default: 1,000)


class Checkpointer:
    def __init__(self, path: str, interval: float = INTERVAL_S) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA busy_timeout = 5000")
        self._interval = interval
        self.runs = 0  # checkpoints done
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._thread.start()

    def checkpoint(self) -> tuple[int, int] | None:
        """One PASSIVE checkpoint: (frames in the WAL, frames copied back), None on failure."""
        try:
            _busy, frames, copied = self._connection.execute(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).fetchone()
        except sqlite3.Error as exc:  # the next one retries; the WAL keeps every commit meanwhile
            log.warning("WAL checkpoint failed: %s", exc)
            return None
        self.runs += 1
        return int(frames), int(copied)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.checkpoint()

    def close(self) -> None:
        """Stop the thread; the serving connection's close then checkpoints what is left."""
        self._stop.set()
        self._thread.join()
        self._connection.close()
