"""GoldenPay's order state machines: every transition into a final status, its money and its
callback, and the persisted timers that drive them (expiry, scenario outcomes, payout completion).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sandbox.clock import format_instant
from sandbox.gateways.goldenpay.callbacks import send_callbacks
from sandbox.gateways.goldenpay.common import (
    CANCELED,
    COLLECT,
    COLLECT_EXPIRY,
    COLLECT_STATUS,
    FAILED,
    FINAL,
    GATEWAY,
    PAYOUT_COMPLETION,
    PAYOUT_STATUS,
    PROCESSING,
    SUCCESS,
    amount_text,
    fee,
    quantum,
)
from sandbox.gateways.goldenpay.merchant import GoldenPayMerchant
from sandbox.gateways.orders import Order, get_order, save_order
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.store.balances import adjust_balance, get_balance
from sandbox.timers import Due, register_action

EXPIRE = "goldenpay.collect_expire"
COLLECT_OUTCOME = "goldenpay.collect_outcome"
PAYOUT_OUTCOME = "goldenpay.payout_outcome"


class TransitionError(Exception):
    """The order is final already: nothing changes."""


def merchant_of(sandbox: Sandbox, order: Order) -> GoldenPayMerchant:
    merchant = sandbox.merchants.find(GATEWAY, order.merchant)
    assert isinstance(merchant, GoldenPayMerchant)
    return merchant


def has_wallet(sandbox: Sandbox, merchant: str, currency: str) -> bool:
    return get_balance(sandbox.store, GATEWAY, merchant, currency) is not None


# -- collect ----------------------------------------------------------------------------------


def finish_collect(
    sandbox: Sandbox,
    order: Order,
    status: str,
    paid: Decimal | None = None,
    reason: str | None = None,
) -> list[str]:
    """20 → 60 (paid `paid`, default the order amount) or 20 → 30, with its callback."""
    if order.status in FINAL:
        raise TransitionError(f"order {order.platform_id} is final ({order.status})")
    merchant = merchant_of(sandbox, order)
    now = sandbox.clock.now()
    with sandbox.store.transaction():
        sandbox.timers.cancel(EXPIRE, order.platform_id)
        sandbox.timers.cancel(COLLECT_OUTCOME, order.platform_id)
        order.status = status
        order.updated_at = now
        if reason:
            order.data["reason"] = reason
        if status == SUCCESS:
            amount = order.amount if paid is None else paid
            # A success pays at least one minor unit ("order_amount - 1.00" on a small order).
            amount = max(amount.quantize(quantum(order.currency)), quantum(order.currency))
            order.data["payed_amount"] = amount_text(amount, order.currency)
            order.data["payed_at"] = format_instant(now)
            credit = amount - fee(amount, merchant.collect_ratio, order.currency)
            if has_wallet(sandbox, order.merchant, order.currency):
                adjust_balance(sandbox.store, GATEWAY, order.merchant, order.currency, credit, now)
        save_order(sandbox.store, order)
        return send_callbacks(sandbox, order, merchant)


def schedule_collect(sandbox: Sandbox, order: Order, plan: Plan | None) -> None:
    """A planned outcome replaces the 30-minute expiry; `pending` means neither."""
    outcome = plan.outcome if plan is not None else None
    now = sandbox.clock.now()
    if outcome is None:
        sandbox.timers.schedule(
            GATEWAY, order.merchant, EXPIRE, order.platform_id, now + COLLECT_EXPIRY
        )
        return
    if outcome.status == "pending":
        return
    args: dict[str, str | None] = {
        "status": COLLECT_STATUS[outcome.status],
        "paid": None if outcome.paid_amount is None else str(outcome.paid_amount),
        "reason": outcome.reason,
    }
    due = now + (outcome.after or timedelta(0))
    sandbox.timers.schedule(GATEWAY, order.merchant, COLLECT_OUTCOME, order.platform_id, due, args)


def _collect_expire(sandbox: Sandbox, due: Due) -> None:
    order = get_order(sandbox.store, GATEWAY, due.subject)
    if order is not None and order.status == PROCESSING:
        finish_collect(sandbox, order, FAILED, reason="expired")


def _collect_outcome(sandbox: Sandbox, due: Due) -> None:
    order = get_order(sandbox.store, GATEWAY, due.subject)
    if order is None or order.status != PROCESSING:
        return
    paid = due.args.get("paid")
    reason = due.args.get("reason")
    finish_collect(
        sandbox, order, str(due.args["status"]), None if paid is None else Decimal(paid), reason
    )


# -- payout -----------------------------------------------------------------------------------


def finish_payout(
    sandbox: Sandbox, order: Order, status: str, reason: str | None = None
) -> list[str]:
    """20 → 60, or 20 → 50 with the amount and fee refunded; with its callback."""
    if order.status in FINAL:
        raise TransitionError(f"order {order.platform_id} is final ({order.status})")
    merchant = merchant_of(sandbox, order)
    now = sandbox.clock.now()
    with sandbox.store.transaction():
        sandbox.timers.cancel(PAYOUT_OUTCOME, order.platform_id)
        order.status = status
        order.updated_at = now
        if reason:
            order.data["reason"] = reason
        if status == SUCCESS:
            order.data["payed_at"] = format_instant(now)
        elif status == CANCELED:
            order.data["canceled_at"] = format_instant(now)
            refund = order.amount + Decimal(order.data["fee"])
            adjust_balance(sandbox.store, GATEWAY, order.merchant, order.currency, refund, now)
        save_order(sandbox.store, order)
        return send_callbacks(sandbox, order, merchant)


def schedule_payout(sandbox: Sandbox, order: Order, plan: Plan | None) -> None:
    """Default 60 after 5 s; a planned outcome instead; `pending` stays 20."""
    outcome = plan.outcome if plan is not None else None
    now = sandbox.clock.now()
    if outcome is not None and outcome.status == "pending":
        return
    status = SUCCESS if outcome is None else PAYOUT_STATUS[outcome.status]
    after = PAYOUT_COMPLETION if outcome is None else (outcome.after or timedelta(0))
    args = {"status": status, "reason": None if outcome is None else outcome.reason}
    sandbox.timers.schedule(
        GATEWAY, order.merchant, PAYOUT_OUTCOME, order.platform_id, now + after, args
    )


def _payout_outcome(sandbox: Sandbox, due: Due) -> None:
    order = get_order(sandbox.store, GATEWAY, due.subject)
    if order is None or order.status != PROCESSING:
        return
    finish_payout(sandbox, order, str(due.args["status"]), due.args.get("reason"))


def finish(sandbox: Sandbox, order: Order, status: str, paid: Decimal | None = None) -> list[str]:
    if order.kind == COLLECT:
        return finish_collect(sandbox, order, status, paid)
    return finish_payout(sandbox, order, status)


register_action(EXPIRE, _collect_expire)
register_action(COLLECT_OUTCOME, _collect_outcome)
register_action(PAYOUT_OUTCOME, _payout_outcome)
