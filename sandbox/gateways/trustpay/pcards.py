"""Physical Card Issuer, `/v3/pcard/…`: cardholders with KYC, cards, the account.

Amounts in this family are strings with two decimals (`"100.00"`).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from sandbox.gateways.directives import (
    PLAN_KEY,
    kept_plan,
    plan_blocks,
)
from sandbox.gateways.orders import (
    Order,
    claim_value,
    data_taken,
    refusing_duplicates,
    save_order,
)
from sandbox.gateways.trustpay import cardorders, cards
from sandbox.gateways.trustpay.callbacks import send_kyc_callback
from sandbox.gateways.trustpay.cards import card_route, fields, not_found
from sandbox.gateways.trustpay.codes import TrustPayError, bad_request
from sandbox.gateways.trustpay.ordering import order_exists, outcome_reason
from sandbox.gateways.trustpay.pipeline import GATEWAY, Call
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.timers import Due, TimerAction

KYC_ACTION = "trustpay.cardholder.kyc"
KYC_AFTER = timedelta(seconds=3)
KYC_REJECTED = "KYC rejected"
KYC_REASONS = {"failed": KYC_REJECTED, "expired": "expired", "canceled": "canceled"}
APPROVED, REJECTED, KYC_PENDING = "APPROVED", "REJECTED", "PENDING"
CARD_NUMBERS = "pcard.card_number"  # the claim space of a physical card's number


def holder_item(holder: Order) -> dict[str, Any]:
    data = holder.data
    return {
        "cardholder_id": holder.platform_id,
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "email": data["email"],
        "country_code": data["country_code"],
        "phone_number": data["phone_number"],
        "cardholder_status": holder.status,
        "reason": data.get("reason", ""),
        "created_at": cards.timestamp(holder.created_at),
    }


def pcard_item(card: Order) -> dict[str, Any]:
    """A PCard, PAN masked."""
    return {
        "card_id": card.platform_id,
        "cardholder_id": card.parent_id,
        "card_number": cards.mask(str(card.data["card_number"])),
        "card_currency": card.currency,
        "available_balance": cards.text(card.amount),
        "card_status": card.status,
        "created_at": cards.timestamp(card.created_at),
    }


def transaction_item(txn: Order, card: Order) -> dict[str, Any]:
    """A card transaction, keys in the documented order."""
    return {
        "card_id": card.platform_id,
        "cardholder_id": card.parent_id,
        "transaction_id": txn.platform_id,
        "type": txn.data["type"],
        "amount": cards.text(txn.amount),
        "currency": txn.currency,
        "merchant_name": txn.data["merchant_name"],
        "status": txn.status,
        "created_at": cards.timestamp(txn.created_at),
    }


# -- cardholders and KYC -------------------------------------------------------------------------


async def create_cardholder(call: Call) -> Response:
    f = fields(call)
    first_name = f.text("first_name", max_length=64)
    last_name = f.text("last_name", max_length=64)
    email = f.text("email", max_length=254, pattern=cards.EMAIL, rule="e-mail address")
    country = f.text("country_code")
    if country not in cards.COUNTRIES:
        raise f.invalid("country_code", "ISO 3166-1 alpha-2, uppercase")
    phone = f.text("phone_number", max_length=21, pattern=cards.PHONE, rule="4-20 digits")
    notify_url = f.url("notify_url", required=False)
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    sandbox = call.sandbox
    data = {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "country_code": country,
        "phone_number": phone,
        "notify_url": notify_url,
        "reason": "",
        PLAN_KEY: plan_blocks(plan),
    }
    with sandbox.store.transaction():
        holder = cards.new_object(
            sandbox,
            call.merchant_id,
            cards.CARDHOLDER,
            cards.new_uuid(sandbox),
            amount=Decimal("0.00"),
            status=KYC_PENDING,
            data=data,
            plan=plan,
        )
        _schedule_kyc(sandbox, holder, plan)
    call.note = f"cardholder {holder.platform_id}"
    answer = {"cardholder_id": holder.platform_id, "cardholder_status": KYC_PENDING}
    return await call.answer(plan, lambda: call.success(answer))


def _schedule_kyc(sandbox: Sandbox, holder: Order, plan: Plan) -> None:
    outcome = plan.outcome
    if outcome is not None and outcome.status == "pending":
        return
    status = "success" if outcome is None else outcome.status
    reason = None
    if rejected_by_name(holder):  # built in: no scenario condition reads names
        status, reason = "failed", KYC_REJECTED
    elif outcome is not None and status != "success":
        reason = outcome_reason(outcome, KYC_REASONS[status])
    after = KYC_AFTER if outcome is None or outcome.after is None else outcome.after
    args = {"outcome": status, "reason": reason}
    due = sandbox.clock.now() + after
    sandbox.timers.schedule(GATEWAY, holder.merchant, KYC_ACTION, holder.platform_id, due, args)


def rejected_by_name(holder: Order) -> bool:
    names = (str(holder.data["first_name"]), str(holder.data["last_name"]))
    return any(name.upper().startswith("REJECT") for name in names)


def finish_kyc(sandbox: Sandbox, holder: Order, outcome: str, reason: str | None) -> bool:
    """`PENDING` → `APPROVED` / `REJECTED` with the KYC callback. False if not pending."""
    if holder.status != KYC_PENDING:
        return False
    with sandbox.store.transaction():
        if outcome == "success":
            holder.status, holder.data["reason"] = APPROVED, ""
        else:
            holder.status = REJECTED
            holder.data["reason"] = reason or KYC_REASONS.get(outcome, KYC_REJECTED)
        holder.updated_at = sandbox.clock.now()
        save_order(sandbox.store, holder)
        sandbox.timers.cancel(KYC_ACTION, holder.platform_id)
        plan = kept_plan(holder.data)
        send_kyc_callback(sandbox, cardorders.merchant_of(sandbox, holder), holder, plan)
    return True


def _kyc_due(sandbox: Sandbox, due: Due) -> None:
    holder = cards.find(sandbox.store, due.merchant, cards.CARDHOLDER, due.subject)
    if holder is not None:
        finish_kyc(sandbox, holder, str(due.args["outcome"]), due.args.get("reason"))


# Its timed transitions, named in the plug (`timer_actions`).
TIMER_ACTIONS: dict[str, TimerAction] = {KYC_ACTION: _kyc_due}


async def list_cardholders(call: Call) -> Response:
    page, size = fields(call).page()
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    found, total = cards.page_of(call.sandbox.store, call.merchant_id, cards.CARDHOLDER, page, size)
    items = [holder_item(h) for h in found]
    return await call.answer(plan, lambda: call.success(cards.listing(items, page, size, total)))


# -- cards ---------------------------------------------------------------------------------------


async def assign(call: Call) -> Response:
    f = fields(call)
    holder_id = f.text("cardholder_id", max_length=64)
    card_number = f.string("card_number", required=False)
    if card_number is not None and (len(card_number) != 16 or not cards.luhn_valid(card_number)):
        raise bad_request("invalid card number")
    currency = f.currency("card_currency")
    assert currency is not None
    plan = call.plan_for(currency=currency, card_number=card_number)
    if not call.processes(plan):
        return await call.answer(plan, None)
    sandbox = call.sandbox
    store = sandbox.store
    holder = cards.find(store, call.merchant_id, cards.CARDHOLDER, holder_id)
    if holder is None:
        raise not_found("cardholder")
    if holder.status != APPROVED:
        raise bad_request("cardholder not approved")
    if card_number is not None and _assigned(call, card_number):
        raise TrustPayError(880012, "order_already_exists")
    if currency != cards.CARD_CURRENCY:
        raise TrustPayError(880024, "no_channel_available")
    with store.transaction():
        if card_number is None:
            card_number, _cvv = cardorders.unique_pan(sandbox, cards.PHYSICAL_BIN, cards.PCARD)
        # Another request assigning this number may have passed the look-up above at once.
        if not claim_value(store, GATEWAY, call.merchant_id, CARD_NUMBERS, card_number):
            raise TrustPayError(880012, "order_already_exists")
        card = cards.new_object(
            sandbox,
            call.merchant_id,
            cards.PCARD,
            cards.new_uuid(sandbox),
            amount=Decimal("0.00"),
            currency=currency,
            status=cards.ACTIVE,
            data={"card_number": card_number},
            parent_id=holder.platform_id,
            plan=plan,
        )
    call.note = f"physical card {card.platform_id}"
    return await call.answer(plan, lambda: call.success(pcard_item(card)))


def _assigned(call: Call, card_number: str) -> bool:
    return data_taken(
        call.sandbox.store,
        GATEWAY,
        "card_number",
        card_number,
        merchant=call.merchant_id,
        kind=cards.PCARD,
    )


async def list_cards(call: Call) -> Response:
    f = fields(call)
    holder_id = f.string("cardholder_id", required=False, max_length=64)
    page, size = f.page()
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    store = call.sandbox.store
    if (
        holder_id is not None
        and cards.find(store, call.merchant_id, cards.CARDHOLDER, holder_id) is None
    ):
        raise not_found("cardholder")
    found, total = cards.page_of(store, call.merchant_id, cards.PCARD, page, size, holder_id)
    items = [pcard_item(c) for c in found]
    return await call.answer(plan, lambda: call.success(cards.listing(items, page, size, total)))


def _card(call: Call, card_id: str) -> Order:
    card = cards.find(call.sandbox.store, call.merchant_id, cards.PCARD, card_id)
    if card is None:
        raise not_found("card")
    return card


async def card_balance(call: Call) -> Response:
    card_id = fields(call).text("card_id", max_length=64)
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    card = _card(call, card_id)
    answer = {
        "card_id": card.platform_id,
        "card_currency": card.currency,
        "available_balance": cards.text(card.amount),
        "card_status": card.status,
    }
    return await call.answer(plan, lambda: call.success(answer))


async def card_transactions(call: Call) -> Response:
    f = fields(call)
    card_id = f.text("card_id", max_length=64)
    page, size = f.page()
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    card = _card(call, card_id)
    store = call.sandbox.store
    found, total = cards.page_of(
        store, call.merchant_id, cards.PCARD_TXN, page, size, card.platform_id
    )
    items = [transaction_item(t, card) for t in found]
    return await call.answer(plan, lambda: call.success(cards.listing(items, page, size, total)))


async def account(call: Call) -> Response:
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    balances = cards.card_account(call.sandbox.store, call.merchant_id)
    answer = {
        "account_id": cards.account_id(call.sandbox, call.merchant_id),
        "currency": cards.CARD_CURRENCY,
        "available_balance": cards.text(balances.available),
        "frozen_balance": cards.text(balances.frozen),
    }
    return await call.answer(plan, lambda: call.success(answer))


# -- Card Charge ---------------------------------------------------------------------------------


async def charge(call: Call) -> Response:
    f = fields(call)
    card_id = f.text("card_id", max_length=64)
    amount = f.amount("amount")
    order_no = f.order_no("order_no")
    assert amount is not None and order_no is not None
    plan = call.plan_for(order_no=order_no, amount=amount, currency=cards.CARD_CURRENCY)
    if not call.processes(plan):
        return await call.answer(plan, None)
    sandbox = call.sandbox
    store = sandbox.store
    if cards.find_card_order(store, call.merchant_id, order_no) is not None:
        raise TrustPayError(880012, "order_already_exists")
    card = _card(call, card_id)
    if card.status != cards.ACTIVE:
        raise bad_request("card not active")
    if amount <= 0 or amount > call.merchant.limits.max_amount:
        raise TrustPayError(880015, "amount_rule_violation")
    if cards.card_account(store, call.merchant_id).available < amount:
        raise TrustPayError(880005, "insufficient_balance")
    outcome = plan.outcome
    status = "success" if outcome is None else outcome.status
    with refusing_duplicates(order_exists), store.transaction():
        order = cards.new_object(
            sandbox,
            call.merchant_id,
            cards.CARD_ORDER,
            cards.new_card_order_no(sandbox, "PC"),
            merchant_order_id=order_no,
            amount=amount,
            status=cards.PENDING,
            data={
                "family": cards.PCARD,
                "charge_type": cards.LOAD,
                "card_id": card.platform_id,
                "fee": "0.00",
                "reason": "",
            },
            parent_id=card.platform_id,
            plan=plan,
        )
        # Synchronous: `finish` releases the hold at once unless a scenario keeps it 1.
        cardorders.hold(sandbox, call.merchant_id, amount)
        if status != "pending":
            reason = None
            if outcome is not None and status != "success":
                default = cardorders.DEFAULT_REASONS[status]
                reason = outcome_reason(outcome, default)
            cardorders.finish(sandbox, order, status, reason)
    call.note = f"card charge {order_no} status {order.status}"
    balance = cards.find(store, call.merchant_id, cards.PCARD, card.platform_id)
    assert balance is not None
    answer = {
        "order_no": order_no,
        "card_id": card.platform_id,
        "amount": cards.text(amount),
        "currency": card.currency,
        "card_balance": cards.text(balance.amount),
        "status": int(order.status),
        "reason": order.data.get("reason", ""),
    }
    return await call.answer(plan, lambda: call.success(answer))


ROUTES = [
    card_route("/v3/pcard/cardholder", "pcard.cardholder.create", create_cardholder),
    card_route("/v3/pcard/cardholders", "pcard.cardholder.list", list_cardholders),
    card_route("/v3/pcard/cards/assign", "pcard.assign", assign),
    card_route("/v3/pcard/cards", "pcard.cards", list_cards),
    card_route("/v3/pcard/card-balance", "pcard.balance", card_balance),
    card_route("/v3/pcard/card-transactions", "pcard.transactions", card_transactions),
    card_route("/v3/pcard/account", "pcard.account", account),
    card_route("/v3/pcard/card-charge", "pcard.charge", charge),
]
