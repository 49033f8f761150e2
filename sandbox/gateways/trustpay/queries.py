"""Order Query: `POST /v4/query/order` and the legacy `POST /v3/query/order`.

`order_no` matches this merchant's order number first, then its platform order number;
pay-ins and payouts alike (refunds are reported on their pay-in).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.responses import Response

from sandbox.clock import format_instant
from sandbox.gateways.orders import Order, find_order
from sandbox.gateways.trustpay.callbacks import NOTIFY_PENDING, refund_totals, render_amount
from sandbox.gateways.trustpay.codes import bad_request
from sandbox.gateways.trustpay.fees import payin_fee, payout_fee
from sandbox.gateways.trustpay.fields import camel_name
from sandbox.gateways.trustpay.lifecycle import GATEWAY, PAYIN, PAYOUT, trustpay_merchant
from sandbox.gateways.trustpay.pipeline import Call, trustpay_route
from sandbox.runtime import Sandbox

ORDER_KINDS = (PAYIN, PAYOUT)
ZERO = Decimal("0.00")
_PAID = {PAYIN: ("5", "6", "7", "8", "9"), PAYOUT: ("2",)}
_UNPAID_FEE = ("3", "4")


def lookup(sandbox: Sandbox, merchant: str, order_no: str) -> Order | None:
    """The merchant's pay-in or payout by merchant order no, else by platform order no."""
    store = sandbox.store
    return find_order(
        store, GATEWAY, merchant, merchant_order_id=order_no, kind=ORDER_KINDS
    ) or find_order(store, GATEWAY, merchant, platform_id=order_no, kind=ORDER_KINDS)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


def order_view(sandbox: Sandbox, order: Order) -> dict[str, Any]:
    """The.4 `data`, in its key order (snake_case)."""
    data = order.data
    status = order.status
    if status == "1":
        merchant = trustpay_merchant(sandbox, order.merchant)
        fees = payout_fee if order.kind == PAYOUT else payin_fee
        fee = fees(merchant, order.currency, order.amount)
    elif status in _UNPAID_FEE:
        fee = ZERO
    else:
        fee = _decimal(data.get("fee"))
    paid = _decimal(data.get("paid_amount")) if status in _PAID[order.kind] else ZERO
    refunded = refund_totals(sandbox.store, order)[0] if order.kind == PAYIN else ZERO
    return {
        "order_no": order.merchant_order_id,
        "platform_order_no": order.platform_id,
        "type_id": 1 if order.kind == PAYOUT else 0,
        "merchant_id": int(order.merchant),
        "currency": order.currency,
        "order_amount": render_amount(order.amount),
        "paid_amount": render_amount(paid),
        "refund_amount": render_amount(refunded),
        "fee": render_amount(fee),
        "status": int(status),
        "reason": str(data.get("reason") or "") if status in _UNPAID_FEE else "",
        "notify_status": int(data.get("notify_status") or NOTIFY_PENDING),
        "notify_time": data.get("notify_time"),
        "create_time": format_instant(order.created_at),
    }


async def order_query(call: Call) -> Response:
    """`query`, `v3.query`."""
    f = call.fields
    order_no = f.text("order_no")
    f.integer("merchant_id", required=call.api == "v3")  # required on v3 only
    plan = call.plan_for(order_no=order_no)
    if not call.processes(plan):
        return await call.answer(plan, None)
    order = lookup(call.sandbox, call.merchant_id, order_no)
    if order is None:
        raise bad_request("order not found")
    view = order_view(call.sandbox, order)
    if call.api == "v3":
        view = {camel_name(key): value for key, value in view.items()}
    return await call.answer(plan, lambda: call.success(view))


ROUTES = [
    trustpay_route("/v4/query/order", "query", "v4", order_query),
    trustpay_route("/v3/query/order", "v3.query", "v3", order_query),
]
