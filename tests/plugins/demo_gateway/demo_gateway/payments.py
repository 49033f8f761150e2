"""POST /demo/v1/payments and GET /demo/v1/payments/{order_no}: a pay-in and its state."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.responses import JSONResponse, Response

from demo_gateway.callbacks import send_payment_callback
from demo_gateway.codes import GATEWAY, DemoError, invalid
from demo_gateway.pipeline import Call
from sandbox.gateways.directives import keep_plan, kept_plan
from sandbox.gateways.orders import (
    Order,
    find_order,
    insert_order,
    new_order,
    refusing_duplicates,
    save_order,
)
from sandbox.gateways.outcomes import Outcome, outcome_action, planned_after, run_outcome
from sandbox.runtime import Sandbox
from sandbox.timers import TimerAction

OUTCOME_ACTION = "demogw.payment.outcome"


def describe(order: Order) -> dict[str, Any]:
    return {
        "order_no": order.merchant_order_id,
        "payment_id": order.platform_id,
        "amount": str(order.amount),
        "currency": order.currency,
        "paid_amount": order.data.get("paid_amount", "0"),
        "status": order.status,
    }


def _amount(body: dict[str, Any]) -> Decimal:
    text = body.get("amount")
    try:
        amount = Decimal(str(text)) if isinstance(text, str | int) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount != round(amount, 2):
        raise invalid("amount", "a positive decimal with at most 2 places, as text")
    return amount


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid(key, "a non-empty string")
    return value


async def create(call: Call) -> Response:
    order_no = str(_text(call.body, "order_no"))
    amount = _amount(call.body)
    currency = _text(call.body, "currency", required=False) or call.merchant.currency
    notify_url = _text(call.body, "notify_url", required=False)
    plan = call.plan_for(order_no=order_no, amount=amount, currency=currency)
    order: Order | None = None
    if call.processes(plan):
        sandbox = call.sandbox
        refusal = DemoError("duplicate_order", f"order_no {order_no} is already used")
        with refusing_duplicates(lambda: refusal), sandbox.store.transaction():
            if find_order(sandbox.store, GATEWAY, call.merchant_id, merchant_order_id=order_no):
                raise refusal
            data: dict[str, Any] = {"notify_url": notify_url}
            keep_plan(data, plan)
            order = new_order(
                GATEWAY,
                call.merchant_id,
                "payin",
                platform_id=f"DP{sandbox.rng.randrange(10**12):012d}",
                merchant_order_id=order_no,
                amount=amount,
                currency=currency,
                status="pending",
                now=call.now(),
                data=data,
                plan=plan.to_json(),
                number_space="payin",
            )
            insert_order(sandbox.store, order)
            outcome = Outcome.planned(plan)
            if outcome is not None:
                created = order

                def now(planned: Outcome) -> None:
                    finish(sandbox, created, planned)

                after = planned_after(plan)
                run_outcome(sandbox, order, outcome, after, action=OUTCOME_ACTION, apply=now)

    def normal() -> Response:
        assert order is not None
        return JSONResponse({"ok": True, "payment": describe(order)}, status_code=201)

    return await call.answer(plan, normal if order is not None else None)


async def query(call: Call) -> Response:
    order_no = call.request.path_params["order_no"]
    plan = call.plan_for(order_no=order_no)
    found = find_order(call.sandbox.store, GATEWAY, call.merchant_id, merchant_order_id=order_no)
    if found is None:
        raise DemoError("not_found", f"no payment {order_no}")

    def normal() -> Response:
        assert found is not None
        return JSONResponse({"ok": True, "payment": describe(found)})

    return await call.answer(plan, normal)


def finish(sandbox: Sandbox, order: Order, outcome: Outcome) -> None:
    """Apply an outcome to a pending payment and send its callback."""
    if order.status != "pending" or outcome.status == "pending":
        return
    order.status = outcome.status
    paid = outcome.paid_amount if outcome.paid_amount is not None else order.amount
    order.data["paid_amount"] = str(paid) if outcome.status == "success" else "0"
    order.updated_at = sandbox.clock.now()
    save_order(sandbox.store, order)
    merchant = sandbox.merchants.find(GATEWAY, order.merchant)
    if merchant is not None:
        send_payment_callback(sandbox, merchant, order, kept_plan(order.data))


# Its timed transitions, named in the plug (`timer_actions`).
TIMER_ACTIONS: dict[str, TimerAction] = {OUTCOME_ACTION: outcome_action(GATEWAY, finish)}
