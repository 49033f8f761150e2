"""Order totals shared by replicas (`store/totals.py`, PostgreSQL): two connections adding to
one total at once add up exactly (Decimal amounts, no float), a missing row starts from
`first()` (the stored orders, the change included), and other periods keep their own rows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from sandbox.store import Store
from sandbox.store.totals import Total, TotalKey, add_to_total, read_totals

ADDS = 150
DAY = TotalKey("trustpay", "m1", "payin", "USD", "2026-03-12")


def _never() -> Total:
    pytest.fail("the row exists: first() is not asked")


def test_two_connections_adding_at_once_add_up_exactly(stores: list[Store]) -> None:
    asked: list[str] = []

    def first() -> Total:
        asked.append("first")
        return 4, Decimal("30.10")  # what the stored orders give: 3 before, and this one

    def add(store: Store) -> list[Total]:
        totals = []
        for _ in range(ADDS):
            with store.transaction():
                totals.append(add_to_total(store, DAY, 1, Decimal("0.10"), first))
        return totals

    with ThreadPoolExecutor(2) as pool:
        seen = [t for totals in pool.map(add, stores) for t in totals]
    # Each addition saw a total of its own: the row was locked from one to the next.
    assert sorted(count for count, _ in seen) == list(range(4, 4 + 2 * ADDS))
    assert 1 <= len(asked) <= 2  # only while the row did not exist
    stored = read_totals(stores[0], "trustpay", "m1", "payin", "USD", ["2026-03-12", "2026-03"])
    assert stored == {"2026-03-12": (3 + 2 * ADDS, Decimal("30.00") + Decimal("0.10") * 2 * ADDS)}


def test_a_rolled_back_addition_leaves_the_total_and_periods_are_apart(
    stores: list[Store],
) -> None:
    store = stores[0]
    assert add_to_total(store, DAY, 1, Decimal("5.00"), lambda: (1, Decimal("5.00"))) == (
        1,
        Decimal("5.00"),
    )
    with pytest.raises(RuntimeError), store.transaction():
        assert add_to_total(store, DAY, 1, Decimal("7.00"), _never) == (2, Decimal("12.00"))
        raise RuntimeError("the pay-in is refused")
    month = TotalKey("trustpay", "m1", "payin", "USD", "2026-03")
    # A missing row starts from the orders as stored now, the change already in them.
    assert add_to_total(store, month, -1, Decimal("-5.00"), lambda: (3, Decimal("35.00"))) == (
        3,
        Decimal("35.00"),
    )
    assert read_totals(store, "trustpay", "m1", "payin", "USD", ["2026-03-12", "2026-03"]) == {
        "2026-03-12": (1, Decimal("5.00")),
        "2026-03": (3, Decimal("35.00")),
    }
