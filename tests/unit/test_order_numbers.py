"""A merchant's order number is unique per number space, enforced by the database on both
backends: the second insert raises `DuplicateOrder` and stores nothing, other spaces, merchants
and gateways are free, rows without a space never conflict, and a transaction that met a
taken number stays usable. On PostgreSQL, two connections inserting the same number at once
store it once. Migration 13 fills the space of rows stored before, duplicates included."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from support.postgres import PostgresCluster
from support.schema import store_at_version

from sandbox.gateways.orders import DuplicateOrder, Order, insert_order, new_order
from sandbox.store import Store, open_store

NOW = datetime(2026, 3, 12, 8, 30, tzinfo=UTC)
_ids = iter(range(1, 10**9))


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database of either backend (PostgreSQL skips when its binaries are absent)."""
    if request.param == "sqlite":
        yield str(tmp_path / "sandbox.db")
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database()
    yield url
    cluster.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database of either backend with no migration applied yet."""
    if request.param == "sqlite":
        yield str(tmp_path / "sandbox.db")
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database(empty=True)
    yield url
    cluster.drop_database(url)


@pytest.fixture
def store(target: str) -> Iterator[Store]:
    opened = open_store(target)
    yield opened
    opened.close()


def order(
    number: str,
    space: str | None,
    *,
    merchant: str = "m1",
    gateway: str = "ezpay",
    kind: str = "payment",
) -> Order:
    return new_order(
        gateway,
        merchant,
        kind,
        platform_id=f"P{next(_ids)}",
        merchant_order_id=number,
        amount=Decimal("10.00"),
        currency="IDR",
        status="PENDING",
        now=NOW,
        number_space=space,
    )


def count(store: Store, table: str) -> int:
    row = store.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
    assert row is not None
    return int(row["n"])


def test_a_number_taken_in_its_space_is_refused_and_nothing_is_stored(store: Store) -> None:
    with store.transaction():
        first = insert_order(store, order("N-1", "payment"))
    again = order("N-1", "payment")
    with pytest.raises(DuplicateOrder) as refused, store.transaction():
        insert_order(store, again)
    assert refused.value.order is again
    assert "'N-1' is already used (payment)" in str(refused.value)
    assert again.seq is None
    assert (count(store, "orders"), count(store, "order_history")) == (1, 1)
    row = store.fetchone("SELECT platform_id, number_space FROM orders")
    assert row is not None
    assert (row["platform_id"], row["number_space"]) == (first.platform_id, "payment")


def test_other_spaces_merchants_and_gateways_are_free(store: Store) -> None:
    with store.transaction():
        insert_order(store, order("N-1", "payment"))
        insert_order(store, order("N-1", "payout", kind="payout"))
        insert_order(store, order("N-1", "payment", merchant="m2"))
        insert_order(store, order("N-1", "payment", gateway="goldenpay"))
        insert_order(store, order("N-2", "payment"))
    assert count(store, "orders") == 5


def test_rows_without_a_space_never_conflict(store: Store) -> None:
    with store.transaction():
        insert_order(store, order("N-1", "payment"))
        for _ in range(3):
            insert_order(store, order("N-1", None, kind="static_payment"))
    assert count(store, "orders") == 4


def test_a_transaction_that_met_a_taken_number_stays_usable(store: Store) -> None:
    """No unique-violation error is raised by the database (PostgreSQL would abort the rest of
    the transaction): the caller decides, and here it carries on and commits."""
    with store.transaction():
        insert_order(store, order("N-1", "payment"))
        with pytest.raises(DuplicateOrder):
            insert_order(store, order("N-1", "payment"))
        insert_order(store, order("N-2", "payment"))
    numbers = store.fetchall("SELECT merchant_order_id FROM orders ORDER BY seq")
    assert [r["merchant_order_id"] for r in numbers] == ["N-1", "N-2"]


def test_two_postgres_connections_inserting_one_number_store_it_once(
    postgres_cluster: PostgresCluster,
) -> None:
    """The second insert waits for the first transaction: refused when it commits, stored
    when it rolls back (as two replicas would see it)."""
    url = postgres_cluster.create_database()
    one, two, watch = open_store(url), open_store(url), open_store(url)
    try:
        assert _race(one, two, watch, "RACE-1", commit_first=True) == "refused"
        assert _race(one, two, watch, "RACE-2", commit_first=False) == "stored"
        for number in ("RACE-1", "RACE-2"):
            rows = one.fetchall("SELECT seq FROM orders WHERE merchant_order_id = ?", (number,))
            assert len(rows) == 1
    finally:
        for store in (one, two, watch):
            store.close()
        postgres_cluster.drop_database(url)


class _RolledBack(Exception):
    pass


def _race(one: Store, two: Store, watch: Store, number: str, *, commit_first: bool) -> str:
    """`one` inserts `number` and holds its transaction open while `two` inserts it too;
    what became of `two`'s insert once `one` committed or rolled back."""
    results: list[str] = []

    def second() -> None:
        try:
            with two.transaction():
                insert_order(two, order(number, "payment"))
            results.append("stored")
        except DuplicateOrder:
            results.append("refused")

    thread = threading.Thread(target=second)
    try:
        with one.transaction():
            insert_order(one, order(number, "payment"))
            thread.start()
            assert _blocked_on_a_lock(watch), "the second insert did not wait for the first"
            if not commit_first:
                raise _RolledBack
    except _RolledBack:
        pass
    thread.join(10)
    return results[0]


def _blocked_on_a_lock(store: Store) -> bool:
    """Does a session of this database wait on a lock (polled for up to 10 s)? `store` is
    outside any transaction, so each poll reads fresh activity."""
    for _ in range(1000):
        row = store.fetchone(
            "SELECT COUNT(*) AS n FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if row is not None and int(row["n"]) > 0:
            return True
        time.sleep(0.01)
    return False


# -- migration 13 on a database that holds orders from before --------------------------------

_BEFORE = (
    "INSERT INTO orders (gateway, merchant_id, kind, platform_id, merchant_order_id, amount, "
    "currency, status, created_at, updated_at, data) "
    "VALUES (?, ?, ?, ?, ?, '1.00', 'USD', '1', '2026-03-12T08:30:00Z', "
    "'2026-03-12T08:30:00Z', '{}')"
)
# (gateway, kind, platform id, number) as version 12 stored them, and the space each takes.
_ROWS_BEFORE: list[tuple[str, str, str, str, str | None]] = [
    ("trustpay", "payin", "t1", "ORD-1", None),  # an older duplicate of t2 (a payout)
    ("trustpay", "payout", "t2", "ORD-1", "payin_payout"),
    ("trustpay", "payin", "t3", "ORD-2", "payin_payout"),
    ("trustpay", "refund", "t4", "ORD-2", "refund"),
    ("trustpay", "card_order", "t5", "ORD-2", "card_order"),
    ("trustpay", "card_attempt", "t6", "ORD-2", None),
    ("trustpay", "vcard", "t7", "", None),
    ("trustpay", "vcard", "t8", "", None),
    ("ezpay", "payment", "e1", "ORD-1", None),
    ("ezpay", "payment", "e2", "ORD-1", None),
    ("ezpay", "payment", "e3", "ORD-1", "payment"),  # the newest of three keeps the space
    ("ezpay", "payout", "e4", "ORD-1", "payout"),
    ("ezpay", "static", "e5", "ORD-1", "static"),
    ("ezpay", "static_payment", "e6", "ORD-1", None),
    ("ezpay", "refund", "e7", "ORD-1", "refund"),
    ("goldenpay", "collect", "g1", "ORD-1", "collect"),
    ("goldenpay", "payout", "g2", "ORD-1", "payout"),
]


def test_migration_13_gives_rows_from_before_their_space_and_keeps_duplicates(
    empty_target: str,
) -> None:
    target = empty_target
    old = store_at_version(target, 12)
    assert old.schema_version == 12
    with old.transaction():
        for gateway, kind, platform_id, number, _space in _ROWS_BEFORE:
            old.execute(_BEFORE, (gateway, "m1", kind, platform_id, number))
    old.close()

    store = open_store(target)
    try:
        assert store.schema_version >= 13
        rows = store.fetchall("SELECT platform_id, number_space FROM orders ORDER BY seq")
        assert [(r["platform_id"], r["number_space"]) for r in rows] == [
            (platform_id, space) for _g, _k, platform_id, _n, space in _ROWS_BEFORE
        ]
        # The duplicates made before stay readable; from now on the number is taken.
        with pytest.raises(DuplicateOrder):
            insert_order(store, order("ORD-1", "payment"))
        insert_order(store, order("ORD-1", None, kind="static_payment"))
    finally:
        store.close()
