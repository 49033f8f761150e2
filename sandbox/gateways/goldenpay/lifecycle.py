"""GoldenPay's order state machines (collect orders and payouts): the allowed transitions (20 → 60
or 30 for a collect order, 20 → 60 or 50 for a payout), what each does (money, callback), and the
persisted timers that drive them (expiry, scenario outcomes, payout completion).
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
from sandbox.gateways.outcomes import Outcome, outcome_action, planned_after, run_outcome
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.store.balances import adjust_balance, get_balance
from sandbox.timers import Due, TimerAction

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
    outcome = Outcome.planned(plan)
    if outcome is None:
        due = sandbox.clock.now() + COLLECT_EXPIRY
        sandbox.timers.schedule(GATEWAY, order.merchant, EXPIRE, order.platform_id, due)
        return
    _run(sandbox, order, outcome, planned_after(plan), COLLECT_OUTCOME)


def _collect_expire(sandbox: Sandbox, due: Due) -> None:
    order = get_order(sandbox.store, GATEWAY, due.subject)
    if order is not None and order.status == PROCESSING:
        finish_collect(sandbox, order, FAILED, reason="expired")


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
    """Default 60 after 5 s; a planned outcome instead (at once without `after`); `pending`: 20."""
    outcome = Outcome.planned(plan)
    if outcome is None:
        _run(sandbox, order, Outcome("success"), PAYOUT_COMPLETION, PAYOUT_OUTCOME)
        return
    _run(sandbox, order, outcome, planned_after(plan), PAYOUT_OUTCOME)


# -- scenario outcomes ------------------------------------------------------------------------


def _run(sandbox: Sandbox, order: Order, outcome: Outcome, after: timedelta, action: str) -> None:
    def now(planned: Outcome) -> None:
        apply_outcome(sandbox, order, planned)

    run_outcome(sandbox, order, outcome, after, action=action, apply=now)


def apply_outcome(sandbox: Sandbox, order: Order, outcome: Outcome) -> None:
    """A neutral outcome on a processing order; a final one is left alone."""
    if order.status != PROCESSING:
        return
    # Timers stored by older versions hold the GoldenPay status itself ("60").
    if order.kind == COLLECT:
        status = COLLECT_STATUS.get(outcome.status, outcome.status)
        finish_collect(sandbox, order, status, outcome.paid_amount, outcome.reason)
    else:
        status = PAYOUT_STATUS.get(outcome.status, outcome.status)
        finish_payout(sandbox, order, status, outcome.reason)


def finish(sandbox: Sandbox, order: Order, status: str, paid: Decimal | None = None) -> list[str]:
    if order.kind == COLLECT:
        return finish_collect(sandbox, order, status, paid)
    return finish_payout(sandbox, order, status)


# Its timed transitions, named in the plug (`timer_actions`).
TIMER_ACTIONS: dict[str, TimerAction] = {
    EXPIRE: _collect_expire,
    COLLECT_OUTCOME: outcome_action(GATEWAY, apply_outcome),
    PAYOUT_OUTCOME: outcome_action(GATEWAY, apply_outcome),
}
