"""TrustPay Order Refund — `POST /v4/order/refund` (`refund`.5.1.3.7).

A refund is a `refund` order (`parent_id` = the pay-in's platform id, `merchant_order_id` = the
`merchant_refund_no`, status 1 pending / 2 succeeded / 3 failed). Accepting one moves the pay-in
to 9 and holds `amount + refund fee` (`balance` → `frozen`), with a status-9 callback at once.
After 2 s (or the scenario's `after`) it succeeds (pay-in 7 when fully refunded, else 8; the hold
leaves) or fails (the pay-in returns to its previous status, 6 if it settled meanwhile; the hold
returns to `balance`), each with the pay-in callback for the new status. Refund `data`: `reason`
(the merchant's), `fee`, `held`, `previous_status`, `failed_reason`, `scenario` (callback blocks).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from starlette.responses import Response

from sandbox.gateways.directives import (
    PLAN_KEY,
    kept_plan,
    plan_blocks,
)
from sandbox.gateways.orders import (
    Order,
    find_order,
    get_order,
    insert_order,
    new_order,
    refusing_duplicates,
    save_order,
)
from sandbox.gateways.plug import AdminError
from sandbox.gateways.trustpay.balances import available_balance, hold, release, unhold
from sandbox.gateways.trustpay.callbacks import notify_order, refund_totals
from sandbox.gateways.trustpay.codes import TrustPayError, bad_request
from sandbox.gateways.trustpay.fees import cents, refund_fee
from sandbox.gateways.trustpay.ordering import (
    REFUND_NUMBERS,
    new_platform_order_no,
    order_exists,
)
from sandbox.gateways.trustpay.pipeline import Call, trustpay_route
from sandbox.gateways.trustpay.queries import lookup
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.timers import Due, TimerAction

GATEWAY = "trustpay"
KIND = "refund"
REFUND_AFTER = timedelta(seconds=2)
FINISH = "trustpay.refund.finish"

# Refund statuses and the pay-in statuses they touch.
PENDING, SUCCEEDED, FAILED = "1", "2", "3"
PAID, SETTLED, REFUNDED, PARTIALLY_REFUNDED, REFUNDING = "5", "6", "7", "8", "9"
REFUNDABLE = frozenset({PAID, SETTLED, PARTIALLY_REFUNDED})
# Neutral outcome → default reason of a failed refund.
FAILURE_REASONS = {"failed": "refund failed", "expired": "refund expired", "canceled": "canceled"}
FAILED_REFUND_CODE = 880008  # `failed_reason.code` when the scenario gives none


async def create_refund(call: Call) -> Response:
    fields = call.fields
    order_no = fields.text("order_no")
    refund_no = fields.order_no("merchant_refund_no")
    amount = fields.amount("refund_amount")
    reason = fields.string("reason", required=False, max_length=256, rule="at most 256 characters")
    fields.integer("merchant_id", required=False)
    assert refund_no is not None and amount is not None
    plan = call.plan_for(order_no=refund_no, amount=amount)
    refund: Order | None = None
    if call.processes(plan):
        with refusing_duplicates(order_exists), call.sandbox.store.transaction():
            payin, fee = _check_rules(call, order_no, refund_no, amount)
            refund = start_refund(call.sandbox, payin, refund_no, amount, fee, reason or "", plan)

    def normal() -> Response:
        assert refund is not None
        return call.success(
            {
                "merchant_refund_no": refund.merchant_order_id,
                "refund_amount": cents(refund.amount),
                "currency": refund.currency,
                "status": int(PENDING),
                "failed_reason": {},
            }
        )

    return await call.answer(plan, normal if refund is not None else None)


def _check_rules(
    call: Call, order_no: str, refund_no: str, amount: Decimal
) -> tuple[Order, Decimal]:
    """Business rules in the documented order; the pay-in and the refund fee when all pass."""
    store = call.sandbox.store

    def refund_no_taken() -> bool:
        found = find_order(store, GATEWAY, call.merchant_id, merchant_order_id=refund_no, kind=KIND)
        return found is not None

    if refund_no_taken():
        raise order_exists()
    payin = lookup(call.sandbox, call.merchant_id, order_no)  # as Order Query
    if payin is None:
        raise bad_request("order not found")
    if payin.kind != "payin":
        raise TrustPayError(880006, "invalid_transaction_type")
    if payin.status not in REFUNDABLE:
        # On a shared database a refund with this very number may have committed (moving the
        # pay-in to refunding) since the look-up above: that request is a duplicate.
        raise (
            order_exists()
            if refund_no_taken()
            else TrustPayError(880008, "order_processing_failed")
        )
    paid = Decimal(str(payin.data.get("paid_amount") or "0"))
    refunded, _ = refund_totals(store, payin)
    if amount <= 0 or amount > paid - refunded:
        raise TrustPayError(880015, "amount_rule_violation")
    fee = refund_fee(call.merchant, amount)
    if available_balance(store, call.merchant_id, payin.currency) < amount + fee:
        raise TrustPayError(880005, "insufficient_balance")
    return payin, fee


def start_refund(
    sandbox: Sandbox,
    payin: Order,
    refund_no: str,
    amount: Decimal,
    fee: Decimal,
    reason: str,
    plan: Plan | None,
    *,
    schedule: bool = True,
    notify: bool = True,
) -> Order:
    """Store a pending refund under `payin`, move the pay-in to 9 and hold `amount + fee`; with
    `schedule`, its outcome is due after 2 s (or the plan's); with `notify`, the status-9
    callback goes out. Caller holds the store transaction."""
    now = sandbox.clock.now()
    held = cents(amount + fee)
    refund = new_order(
        GATEWAY,
        payin.merchant,
        KIND,
        platform_id=new_platform_order_no(sandbox),
        merchant_order_id=refund_no,
        amount=cents(amount),
        currency=payin.currency,
        status=PENDING,
        now=now,
        parent_id=payin.platform_id,
        data={
            "reason": reason,
            "fee": str(fee),
            "held": str(held),
            "previous_status": payin.status,
            "failed_reason": {},
            PLAN_KEY: plan_blocks(plan),
        },
        plan=None if plan is None else plan.to_json(),
        number_space=REFUND_NUMBERS,
    )
    insert_order(sandbox.store, refund)
    payin.status = REFUNDING
    payin.updated_at = now
    save_order(sandbox.store, payin)
    hold(sandbox.store, payin.merchant, payin.currency, held, now)
    outcome = None if plan is None else plan.outcome
    if schedule and (outcome is None or outcome.status != "pending"):
        after = REFUND_AFTER if outcome is None or outcome.after is None else outcome.after
        sandbox.timers.schedule(
            GATEWAY,
            payin.merchant,
            FINISH,
            refund.platform_id,
            now + after,
            {
                "status": "success" if outcome is None else outcome.status,
                "reason": None if outcome is None else outcome.reason,
                "code": None if outcome is None else outcome.code,
            },
        )
    if notify:
        notify_order(sandbox, payin, int(REFUNDING), plan=plan)
    return refund


# -- completion (timer, admin) ----------------------------------------------------------------


def finish_refund(
    sandbox: Sandbox,
    refund: Order,
    outcome: str,
    *,
    reason: str | None = None,
    code: int | None = None,
) -> bool:
    """Settle a pending refund with a neutral outcome: `success` → refund 2 and the pay-in 7/8;
    `failed`/`expired`/`canceled` → refund 3 and the pay-in back. Money per.7, then the
    pay-in callback. False when nothing changed (not pending, or `pending`)."""
    if refund.status != PENDING or (outcome != "success" and outcome not in FAILURE_REASONS):
        return False
    store, now = sandbox.store, sandbox.clock.now()
    payin = get_order(store, GATEWAY, refund.parent_id or "")
    if payin is None:  # pragma: no cover - refunds are created under a stored pay-in
        return False
    held = Decimal(str(refund.data.get("held", refund.amount)))
    plan = kept_plan(refund.data)
    with store.transaction():
        refund.updated_at = payin.updated_at = now
        if outcome == "success":
            refund.status = SUCCEEDED
            save_order(store, refund)
            paid = Decimal(str(payin.data.get("paid_amount") or "0"))
            refunded, _ = refund_totals(store, payin)
            payin.status = REFUNDED if refunded >= paid else PARTIALLY_REFUNDED
            told_reason = reason
            release(store, refund.merchant, refund.currency, held, now)
        else:
            told_reason = reason or FAILURE_REASONS[outcome]
            if code is not None:
                told_reason = f"{code}: {told_reason}"
            refund.status = FAILED
            refund.data["failed_reason"] = {
                "code": FAILED_REFUND_CODE if code is None else code,
                "message": told_reason,
            }
            save_order(store, refund)
            previous = str(refund.data.get("previous_status", PAID))
            if previous == PAID and payin.data.get("settled"):
                previous = SETTLED
            payin.status = previous
            unhold(store, refund.merchant, refund.currency, held, now)
        save_order(store, payin)
        sandbox.timers.cancel(FINISH, refund.platform_id)
        notify_order(sandbox, payin, reason=told_reason, plan=plan)
    return True


def _finish_due(sandbox: Sandbox, due: Due) -> None:
    refund = get_order(sandbox.store, GATEWAY, due.subject)
    if refund is None or refund.kind != KIND:
        return
    args = due.args
    finish_refund(
        sandbox, refund, str(args["status"]), reason=args.get("reason"), code=args.get("code")
    )


# Its timed transitions, named in the plug (`timer_actions`).
TIMER_ACTIONS: dict[str, TimerAction] = {FINISH: _finish_due}


def complete_refund(sandbox: Sandbox, refund: Order, status: str, reason: str | None) -> None:
    """`POST /_sandbox/orders/{id}/complete` on a refund: only while it is pending (else 409)."""
    if refund.status != PENDING:
        raise AdminError(409, "conflict", f"refund {refund.platform_id} is no longer pending")
    if status != "success" and status not in FAILURE_REASONS:
        raise AdminError(422, "invalid", f"status: {status!r} cannot complete a refund")
    finish_refund(sandbox, refund, status, reason=reason)


ROUTES = [trustpay_route("/v4/order/refund", "refund", "v4", create_refund)]
