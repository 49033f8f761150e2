"""The shared orders table: scoped lookups, filters, paging, Decimal and JSON round trips."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sandbox.clock import format_instant
from sandbox.gateways.orders import (
    Order,
    OrderFilter,
    OrderMovedOn,
    child_orders,
    find_order,
    get_order,
    insert_order,
    list_orders,
    save_order,
)
from sandbox.store import open_store
from sandbox.store.orders import status_history

NOW = datetime(2026, 3, 12, 8, 30, tzinfo=UTC)


def make(platform_id: str, merchant: str = "m1", **overrides: object) -> Order:
    fields: dict[str, object] = {
        "gateway": "trustpay",
        "merchant": merchant,
        "kind": "payin",
        "platform_id": platform_id,
        "merchant_order_id": f"ORD-{platform_id}",
        "amount": Decimal("20.00"),
        "currency": "USD",
        "status": "1",
        "created_at": NOW,
        "updated_at": NOW,
        "data": {"fee": Decimal("1.00"), "paid_at": NOW},
    }
    fields.update(overrides)
    return Order(**fields)  # type: ignore[arg-type]


def test_orders_round_trip_with_decimal_text_and_json_data() -> None:
    store = open_store()
    order = insert_order(store, make("p1", plan={"scenarios": ["default"]}))
    assert order.seq is not None
    found = get_order(store, "trustpay", "p1")
    assert found is not None
    assert found.amount == Decimal("20.00") and str(found.amount) == "20.00"
    assert found.data == {"fee": "1.00", "paid_at": format_instant(NOW)}
    assert found.plan == {"scenarios": ["default"]}
    assert found.created_at == NOW

    found.status = "5"
    found.amount = Decimal("19.50")
    found.updated_at = NOW + timedelta(seconds=3)
    found.data["paid_amount"] = "19.50"
    save_order(store, found)
    again = get_order(store, "trustpay", "p1")
    assert again is not None
    assert (again.status, str(again.amount), again.data["paid_amount"]) == ("5", "19.50", "19.50")
    assert again.updated_at == NOW + timedelta(seconds=3)


def test_a_save_from_a_stale_read_writes_nothing_once_the_order_moved_on() -> None:
    store = open_store()
    insert_order(store, make("p1"))
    first, second = get_order(store, "trustpay", "p1"), get_order(store, "trustpay", "p1")
    assert first is not None and second is not None
    first.status = "5"
    save_order(store, first)
    second.status = "3"
    second.data["reason"] = "payment failed"
    with pytest.raises(OrderMovedOn), store.transaction():
        save_order(store, second)
    stored = get_order(store, "trustpay", "p1")
    assert stored is not None
    assert (stored.status, "reason" in stored.data) == ("5", False)
    assert [(c.from_status, c.to_status) for c in status_history(store, "trustpay", "p1")] == [
        (None, "1"),
        ("1", "5"),
    ]
    stored.data["notify_status"] = 1  # read as it stands, it saves as before
    save_order(store, stored)


def test_lookups_are_scoped_by_gateway_and_merchant() -> None:
    store = open_store()
    insert_order(store, make("p1", merchant="m1"))
    insert_order(store, make("p2", merchant="m2", merchant_order_id="ORD-p1"))
    assert find_order(store, "trustpay", "m2", platform_id="p1") is None
    mine = find_order(store, "trustpay", "m2", merchant_order_id="ORD-p1")
    assert mine is not None and mine.platform_id == "p2"
    assert find_order(store, "goldenpay", "m1", platform_id="p1") is None
    assert find_order(store, "trustpay", "m1", platform_id="p1", kind="refund") is None
    assert find_order(store, "trustpay", "m1", platform_id="p1", kind=("payin", "payout"))


def test_children_filters_and_pages() -> None:
    store = open_store()
    insert_order(store, make("p1"))
    for n in range(3):
        insert_order(
            store,
            make(f"r{n}", kind="refund", parent_id="p1", status="9" if n else "7"),
        )
    assert [o.platform_id for o in child_orders(store, "trustpay", "p1")] == ["r0", "r1", "r2"]
    assert child_orders(store, "trustpay", "p1", kind="payin") == []

    page, total = list_orders(store, OrderFilter(kind="refund"), limit=2)
    assert total == 3 and [o.platform_id for o in page] == ["r2", "r1"]
    page, total = list_orders(store, OrderFilter(kind="refund"), limit=2, offset=2)
    assert [o.platform_id for o in page] == ["r0"]
    _, total = list_orders(store, OrderFilter(status="9"))
    assert total == 2
    found, total = list_orders(store, OrderFilter(order="ORD-r1"))
    assert total == 1 and found[0].platform_id == "r1"
    _, total = list_orders(store, OrderFilter(since=NOW, until=NOW + timedelta(seconds=1)))
    assert total == 4
    _, total = list_orders(store, OrderFilter(until=NOW))
    assert total == 0
