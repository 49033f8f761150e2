"""Counters shared by replicas on one database (rows of `meta`): each call takes the next value
in one statement, so two replicas never hand out the same number (GoldenPay's daily order ids,
TrustPay's virtual card ids, the count of sandbox starts that makes a seed's streams distinct).
One process on SQLite keeps such counters in memory and never calls these."""

from __future__ import annotations

from collections.abc import Callable

from sandbox.store.database import Store

_PREFIX = "sequence."
_INCREMENT = "CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)"


def take_next(store: Store, name: str, first: Callable[[], int]) -> int:
    """The next value of counter `name`, one more than the last handed out by any replica;
    `first()` when the counter has none yet (asked only then). A reset forgets it."""
    return increment(store, _PREFIX + name, first)


def increment(store: Store, key: str, first: Callable[[], int]) -> int:
    """The same for the `meta` row `key` itself (a count a reset must not forget)."""
    row = store.fetchone(
        f"UPDATE meta SET value = {_INCREMENT} WHERE key = ? RETURNING value", (key,)
    )
    if row is None:  # a replica starting the counter at the same time makes this an increment
        row = store.fetchone(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            f"ON CONFLICT (key) DO UPDATE SET value = {_INCREMENT} RETURNING value",
            (key, str(first())),
        )
    assert row is not None, "an upsert with RETURNING returns its row"
    return int(row["value"])


def forget_counters(store: Store, prefix: str = "") -> None:
    """Drop the `take_next` counters whose name starts with `prefix` (by default all of them):
    each starts again from `first()`."""
    low = _PREFIX + prefix
    store.execute("DELETE FROM meta WHERE key >= ? AND key < ?", (low, low + "\U0010ffff"))
