"""TrustPay INR payout — `POST /v2/payout/create` (`payout`.7.2).

Flat camelCase v2 answers (`{"code", "message", …fields}`; errors without `data`). An accepted
payout is a `payout` order with status 1 whose amount moves from `balance` to `frozen`; after 5 s
(or the scenario's `after`) it is paid (2, the hold released) or fails (3/4, the hold returned),
with a type-1 camelCase callback. Orders keep in `data`: `api` ("v2"), `notify_url`,
`paid_amount`, `fee`, `pay_time`, `reason`, and the beneficiary (`account_no`, `account_name`,
`ifsc`, `bank_name`).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from sandbox.clock import format_instant
from sandbox.gateways.directives import (
    PLAN_KEY,
    kept_plan,
    plan_blocks,
)
from sandbox.gateways.orders import (
    Order,
    get_order,
    insert_order,
    new_order,
    refusing_duplicates,
    save_order,
)
from sandbox.gateways.plug import AdminError
from sandbox.gateways.trustpay.balances import available_balance, hold, release, unhold
from sandbox.gateways.trustpay.callbacks import NOTIFY_PENDING, notify_order
from sandbox.gateways.trustpay.codes import SUCCESS, TrustPayError
from sandbox.gateways.trustpay.fees import ZERO, cents, payout_fee
from sandbox.gateways.trustpay.fields import Fields
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.gateways.trustpay.ordering import (
    PAYIN_PAYOUT_NUMBERS,
    limit_for,
    new_platform_order_no,
    order_exists,
    order_no_taken,
)
from sandbox.gateways.trustpay.pipeline import Call, trustpay_route
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.signing.values import compact_json
from sandbox.timers import Due, TimerAction

GATEWAY = "trustpay"
KIND = "payout"
PAYOUT_AFTER = timedelta(seconds=5)
FINISH = "trustpay.payout.finish"

PENDING, PAID, FAILED, TIMED_OUT = "1", "2", "3", "4"
# Neutral outcome → (payout status, default reason).
OUTCOMES: dict[str, tuple[str, str]] = {
    "success": (PAID, "success"),
    "failed": (FAILED, "payout failed"),
    "canceled": (FAILED, "canceled"),
    "expired": (TIMED_OUT, "order timeout"),
}

ACCOUNT_NO = re.compile(r"[0-9]{9,18}")
IFSC = re.compile(r"[A-Z]{4}0[A-Z0-9]{6}")


def _error(code: int, name: str) -> TrustPayError:
    return TrustPayError(code, name)


async def create_payout(call: Call) -> Response:
    fields = Fields(call.body, camel=True)  # v2 is camelCase
    fields.integer("merchant_id")
    order_no = fields.order_no("order_no")
    amount = fields.amount("amount")
    currency = fields.currency()
    notify_url = fields.url("notify_url")
    account_no = fields.string("account_no", pattern=ACCOUNT_NO, rule="9-18 digits")
    account_name = fields.string("account_name", max_length=100, rule="1-100 characters")
    ifsc = fields.string("ifsc", pattern=IFSC, rule="expected AAAA0XXXXXX")
    bank_name = fields.string(
        "bank_name", required=False, max_length=100, rule="at most 100 characters"
    )
    assert order_no is not None and amount is not None and currency is not None
    merchant = call.merchant
    schedule = merchant.payout.get(currency)
    plan = call.plan_for(
        order_no=order_no,
        amount=amount,
        currency=currency,
        channel=None if schedule is None else str(schedule.channel_id),
    )
    order: Order | None = None
    if call.processes(plan):
        with refusing_duplicates(order_exists), call.sandbox.store.transaction():
            _check_rules(call, merchant, order_no, amount, currency)
            order = new_payout(
                call.sandbox,
                merchant,
                order_no,
                amount,
                currency,
                {
                    "notify_url": notify_url,
                    "account_no": account_no,
                    "account_name": account_name,
                    "ifsc": ifsc,
                    "bank_name": bank_name or "",
                },
                plan,
            )

    def normal() -> Response:
        assert order is not None
        return flat_response(
            {
                "merchantId": merchant.merchant_id,
                "orderNo": order.merchant_order_id,
                "platformOrderNo": order.platform_id,
                "amount": cents(order.amount),
                "fee": Decimal(order.data["fee"]),
                "status": int(order.status),
            }
        )

    return await call.answer(plan, normal if order is not None else None)


def flat_response(fields: dict[str, Any]) -> Response:
    """A v2 success: the fields beside `code` and `message`, no `data`."""
    body = {"code": SUCCESS, "message": "success", **fields}
    return Response(compact_json(body).encode(), media_type="application/json")


def _check_rules(
    call: Call, merchant: TrustPayMerchant, order_no: str, amount: Decimal, currency: str
) -> None:
    """Business rules in the documented order."""
    store = call.sandbox.store
    if order_no_taken(store, call.merchant_id, order_no):
        raise _error(880012, "order_already_exists")
    if currency not in merchant.payout:
        raise _error(880024, "no_channel_available")
    low = limit_for(merchant, currency, "min_amount")
    high = limit_for(merchant, currency, "max_amount")
    if amount < low or amount > high:
        raise _error(880015, "amount_rule_violation")
    if amount > limit_for(merchant, currency, "per_transaction"):
        raise _error(880022, "transaction_amount_limit_exceeded")
    if available_balance(store, call.merchant_id, currency) < amount:
        raise _error(880005, "insufficient_balance")


def new_payout(
    sandbox: Sandbox,
    merchant: TrustPayMerchant,
    order_no: str,
    amount: Decimal,
    currency: str,
    details: dict[str, Any],
    plan: Plan | None,
    *,
    schedule: bool = True,
) -> Order:
    """Store a pending payout and hold its amount; with `schedule`, its outcome (the plan's, or
    paid) is due after 5 s or the outcome's `after` (none for `pending`). Caller holds the
    store transaction."""
    now = sandbox.clock.now()
    merchant_id = str(merchant.merchant_id)
    amount = cents(amount)
    order = new_order(
        GATEWAY,
        merchant_id,
        KIND,
        platform_id=new_platform_order_no(sandbox),
        merchant_order_id=order_no,
        amount=amount,
        currency=currency,
        status=PENDING,
        now=now,
        data={
            "api": "v2",
            **details,
            "paid_amount": str(ZERO),
            "fee": str(payout_fee(merchant, currency, amount)),
            "pay_time": None,
            "reason": "",
            "notify_status": NOTIFY_PENDING,
            "notify_time": None,
            PLAN_KEY: plan_blocks(plan),
        },
        plan=None if plan is None else plan.to_json(),
        number_space=PAYIN_PAYOUT_NUMBERS,
    )
    insert_order(sandbox.store, order)
    hold(sandbox.store, merchant_id, currency, amount, now)
    outcome = None if plan is None else plan.outcome
    if schedule and (outcome is None or outcome.status != "pending"):
        after = PAYOUT_AFTER if outcome is None or outcome.after is None else outcome.after
        sandbox.timers.schedule(
            GATEWAY,
            merchant_id,
            FINISH,
            order.platform_id,
            now + after,
            {
                "status": "success" if outcome is None else outcome.status,
                "paid_amount": None
                if outcome is None or outcome.paid_amount is None
                else str(outcome.paid_amount),
                "reason": None if outcome is None else outcome.reason,
                "code": None if outcome is None else outcome.code,
            },
        )
    return order


# -- completion (timer, admin) ----------------------------------------------------------------


def finish_payout(
    sandbox: Sandbox,
    order: Order,
    outcome: str,
    *,
    paid_amount: Decimal | None = None,
    reason: str | None = None,
    code: int | None = None,
    plan: Plan | None = None,
) -> bool:
    """Move a pending payout to the status of the neutral `outcome` (success, failed, canceled,
    expired), move the money and send the type-1 callback. False when nothing changed
    (not pending any more, or `outcome` is `pending`)."""
    if order.status != PENDING or outcome not in OUTCOMES:
        return False
    status, default_reason = OUTCOMES[outcome]
    now = sandbox.clock.now()
    store = sandbox.store
    merchant = sandbox.merchants.find(GATEWAY, order.merchant)
    assert isinstance(merchant, TrustPayMerchant)
    told_reason = reason or default_reason
    if code is not None:
        told_reason = f"{code}: {told_reason}"
    with store.transaction():
        order.status = status
        order.updated_at = now
        if status == PAID:
            paid = cents(order.amount if paid_amount is None else paid_amount)
            order.data["paid_amount"] = str(paid)
            order.data["fee"] = str(payout_fee(merchant, order.currency, paid))
            order.data["pay_time"] = format_instant(now)
            order.data["reason"] = ""
            release(store, order.merchant, order.currency, order.amount, now)
        else:
            order.data["fee"] = str(ZERO)
            order.data["reason"] = told_reason
            unhold(store, order.merchant, order.currency, order.amount, now)
        save_order(store, order)
        sandbox.timers.cancel(FINISH, order.platform_id)
        notify_order(sandbox, order, reason=told_reason, plan=plan or payout_plan(order))
    return True


def payout_plan(order: Order) -> Plan | None:
    """The callbacks/delivery blocks of the request that created the payout."""
    return kept_plan(order.data)


async def _finish_due(sandbox: Sandbox, due: Due) -> None:
    order = get_order(sandbox.store, GATEWAY, due.subject)
    if order is None:
        return
    args = due.args
    paid = args.get("paid_amount")
    finish_payout(
        sandbox,
        order,
        args["status"],
        paid_amount=None if paid is None else Decimal(paid),
        reason=args.get("reason"),
        code=args.get("code"),
    )


# Its timed transitions, named in the plug (`timer_actions`).
TIMER_ACTIONS: dict[str, TimerAction] = {FINISH: _finish_due}


def complete_payout(
    sandbox: Sandbox, order: Order, status: str, paid_amount: Decimal | None, reason: str | None
) -> None:
    """`POST /_sandbox/orders/{id}/complete` on a payout: only while it is pending (else 409)."""
    if order.status != PENDING:
        raise AdminError(409, "conflict", f"payout {order.platform_id} is no longer pending")
    if status not in OUTCOMES:
        raise AdminError(422, "invalid", f"status: {status!r} cannot complete a payout")
    finish_payout(sandbox, order, status, paid_amount=paid_amount, reason=reason)


ROUTES = [trustpay_route("/v2/payout/create", "payout", "v2", create_payout)]
