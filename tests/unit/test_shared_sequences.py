"""Counters shared by replicas (`store/sequences.py`, PostgreSQL): two connections taking from
one counter at once never get the same value, and a forgotten counter starts again; the same
holds for a raw `meta` count (the replicas' starts), which forgetting the counters leaves."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sandbox.store import Store
from sandbox.store.sequences import forget_counters, increment, take_next

TAKES = 200


def test_two_connections_taking_at_once_get_distinct_consecutive_values(
    stores: list[Store],
) -> None:
    asked: list[str] = []

    def first() -> int:
        asked.append("first")
        return 7

    def take(store: Store) -> list[int]:
        return [take_next(store, "gw.C20260312", first) for _ in range(TAKES)]

    with ThreadPoolExecutor(2) as pool:
        taken = [v for values in pool.map(take, stores) for v in values]
    assert sorted(taken) == list(range(7, 7 + 2 * TAKES))
    assert 1 <= len(asked) <= 2  # only while the counter had no row yet
    assert take_next(stores[0], "gw.P20260312", lambda: 1) == 1  # another counter, its own


def test_a_forgotten_counter_starts_again_and_others_stay(stores: list[Store]) -> None:
    store = stores[0]
    for _ in range(3):
        take_next(store, "gw.C20260312", lambda: 1)
    take_next(store, "other.C20260312", lambda: 1)
    forget_counters(store, "gw.")
    assert take_next(store, "gw.C20260312", lambda: 40) == 40
    assert take_next(store, "other.C20260312", lambda: 1) == 2


def test_a_raw_meta_count_is_taken_once_per_caller_and_never_forgotten(
    stores: list[Store],
) -> None:
    # How replicas count their starts (the seed's stream of each): `seed.starts` itself.
    stores[0].set_meta("seed.starts", "3")  # counted by a sandbox before this one

    def take(store: Store) -> list[int]:
        return [increment(store, "seed.starts", lambda: 1) for _ in range(TAKES)]

    with ThreadPoolExecutor(2) as pool:
        taken = [v for values in pool.map(take, stores) for v in values]
    assert sorted(taken) == list(range(4, 4 + 2 * TAKES))
    forget_counters(stores[0])  # a reset forgets the id counters, not this count
    assert stores[1].get_meta("seed.starts") == str(3 + 2 * TAKES)
