"""Orders as the gateways see them: the stored `Order` and its look-ups, from the store.

The SQL behind every one of these lives in `sandbox.store.orders`; gateways import them from
here so the persistence seam stays one module.
"""

from sandbox.store.orders import (
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
    "Order",
    "OrderFilter",
    "OrderHead",
    "child_orders",
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
    "order_from_row",
    "page_of_orders",
    "platform_ids_between",
    "save_order",
]
