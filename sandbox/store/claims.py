"""Values an order holds that no other order of its merchant may hold in the same space (a
physical card's number, an EzPay payout's idempotencyId), as rows of `order_claims`.

A gateway looks the value up first, for its own answer; the claim, taken in the transaction
that stores the order, is what makes the rule hold when two requests (on one process or on two
replicas) pass that look-up at once: the table's primary key lets one of them in. A rollback
gives the value back; a reset empties the table with the orders.
"""

from __future__ import annotations

from sandbox.store.database import Store


def claim_value(store: Store, gateway: str, merchant: str, space: str, value: str) -> bool:
    """Take `value` in `space` for the merchant; False when an order already holds it there.
    On PostgreSQL a claim made by a transaction still open elsewhere waits for that one."""
    taken = store.execute(
        "INSERT INTO order_claims (gateway, merchant_id, space, value) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (gateway, merchant_id, space, value) DO NOTHING",
        (gateway, merchant, space, value),
    )
    return taken == 1
