"""Orders as the gateways see them: the stored `Order` and its look-ups, from the store.

The SQL behind every one of these lives in `sandbox.store.orders`; gateways import them from
here so the persistence seam stays one module. `new_order` is the one way to build a new order.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.store.claims import claim_value
from sandbox.store.orders import (
    DuplicateOrder,
    Order,
    OrderFilter,
    OrderHead,
    child_orders,
    count_merchant_order_prefix,
    count_with_data,
    data_taken,
    dump_json,
    find_order,
    get_order,
    heads_created_between,
    heads_with_data,
    highest_numeric_id,
    insert_order,
    list_orders,
    order_from_row,
    page_of_orders,
    platform_ids_between,
    save_order,
)

__all__ = [
    "DuplicateOrder",
    "Order",
    "OrderFilter",
    "OrderHead",
    "child_orders",
    "claim_value",
    "count_merchant_order_prefix",
    "count_with_data",
    "data_taken",
    "dump_json",
    "find_order",
    "get_order",
    "heads_created_between",
    "heads_with_data",
    "highest_numeric_id",
    "insert_order",
    "list_orders",
    "new_order",
    "order_from_row",
    "page_of_orders",
    "platform_ids_between",
    "refusing_duplicates",
    "save_order",
]


def new_order(
    gateway: str,
    merchant: str,
    kind: str,
    *,
    platform_id: str,
    merchant_order_id: str,
    amount: Decimal,
    currency: str,
    status: str,
    now: datetime,
    data: dict[str, Any] | None = None,
    parent_id: str | None = None,
    plan: dict[str, Any] | None = None,
    number_space: str | None = None,
) -> Order:
    """A new order, created and last updated `now`, not stored yet (`insert_order` stores it).

    `plan` is the journal summary of the scenario plan that created it (`Plan.to_json()`).
    `number_space` names where `merchant_order_id` is unique for the merchant (None: nowhere);
    `insert_order` raises `DuplicateOrder` when the number is taken there.
    """
    return Order(
        gateway=gateway,
        merchant=merchant,
        kind=kind,
        platform_id=platform_id,
        merchant_order_id=merchant_order_id,
        amount=amount,
        currency=currency,
        status=status,
        created_at=now,
        updated_at=now,
        data={} if data is None else data,
        parent_id=parent_id,
        plan=plan,
        number_space=number_space,
    )


@contextmanager
def refusing_duplicates(refusal: Callable[[], Exception]) -> Iterator[None]:
    """Around the code that stores a numbered order: when the database finds the number taken
    after all (another request stored it since the gateway's own look-up), raise `refusal()`,
    the gateway's duplicate answer, in place of `DuplicateOrder`. Either passes through the
    store transaction holding the insert, so nothing of the refused order is kept."""
    try:
        yield
    except DuplicateOrder:
        raise refusal() from None
