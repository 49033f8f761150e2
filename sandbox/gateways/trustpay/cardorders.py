"""The card-order state machine (spec.4, money.7): accepted 1 → 2 after 1 s → 4 or 3.

Virtual `OPEN_CARD` / `CARD_CHARGE` orders hold their amount in `frozen_balance` until they end;
a physical Card Charge a scenario left pending does the same. Success releases the hold and
credits the card (`amount - fee`; a new card for `OPEN_CARD`, a `LOAD` for physical cards);
failure returns the hold. Virtual orders then send their callback.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sandbox.gateways.directives import kept_plan
from sandbox.gateways.orders import Order, data_taken, save_order
from sandbox.gateways.outcomes import Outcome, planned_after, run_outcome
from sandbox.gateways.trustpay import cards
from sandbox.gateways.trustpay.callbacks import send_card_order_callback
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.gateways.trustpay.ordering import outcome_reason
from sandbox.gateways.trustpay.pipeline import GATEWAY
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.timers import Due, TimerAction

PROCESSING_ACTION = "trustpay.card_order.processing"
FINISH_ACTION = "trustpay.card_order.finish"
PROCESSING_AFTER = timedelta(seconds=1)
FINISH_AFTER = timedelta(seconds=3)

# Failure texts for an outcome without its own `reason`.
DEFAULT_REASONS = {"failed": "payment failed", "expired": "expired", "canceled": "canceled"}


def merchant_of(sandbox: Sandbox, order: Order) -> TrustPayMerchant:
    merchant = sandbox.merchants.find(GATEWAY, order.merchant)
    assert isinstance(merchant, TrustPayMerchant)
    return merchant


def schedule(sandbox: Sandbox, order: Order, plan: Plan) -> None:
    """The automatic transitions of an accepted virtual order, as the plan's outcome says:
    1 → 2 after 1 s, then the outcome (default success after 3 s; `pending` stays 1)."""
    outcome = plan.outcome
    if outcome is not None and outcome.status == "pending":
        return  # stays 1 until admin complete
    status = "success" if outcome is None else outcome.status
    reason = None if status == "success" else outcome_reason(outcome, DEFAULT_REASONS[status])
    due = sandbox.clock.now() + PROCESSING_AFTER
    sandbox.timers.schedule(GATEWAY, order.merchant, PROCESSING_ACTION, order.platform_id, due)

    def now(planned: Outcome) -> None:
        finish(sandbox, order, planned.status, planned.reason)

    after = planned_after(plan, FINISH_AFTER)
    run_outcome(
        sandbox, order, Outcome(status, reason=reason), after, action=FINISH_ACTION, apply=now
    )


def hold(sandbox: Sandbox, merchant: str, amount: Decimal) -> None:
    cards.move_account(
        sandbox.store, merchant, sandbox.clock.now(), available=-amount, frozen=amount
    )


def finish(sandbox: Sandbox, order: Order, outcome: str, reason: str | None) -> bool:
    """End a pending (1/2) card order: `success` → 4, anything else → 3, with the callback of a
    virtual order (physical Card Charge has none). False if the order is not pending."""
    if order.status not in (cards.PENDING, cards.PROCESSING):
        return False
    store = sandbox.store
    now = sandbox.clock.now()
    with store.transaction():
        if outcome == "success":
            _succeed(sandbox, order)
        else:
            cards.move_account(
                store, order.merchant, now, available=order.amount, frozen=-order.amount
            )
            order.status = cards.FAILED
            order.data["reason"] = reason or DEFAULT_REASONS.get(outcome, "payment failed")
        order.updated_at = now
        save_order(store, order)
        sandbox.timers.cancel(PROCESSING_ACTION, order.platform_id)
        sandbox.timers.cancel(FINISH_ACTION, order.platform_id)
        if order.data.get("family") == cards.VCARD:
            plan = kept_plan(order.data)
            send_card_order_callback(sandbox, merchant_of(sandbox, order), order, plan)
    return True


def _succeed(sandbox: Sandbox, order: Order) -> None:
    store = sandbox.store
    now = sandbox.clock.now()
    cards.move_account(store, order.merchant, now, frozen=-order.amount)
    fee = Decimal(str(order.data.get("fee", "0")))
    credit = order.amount - fee
    if order.data["charge_type"] == cards.OPEN_CARD:
        card = open_virtual_card(sandbox, order, credit)
        order.data["card_id"] = int(card.platform_id)
        order.parent_id = card.platform_id
    else:
        target = cards.find(store, order.merchant, order.data["family"], str(order.data["card_id"]))
        assert target is not None, "a card order's card is never deleted alone"
        target.amount += credit
        target.updated_at = now
        save_order(store, target)
        if order.data["family"] == cards.PCARD:
            record_load(sandbox, target, order.amount)
    order.status = cards.SUCCEEDED
    order.data["reason"] = ""


def open_virtual_card(sandbox: Sandbox, order: Order, balance: Decimal) -> Order:
    store = sandbox.store
    merchant = merchant_of(sandbox, order)
    product = cards.card_type(merchant, str(order.data["card_type_id"]))
    assert product is not None, "card types come from the configuration"
    pan, cvv = unique_pan(sandbox, product.bin, cards.VCARD)
    data: dict[str, Any] = {
        "card_type_id": product.card_type_id,
        "brand": product.brand,
        "card_number": pan,
        "cvv": cvv,
        "expiry": cards.expiry_after(sandbox.clock.now()),
        "first_name": order.data["first_name"],
        "last_name": order.data["last_name"],
        "email": order.data["email"],
        "open_order": order.platform_id,
    }
    return cards.new_object(
        sandbox,
        order.merchant,
        cards.VCARD,
        str(cards.next_card_id(store)),
        amount=balance,
        currency=product.currency,
        status=cards.ACTIVE,
        data=data,
    )


def unique_pan(sandbox: Sandbox, bin_digits: str, kind: str) -> tuple[str, str]:
    while True:
        pan, cvv = cards.issue_pan(sandbox, bin_digits)
        if not data_taken(sandbox.store, GATEWAY, "card_number", pan, kind=kind):
            return pan, cvv


def record_load(sandbox: Sandbox, card: Order, amount: Decimal) -> Order:
    """A physical card's `LOAD` transaction (Card Charge)."""
    return cards.new_object(
        sandbox,
        card.merchant,
        cards.PCARD_TXN,
        cards.new_uuid(sandbox),
        amount=amount,
        currency=card.currency,
        status="SETTLED",
        data={"type": cards.LOAD, "merchant_name": "", "cardholder_id": card.parent_id},
        parent_id=card.platform_id,
    )


# -- timers -------------------------------------------------------------------------------------


def _order(sandbox: Sandbox, due: Due) -> Order | None:
    order = cards.find(sandbox.store, due.merchant, cards.CARD_ORDER, due.subject)
    return order


def _start_processing(sandbox: Sandbox, due: Due) -> None:
    order = _order(sandbox, due)
    if order is None or order.status != cards.PENDING:
        return
    order.status = cards.PROCESSING
    order.updated_at = sandbox.clock.now()
    save_order(sandbox.store, order)


def _finish_due(sandbox: Sandbox, due: Due) -> None:
    order = _order(sandbox, due)
    if order is None:
        return
    outcome = Outcome.from_args(due.args)
    finish(sandbox, order, outcome.status, outcome.reason)


# Its timed transitions, named in the plug (`timer_actions`).
TIMER_ACTIONS: dict[str, TimerAction] = {
    PROCESSING_ACTION: _start_processing,
    FINISH_ACTION: _finish_due,
}
