"""The TrustPay pay-in state machine and its persisted timers.

Statuses: 1 pending, 3 failed, 4 timed out, 5 paid (unsettled), 6 settled, 7 refunded,
8 partially refunded, 9 refunding. A paid order settles one day (sandbox time) after its pay
time: the balance gets `paid_amount - fee` and the order moves 5 → 6 if it is still 5. A cashier
order still pending after 30 minutes expires (4). Delayed scenario outcomes (3-D Secure cards,
`FAIL-` cashier orders, v3 async card pay-ins) run from a timer. Every transition that changes the
status sends its callback, except settlement (5 → 6), which sends none.

All functions here change state synchronously; callers hold `store.transaction()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sandbox.clock import format_instant, parse_instant
from sandbox.gateways.directives import (
    keep_plan,
    kept_plan,
)
from sandbox.gateways.orders import Order, get_order, insert_order, new_order, save_order
from sandbox.gateways.outcomes import Outcome, outcome_action, run_outcome
from sandbox.gateways.trustpay.balances import credit
from sandbox.gateways.trustpay.callbacks import NOTIFY_PENDING, notify_order
from sandbox.gateways.trustpay.cardprivacy import card_fingerprint, mask_pan
from sandbox.gateways.trustpay.codes import TrustPayError
from sandbox.gateways.trustpay.fees import payin_fee
from sandbox.gateways.trustpay.limits import EffectiveLimits, payin_totals
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.gateways.trustpay.ordering import PAYIN_PAYOUT_NUMBERS, new_platform_order_no
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.timers import Due, TimerAction

GATEWAY = "trustpay"
PAYIN = "payin"
PAYOUT = "payout"
REFUND = "refund"

PENDING, FAILED, TIMED_OUT, PAID, SETTLED = "1", "3", "4", "5", "6"
REFUNDED, PARTIALLY_REFUNDED, REFUNDING = "7", "8", "9"
FINAL = frozenset({FAILED, TIMED_OUT, REFUNDED})

SETTLEMENT_DELAY = timedelta(days=1)
CASHIER_EXPIRY = timedelta(minutes=30)
ZERO = Decimal("0.00")

SETTLE = "trustpay.payin.settle"
EXPIRE = "trustpay.payin.expire"
OUTCOME = "trustpay.payin.outcome"

platform_order_no = new_platform_order_no


def trustpay_merchant(sandbox: Sandbox, merchant_id: str) -> TrustPayMerchant:
    merchant = sandbox.merchants.find(GATEWAY, merchant_id)
    if not isinstance(merchant, TrustPayMerchant):  # pragma: no cover - stored ids are known
        raise LookupError(f"no TrustPay merchant {merchant_id}")
    return merchant


@dataclass(frozen=True)
class Card:
    """The card a card pay-in (or the hosted page) was paid with; kept for rule 8 and display."""

    number: str
    holder: str

    def to_json(self, sandbox: Sandbox) -> dict[str, str]:
        """Masked number and fingerprint only: the full number is never stored."""
        return {
            "number": mask_pan(self.number),
            "fingerprint": card_fingerprint(sandbox, self.number),
            "holder": self.holder,
        }


def new_payin(
    sandbox: Sandbox,
    merchant: TrustPayMerchant,
    *,
    platform_id: str,
    order_no: str,
    amount: Decimal,
    currency: str,
    notify_url: str,
    api: str,
    method: str,
    plan: Plan | None,
    card: Card | None = None,
    limits: EffectiveLimits | None = None,
) -> Order:
    """Store a new pay-in in status 1 (the caller then resolves it), counted in the daily and
    monthly totals; with `limits`, refused (`TrustPayError`) when counting it breaks one, so
    the caller's transaction rolls back (an admin trigger passes none: counted, never refused)."""
    now = sandbox.clock.now()
    data: dict[str, Any] = {
        "api": api,
        "method": method,  # "card" | "cashier"
        "notify_url": notify_url,
        "channel_id": merchant.payin[currency].channel_id if currency in merchant.payin else None,
        "paid_amount": None,
        "fee": None,
        "pay_time": None,
        "reason": "",
        "notify_status": NOTIFY_PENDING,
        "notify_time": None,
        "settled": False,
    }
    if card is not None:
        data["card"] = card.to_json(sandbox)
    keep_plan(data, plan)
    order = new_order(
        GATEWAY,
        str(merchant.merchant_id),
        PAYIN,
        platform_id=platform_id,
        merchant_order_id=order_no,
        amount=amount,
        currency=currency,
        status=PENDING,
        now=now,
        data=data,
        plan=None if plan is None else plan.to_json(),
        number_space=PAYIN_PAYOUT_NUMBERS,
    )
    insert_order(sandbox.store, order)
    broken = payin_totals(sandbox).count(order, limits)
    if broken is not None:  # a pay-in counted since the caller's check took the room left
        raise TrustPayError(*broken)
    return order


def expected_fee(sandbox: Sandbox, order: Order) -> Decimal:
    """The fee the order carries if paid in full (cashier response, query of a pending order)."""
    return payin_fee(trustpay_merchant(sandbox, order.merchant), order.currency, order.amount)


def order_plan(order: Order) -> Plan | None:
    """The callbacks/delivery blocks of the request that created the order."""
    return kept_plan(order.data)


def with_code(reason: str, code: int | None) -> str:
    """an outcome's `code` is prefixed to the reason as `<code>: <reason>`."""
    return reason if code is None else f"{code}: {reason}"


def pay(
    sandbox: Sandbox,
    order: Order,
    paid_amount: Decimal | None = None,
    reason: str | None = None,
    plan: Plan | None = None,
    *,
    notify: bool = True,
) -> None:
    """1 → 5: paid; the fee is charged on the paid amount; settlement due one day later."""
    merchant = trustpay_merchant(sandbox, order.merchant)
    paid = order.amount if paid_amount is None else paid_amount
    now = sandbox.clock.now()
    order.status = PAID
    order.updated_at = now
    order.data.update(
        paid_amount=str(paid),
        fee=str(payin_fee(merchant, order.currency, paid)),
        pay_time=format_instant(now),
        reason=reason or "success",
    )
    save_order(sandbox.store, order)
    _cancel_pending_timers(sandbox, order)
    sandbox.timers.schedule(
        GATEWAY, order.merchant, SETTLE, order.platform_id, now + SETTLEMENT_DELAY
    )
    if notify:
        notify_order(sandbox, order, int(PAID), reason or "success", plan or order_plan(order))


def fail(
    sandbox: Sandbox,
    order: Order,
    status: str,
    reason: str,
    plan: Plan | None = None,
    *,
    notify: bool = True,
) -> None:
    """1 → 3 (failed, declined, canceled) or 1 → 4 (timed out), with the reason text."""
    order.status = status
    order.updated_at = sandbox.clock.now()
    order.data.update(paid_amount=None, fee=None, pay_time=None, reason=reason)
    save_order(sandbox.store, order)
    _cancel_pending_timers(sandbox, order)
    payin_totals(sandbox).forget(order)
    if notify:
        notify_order(sandbox, order, int(status), reason, plan or order_plan(order))


def apply_outcome(
    sandbox: Sandbox,
    order: Order,
    outcome: str,
    *,
    paid_amount: Decimal | None = None,
    reason: str | None = None,
    code: int | None = None,
    plan: Plan | None = None,
) -> None:
    """A neutral outcome on a pending pay-in. `pending` changes nothing."""
    if outcome == "success":
        pay(sandbox, order, paid_amount, with_code(reason, code) if reason else None, plan)
    elif outcome == "failed":
        fail(sandbox, order, FAILED, with_code(reason or "payment failed", code), plan)
    elif outcome == "expired":
        fail(sandbox, order, TIMED_OUT, with_code(reason or "order timeout", code), plan)
    elif outcome == "canceled":
        fail(sandbox, order, FAILED, with_code(reason or "canceled", code), plan)


def run_planned(
    sandbox: Sandbox, order: Order, outcome: Outcome, after: timedelta, plan: Plan | None = None
) -> None:
    """A scenario outcome on a new pending pay-in, by the shared rule (`after` zero: now)."""

    def now(planned: Outcome) -> None:
        _apply(sandbox, order, planned, plan)

    run_outcome(sandbox, order, outcome, after, action=OUTCOME, apply=now)


def _apply(sandbox: Sandbox, order: Order, outcome: Outcome, plan: Plan | None = None) -> None:
    if order.kind != PAYIN or order.status != PENDING:
        return
    apply_outcome(
        sandbox,
        order,
        outcome.status,
        paid_amount=outcome.paid_amount,
        reason=outcome.reason,
        code=outcome.code,
        plan=plan,
    )


def schedule_expiry(sandbox: Sandbox, order: Order) -> None:
    """A cashier order unpaid for 30 minutes of sandbox time → 4."""
    due = order.created_at + CASHIER_EXPIRY
    sandbox.timers.schedule(GATEWAY, order.merchant, EXPIRE, order.platform_id, due)


def _cancel_pending_timers(sandbox: Sandbox, order: Order) -> None:
    sandbox.timers.cancel(EXPIRE, order.platform_id)
    sandbox.timers.cancel(OUTCOME, order.platform_id)


# -- timer actions --------------------------------------------------------------------------


def _run_expiry(sandbox: Sandbox, due: Due) -> None:
    with sandbox.store.transaction():
        order = get_order(sandbox.store, GATEWAY, due.subject)
        if order is not None and order.kind == PAYIN and order.status == PENDING:
            fail(sandbox, order, TIMED_OUT, "order timeout")


def settle(sandbox: Sandbox, order: Order) -> None:
    """Credit `paid_amount - fee` to the available balance; 5 → 6 if still 5. No callback."""
    if order.data.get("settled"):
        return
    paid = Decimal(str(order.data.get("paid_amount") or "0"))
    fee = Decimal(str(order.data.get("fee") or "0"))
    now = sandbox.clock.now()
    credit(sandbox.store, order.merchant, order.currency, paid - fee, now)
    order.data["settled"] = True
    order.data["settle_time"] = format_instant(now)
    if order.status == PAID:
        order.status = SETTLED
    order.updated_at = now
    save_order(sandbox.store, order)


def _run_settlement(sandbox: Sandbox, due: Due) -> None:
    with sandbox.store.transaction():
        order = get_order(sandbox.store, GATEWAY, due.subject)
        if order is not None and order.kind == PAYIN:
            settle(sandbox, order)


def pay_time(order: Order) -> datetime | None:
    text = order.data.get("pay_time")
    return parse_instant(text) if text else None


# Its timed transitions, named in the plug (`timer_actions`).
TIMER_ACTIONS: dict[str, TimerAction] = {
    SETTLE: _run_settlement,
    EXPIRE: _run_expiry,
    OUTCOME: outcome_action(GATEWAY, _apply),
}
