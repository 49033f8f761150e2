"""Every look-up the store offers is indexed: no full scan of orders, callbacks, attempts,
journal or timers, whatever the filter. Each function is called for real on a real store; the
statements it issued (SQLite's trace, values bound) are explained with EXPLAIN QUERY PLAN."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from sandbox.clock import Clock
from sandbox.store import Store, open_store, outbox
from sandbox.store import orders as o
from sandbox.store import timers as t
from sandbox.store.journal import Journal

NOW = datetime(2026, 3, 12, 8, 30, tzinfo=UTC)
TABLES = ("orders", "callbacks", "callback_attempts", "journal", "timers")
FULL_SCAN = re.compile(rf"\bSCAN ({'|'.join(TABLES)})\b")


def _store() -> Store:
    store = open_store()
    for n in range(50):
        o.insert_order(
            store,
            o.Order(
                gateway="trustpay",
                merchant="m1",
                kind="payin",
                platform_id=f"P{n}",
                merchant_order_id=f"M{n}",
                amount=Decimal("10.00"),
                currency="USD",
                status="3",
                created_at=NOW,
                updated_at=NOW,
                data={"card": {"fingerprint": f"f{n % 5}"}, "card_number": f"4{n}"},
            ),
        )
    return store


@contextmanager
def traced(store: Store) -> Iterator[list[str]]:
    seen: list[str] = []
    store.connection.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        store.connection.set_trace_callback(None)


def plans(store: Store, statements: list[str]) -> list[tuple[str, str]]:
    found = []
    for sql in statements:
        if not re.match(r"\s*(SELECT|UPDATE|DELETE)\b", sql, re.IGNORECASE):
            continue
        for row in store.connection.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall():
            found.append((sql, str(row[3])))
    return found


JOURNALS: dict[int, Journal] = {}


def bounded_walk(sql: str, plan: str) -> bool:
    """A walk in index (or rowid) order that stops after LIMIT rows: the first page of an
    unfiltered list. Its cost is the page, not the table."""
    return " LIMIT " in sql and ("USING INDEX" in plan or plan.strip().endswith(TABLES))


LOOKUPS: dict[str, Callable[[Store], Any]] = {
    "card failure limit": lambda s: o.heads_with_data(
        s, "trustpay", "m1", "card.fingerprint", "f1", updated_since=NOW - timedelta(days=1)
    ),
    "card failure count": lambda s: o.count_with_data(
        s,
        "trustpay",
        "m1",
        "card.fingerprint",
        "f1",
        updated_since=NOW - timedelta(days=1),
        kinds=(("payin", "3"), ("card_attempt", "880014")),
    ),
    "admin ?order= (any gateway)": lambda s: o.list_orders(s, o.OrderFilter(order="M3")),
    "admin ?order=&gateway=": lambda s: o.list_orders(
        s, o.OrderFilter(gateway="trustpay", order="P3")
    ),
    "admin ?status=&gateway=": lambda s: o.list_orders(
        s, o.OrderFilter(gateway="trustpay", status="3")
    ),
    "admin orders/{id}": lambda s: o.get_order(s, "trustpay", "P7"),
    "merchant's order": lambda s: o.find_order(
        s, "trustpay", "m1", merchant_order_id="M7", kind=("payin", "payout")
    ),
    "merchant's order of one kind": lambda s: o.find_order(
        s, "trustpay", "m1", merchant_order_id="M7", kind="payin"
    ),
    "children": lambda s: o.child_orders(s, "trustpay", "P1", "refund"),
    "data value taken": lambda s: o.data_taken(s, "trustpay", "card_number", "41", kind="vcard"),
    "idempotency key": lambda s: o.data_taken(
        s, "ezpay", "idempotencyId", "k", merchant="m1", kind="payout"
    ),
    "open VA number": lambda s: o.data_taken(
        s, "ezpay", "payData", "123", statuses=("PENDING", "ACTIVE")
    ),
    "daily totals": lambda s: o.heads_created_between(
        s, "trustpay", "m1", ("payin",), NOW, NOW + timedelta(days=1), currency="USD"
    ),
    "page of a kind": lambda s: o.page_of_orders(s, "trustpay", "m1", "payin", 10),
    "page of a family": lambda s: o.page_of_orders(
        s, "trustpay", "m1", "card_order", 10, data_equals=("family", "vcard")
    ),
    "dated ids": lambda s: o.platform_ids_between(s, "goldenpay", "C20260312", "C20260312:"),
    "highest card id": lambda s: o.highest_numeric_id(s, "trustpay", "vcard"),
    "trigger numbers": lambda s: o.count_merchant_order_prefix(s, "trustpay", "m1", "TRIGGER-"),
    "callbacks of an order": lambda s: outbox.find_rows(s, outbox.MessageFilter(order="P1"), 20),
    "callbacks of a merchant": lambda s: outbox.find_rows(
        s, outbox.MessageFilter(gateway="trustpay", merchant="m1"), 20
    ),
    "pending callbacks": lambda s: outbox.pending_rows(s),
    "a callback and its attempts": lambda s: (outbox.message_row(s, 1), outbox.attempt_rows(s, 1)),
    "trim finished callbacks": lambda s: outbox.drop_oldest_finished(s, 1),
    "journal of a merchant": lambda s: JOURNALS[id(s)].find("trustpay", "m1"),
    "journal of an operation": lambda s: JOURNALS[id(s)].find("trustpay", operation="create_payin"),
    "next due timers": lambda s: t.next_due(s, (NOW, 3), 10),
    "first due timers": lambda s: t.next_due(s, None, 10),
    "cancel a timer": lambda s: t.delete_timers(s, "trustpay.expire", "P1"),
    "timers of an order": lambda s: t.timers_for(s, "P1"),
    "run a timer": lambda s: t.take_timer(s, 1),
}


@pytest.mark.parametrize("name", list(LOOKUPS))
def test_every_lookup_uses_an_index(name: str) -> None:
    store = _store()
    JOURNALS[id(store)] = Journal(store, Clock(start=NOW), 100)  # counts its rows once
    with traced(store) as statements:
        LOOKUPS[name](store)
    explained = plans(store, statements)
    assert explained, f"{name}: no statement issued"
    scans = [
        f"{plan}  <- {sql}"
        for sql, plan in explained
        if FULL_SCAN.search(plan) and not bounded_walk(sql, plan)
    ]
    assert scans == [], f"{name} scans a table:\n" + "\n".join(scans)


@pytest.mark.parametrize("kind", ["payin", ("payin", "payout"), None])
def test_a_merchant_order_is_found_by_its_id_index_not_by_walking_its_kind(
    kind: str | tuple[str, ...] | None,
) -> None:
    # `SEARCH orders USING INDEX orders_kind` is no full scan, yet it walks every order of that
    # kind: the soak's cost per GoldenPay collect grew with the stored orders until this was fixed.
    store = _store()
    with traced(store) as statements:
        found = o.find_order(store, "trustpay", "m1", merchant_order_id="M7", kind=kind)
    assert found is not None and found.platform_id == "P7"
    used = [plan for _sql, plan in plans(store, statements)]
    assert used and all("orders_merchant " in plan + " " for plan in used), used
    assert o.find_order(store, "trustpay", "m1", merchant_order_id="M7", kind="refund") is None


def test_the_card_failure_count_reads_only_that_cards_failures() -> None:
    # The same test card is used for every pay-in of a load test: an index range over the card
    # alone would read each of its uses that day, so kind and status are part of the range.
    store = _store()
    with traced(store) as statements:
        LOOKUPS["card failure count"](store)
    used = [plan for _sql, plan in plans(store, statements)]
    assert len(used) == 2 and all("orders_card_outcomes" in plan for plan in used), used
    assert all("kind=? AND status=? AND updated_at>?" in plan for plan in used), used
