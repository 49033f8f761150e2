"""EzPay state machines: how payments, payouts, static codes and refunds become final.

Every transition goes through here, whatever caused it (a timer, the hosted page, an admin
complete, a scenario outcome), so balances and notifications are always the same. The first
transition wins: a late cause on a final order does nothing and answers `False`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sandbox.clock import format_instant
from sandbox.gateways.directives import kept_blocks
from sandbox.gateways.ezpay.callbacks import notify
from sandbox.gateways.ezpay.codes import DEFAULT_FAILED_CODE, FAILURES, TIMEOUT_FAILED_CODE
from sandbox.gateways.ezpay.ids import new_id
from sandbox.gateways.ezpay.merchant import EzPayMerchant
from sandbox.gateways.ezpay.money import move, payment_fee
from sandbox.gateways.orders import Order, insert_order, new_order, save_order
from sandbox.gateways.outcomes import Outcome, outcome_action, run_outcome
from sandbox.runtime import Sandbox
from sandbox.timers import TimerAction

GATEWAY = "ezpay"
SETTLE = "ezpay.settle"

PENDING, COMPLETED, FAILED = "PENDING", "COMPLETED", "FAILED"
ACTIVE, INACTIVE, CANCEL = "ACTIVE", "INACTIVE", "CANCEL"
COMPLETE = "COMPLETE"

PAYMENT_EXPIRY = timedelta(hours=24)
PAYOUT_DELAY = timedelta(seconds=5)
REFUND_DELAY = timedelta(seconds=5)
STATIC_EXPIRY = timedelta(days=30)


Result = Outcome  # a cause's effect in neutral terms; `code` is the (negative) failedCode


def merchant_of(sandbox: Sandbox, order: Order) -> EzPayMerchant:
    found = sandbox.merchants.find(GATEWAY, order.merchant)
    assert isinstance(found, EzPayMerchant)
    return found


def _fail(order: Order, code: int | None, reason: str | None) -> None:
    failed = code if code is not None else DEFAULT_FAILED_CODE
    order.data["failedCode"] = failed
    order.data["failedMessage"] = reason or FAILURES.get(failed, FAILURES[DEFAULT_FAILED_CODE])


def _final(order: Order, status: str, now: datetime) -> None:
    order.status = status
    order.updated_at = now
    order.data["returnAt"] = format_instant(now)


# -- scheduling -------------------------------------------------------------------------------


def schedule(sandbox: Sandbox, order: Order, due: datetime, result: Result) -> None:
    """The gateway's own timed transition (expiry, the usual payout/refund delay)."""
    sandbox.timers.schedule(
        GATEWAY, order.merchant, SETTLE, order.platform_id, due, result.to_args()
    )


def run_planned(sandbox: Sandbox, order: Order, result: Result, after: timedelta) -> None:
    """A scenario outcome, by the shared rule (`after` zero: now, in the request)."""
    run_outcome(
        sandbox, order, result, after, action=SETTLE, apply=lambda r: apply(sandbox, order, r)
    )


def apply(sandbox: Sandbox, order: Order, result: Result) -> bool:
    """Make `result` happen to `order`; False when the order is no longer open for it."""
    if order.kind == "payment":
        return settle_payment(sandbox, order, result)
    if order.kind == "payout":
        return settle_payout(sandbox, order, result)
    if order.kind == "refund":
        return settle_refund(sandbox, order, result)
    if order.kind == "static":
        if result.status in ("success", "failed"):
            if result.paid_amount is None:
                return False
            return pay_static(sandbox, order, result) is not None
        return close_static(sandbox, order, result.status)
    return False


# -- dynamic payments ------------------------------------------------------------------


def settle_payment(sandbox: Sandbox, order: Order, result: Result) -> bool:
    if order.status != PENDING or result.status == "pending":
        return False
    now = sandbox.clock.now()
    merchant = merchant_of(sandbox, order)
    if result.status == "success":
        paid = result.paid_amount if result.paid_amount is not None else order.amount
        fee = payment_fee(merchant, paid)
        order.amount = paid
        order.data["fee"] = str(fee)
        _final(order, COMPLETED, now)
        move(sandbox.store, order.merchant, order.currency, paid - fee, now)
    elif result.status in ("failed", "expired"):
        code = TIMEOUT_FAILED_CODE if result.status == "expired" else result.code
        _fail(order, code, result.reason)
        _final(order, FAILED, now)
    else:
        return False
    sandbox.timers.cancel(SETTLE, order.platform_id)
    save_order(sandbox.store, order)
    notify(sandbox, merchant, order, order.data.get("notifyUrl"))
    return True


# -- payouts ---------------------------------------------------------------------------


def payout_url(merchant: EzPayMerchant, order: Order) -> str | None:
    url = order.data.get("notifyUrl") or merchant.payout_notify_url
    return str(url) if url else None


def settle_payout(sandbox: Sandbox, order: Order, result: Result) -> bool:
    if order.status != PENDING or result.status not in ("success", "failed"):
        return False
    now = sandbox.clock.now()
    merchant = merchant_of(sandbox, order)
    if result.status == "success":
        _final(order, COMPLETED, now)
    else:
        _fail(order, result.code, result.reason)
        _final(order, FAILED, now)
        debit = order.amount + Decimal(order.data.get("fee", "0"))
        move(sandbox.store, order.merchant, order.currency, debit, now)
    sandbox.timers.cancel(SETTLE, order.platform_id)
    save_order(sandbox.store, order)
    notify(sandbox, merchant, order, payout_url(merchant, order))
    return True


# -- refunds ---------------------------------------------------------------------------


def settle_refund(sandbox: Sandbox, order: Order, result: Result) -> bool:
    if order.status != PENDING or result.status not in ("success", "failed", "canceled"):
        return False
    now = sandbox.clock.now()
    merchant = merchant_of(sandbox, order)
    if result.status == "success":
        _final(order, COMPLETE, now)
    else:
        if result.status == "failed":
            _fail(order, result.code, result.reason)
        _final(order, FAILED if result.status == "failed" else CANCEL, now)
        net = order.amount - Decimal(order.data.get("feeRefunded", "0"))
        order.data["feeRefunded"] = "0"
        move(sandbox.store, order.merchant, order.currency, net, now)
    sandbox.timers.cancel(SETTLE, order.platform_id)
    save_order(sandbox.store, order)
    notify(sandbox, merchant, order, order.data.get("refundCallbackUrl"))
    return True


# -- static codes ----------------------------------------------------------------------


def close_static(sandbox: Sandbox, code: Order, status: str) -> bool:
    if code.status != ACTIVE or status not in ("expired", "canceled"):
        return False
    now = sandbox.clock.now()
    code.status = INACTIVE if status == "expired" else CANCEL
    code.updated_at = now
    if status == "canceled":
        code.data["expiresAt"] = format_instant(now)  # the docs show the cancel time here
    sandbox.timers.cancel(SETTLE, code.platform_id)
    save_order(sandbox.store, code)
    return True


def pay_static(sandbox: Sandbox, code: Order, result: Result) -> Order | None:
    """One payment of `result.paid_amount` to an ACTIVE code: a final `C…` transaction."""
    if code.status != ACTIVE or result.paid_amount is None:
        return None
    now = sandbox.clock.now()
    merchant = merchant_of(sandbox, code)
    paid = result.paid_amount
    transaction = new_order(
        GATEWAY,
        code.merchant,
        "static_payment",
        platform_id=new_id(sandbox, "C"),
        merchant_order_id=code.merchant_order_id,
        amount=paid,
        currency=code.currency,
        status=COMPLETED,
        now=now,
        parent_id=code.platform_id,
        data={
            "country": code.data["country"],
            "channelCode": code.data["channelCode"],
            "channelType": code.data["channelType"],
            "remark": code.data.get("remark"),
            "returnAt": format_instant(now),
        },
    )
    fail_code = code.data.get("failCode")
    if result.status == "failed" or fail_code is not None:
        transaction.status = FAILED
        _fail(transaction, result.code if result.code is not None else fail_code, result.reason)
    else:
        fee = payment_fee(merchant, paid)
        transaction.data["fee"] = str(fee)
        move(sandbox.store, code.merchant, code.currency, paid - fee, now)
    insert_order(sandbox.store, transaction)
    notify(sandbox, merchant, transaction, code.data.get("notifyUrl"), kept_blocks(code.data))
    return transaction


# Its timed transitions, named in the plug (`timer_actions`).
TIMER_ACTIONS: dict[str, TimerAction] = {SETTLE: outcome_action(GATEWAY, apply)}
