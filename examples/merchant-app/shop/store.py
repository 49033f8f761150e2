"""The shop's orders, in memory (a real shop has a database; the rules are the same)."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

# pending: sent to the gateway; unknown: the gateway did not answer the create call in time;
# paid: the full amount arrived; underpaid: less than the order amount; failed: no payment.
STATES = ("pending", "unknown", "paid", "underpaid", "failed")


@dataclass
class Order:
    id: str
    gateway: str
    amount: Decimal
    currency: str
    state: str = "pending"
    gateway_order_id: str | None = None
    pay_url: str | None = None
    paid_amount: Decimal | None = None
    notifications: int = 0  # every verified notification, duplicates included
    credited: int = 0  # times the order was credited: must never exceed 1

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("amount", "paid_amount"):
            data[key] = None if data[key] is None else str(data[key])
        return data


class Orders:
    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        self._lock = threading.Lock()

    def add(self, order: Order) -> Order:
        with self._lock:
            if order.id in self._orders:
                raise KeyError(f"order {order.id} exists")
            self._orders[order.id] = order
            return order

    def add_once(self, order: Order) -> Order:
        """The order with this id: the one stored, or `order` when there was none."""
        with self._lock:
            return self._orders.setdefault(order.id, order)

    def get(self, order_id: str) -> Order | None:
        with self._lock:
            return self._orders.get(order_id)

    def settle(self, order_id: str, status: str, paid: Decimal | None) -> Order | None:
        """Apply a verified notification once: a final state is never changed again."""
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                return None
            order.notifications += 1
            if order.state in ("paid", "underpaid", "failed"):
                return order  # a duplicate or a late copy: already handled
            if status == "failed":
                order.state = "failed"
            elif status == "paid" and paid is not None:
                order.paid_amount = paid
                order.state = "paid" if paid >= order.amount else "underpaid"
                order.credited += 1 if order.state == "paid" else 0
            return order
