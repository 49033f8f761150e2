"""Order queries shared by `collect.query` and `payout.query`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from sandbox.gateways.goldenpay.codes import GoldenPayError
from sandbox.gateways.goldenpay.merchant import GoldenPayMerchant
from sandbox.gateways.goldenpay.pipeline import Call, success_response
from sandbox.gateways.orders import Order


async def answer_order_query(
    call: Call, kind: str, payload: Callable[[Order, GoldenPayMerchant], dict[str, Any]]
) -> Response:
    """`collect.query` / `payout.query`: the order `id` names among the merchant's orders of
    `kind`, planned with its own facts, answered with `payload`."""
    wanted, order = call.order_by_id(kind)
    plan = call.plan_for(
        order_no=order.merchant_order_id if order is not None else wanted,
        amount=order.amount if order is not None else None,
        currency=order.currency if order is not None else None,
        channel=order.data["channel"] if order is not None else None,
    )
    if call.processes(plan) and order is None:
        raise GoldenPayError("Order not found")

    def normal() -> Response:
        assert order is not None
        return success_response(payload(order, call.merchant), call.merchant)

    return await call.answer(plan, normal if order is not None else None)
