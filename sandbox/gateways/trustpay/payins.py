"""Pay-in creation: v4 Card Direct Payin, v4 Cashier Payin and the legacy v3 card
(sync, async) and cashier endpoints.

Each handler reads its fields in the order of the endpoint's request table (step 8), asks the
scenario engine (step 9), applies business rules 1-10 (step 10) and, in one transaction, stores
the order, resolves it or schedules its outcome, and plans its callback (step 11).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from sandbox.gateways.orders import Order, insert_order, new_order, refusing_duplicates
from sandbox.gateways.outcomes import Outcome, planned_after
from sandbox.gateways.trustpay.callbacks import render_amount
from sandbox.gateways.trustpay.cardfields import (
    COUNTRIES,
    CVV,
    EMAIL,
    PHONE,
    accepted_card_number,
    expiry_problem,
    state_problem,
)
from sandbox.gateways.trustpay.codes import TrustPayError, bad_request
from sandbox.gateways.trustpay.fields import camel_name
from sandbox.gateways.trustpay.lifecycle import (
    GATEWAY,
    PENDING,
    Card,
    expected_fee,
    new_payin,
    platform_order_no,
    run_planned,
    schedule_expiry,
)
from sandbox.gateways.trustpay.limits import (
    CARD_ATTEMPT,
    CARD_ATTEMPT_STATUS,
    CARD_FAILURES,
    DUPLICATE,
    MESSAGES,
    card_failures,
    check_payin_rules,
    limits_for,
    payin_totals,
)
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.gateways.trustpay.ordering import order_exists, order_no_taken
from sandbox.gateways.trustpay.pipeline import Call, trustpay_route
from sandbox.gateways.trustpay.risk import RiskVerdict, risk_control_verdict
from sandbox.pages.layout import pay_page_url
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan

ALL_CHANNELS_FAILED_CARD = "4000000000000119"
ALL_CHANNELS_FAILED = 880014
RISK_CONTROL_FAILED = 880017
V3_ALL_CHANNELS_REASON = "all channels failed: channel[5]: card payin failed: issuer unavailable"
AUTHENTICATION_PENDING = "authentication pending"
V3_ASYNC_MIN_DELAY = timedelta(seconds=2)
ZERO_DELAY = timedelta(0)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PayinRequest:
    """The fields every pay-in creation carries, read and checked."""

    order_no: str
    amount: Decimal
    currency: str
    notify_url: str


@dataclass(frozen=True)
class CardRequest:
    number: str
    holder: str  # v4: first + space + last; v3: cardHolderName


def _common_fields(call: Call) -> PayinRequest:
    f = call.fields
    f.integer("merchant_id")  # required here; its value was checked by the pipeline (step 5)
    order_no = f.order_no("order_no")
    amount = f.amount("order_amount")
    currency = f.currency()
    notify_url = f.url("notify_url")
    assert order_no is not None and amount is not None
    assert currency is not None and notify_url is not None
    return PayinRequest(order_no, amount, currency, notify_url)


def _card_fields(call: Call) -> CardRequest:
    """Card and billing fields in the documented table order (v3 names); billing is optional."""
    f = call.fields
    v3 = call.api == "v3"
    number = f.text("card_number")
    if not accepted_card_number(number):
        raise bad_request("invalid card number")
    expiry = f.text("card_expiry")
    problem = expiry_problem(expiry, call.now())
    if problem is not None:
        raise f.invalid("card_expiry", problem)
    f.text("card_cvv", max_length=4, min_length=3, pattern=CVV, rule="3-4 digits")
    if v3:
        holder = f.text("card_holder_name", max_length=128, rule="1-128 characters")
    else:
        first = f.text("card_holder_first_name", max_length=64, rule="1-64 characters")
        last = f.text("card_holder_last_name", max_length=64, rule="1-64 characters")
        holder = f"{first} {last}"
    # Optional: the published Card Direct Payin example has no billing fields.
    country = f.string("billing_country", required=False)
    if country is not None and country not in COUNTRIES:
        raise f.invalid("billing_country", "ISO 3166-1 alpha-2 code")
    state = f.string("billing_state", required=country in ("US", "CA"))
    problem = state_problem(country, state)
    if problem is not None:
        raise f.invalid("billing_state", problem)
    f.string("billing_city", required=False, max_length=64, rule="at most 64 characters")
    f.string("billing_address", required=False, max_length=256, rule="at most 256 characters")
    f.string("billing_postal_code", required=False, max_length=16, rule="at most 16 characters")
    f.string("email", required=False, max_length=254, pattern=EMAIL, rule="e-mail address")
    f.string("phone", required=False, max_length=32, pattern=PHONE, rule="digits, spaces, + - ( )")
    return CardRequest(number, holder)


def _channel(call: Call, currency: str) -> str | None:
    schedule = call.merchant.payin.get(currency)
    return None if schedule is None else str(schedule.channel_id)


def _plan(call: Call, payin: PayinRequest, card: CardRequest | None = None) -> Plan:
    return call.plan_for(
        order_no=payin.order_no,
        amount=payin.amount,
        currency=payin.currency,
        channel=_channel(call, payin.currency),
        card_number=None if card is None else card.number,
    )


def _check_rules(call: Call, payin: PayinRequest, card: CardRequest | None) -> None:
    broken = check_payin_rules(
        call.sandbox,
        call.merchant,
        order_no=payin.order_no,
        amount=payin.amount,
        currency=payin.currency,
        card_number=None if card is None else card.number,
    )
    if broken is not None:
        raise TrustPayError(*broken)


def _in_transaction(call: Call, work: Callable[[], Order | None]) -> Order | None:
    """Run `work` in one transaction; on failure the in-memory limit totals are dropped too."""
    try:
        with refusing_duplicates(order_exists), call.sandbox.store.transaction():
            return work()
    except BaseException:
        payin_totals(call.sandbox).clear()
        raise


# -- the card charge (rules 8-10), shared with the hosted page ------------------------------


@dataclass(frozen=True)
class CardScreening:
    """Rules 8-10 before a card is charged: the first refusal's code (None: charge it) and the
    risk-control verdict when the merchant's endpoint was asked."""

    refusal: int | None
    risk: RiskVerdict | None = None


async def screen_card(
    sandbox: Sandbox, merchant: TrustPayMerchant, *, order_id: str, card: Card, currency: str
) -> CardScreening:
    """Rule 8 (card failures in 24 h), rule 9 (risk control), rule 10's built-in failing card."""
    now = sandbox.clock.now()
    limit = limits_for(sandbox, merchant, currency).card_failures_24h
    if card_failures(sandbox, str(merchant.merchant_id), card.number, now) >= limit:
        return CardScreening(CARD_FAILURES)
    risk = await risk_control_verdict(
        sandbox, merchant, order_id=order_id, card_number=card.number, holder_name=card.holder
    )
    if not risk.allowed:
        return CardScreening(RISK_CONTROL_FAILED, risk)
    if card.number == ALL_CHANNELS_FAILED_CARD:
        return CardScreening(ALL_CHANNELS_FAILED, risk)
    return CardScreening(None, risk)


def charge_card(
    sandbox: Sandbox,
    order: Order,
    plan: Plan,
    *,
    paid: Decimal | None = None,
    min_after: timedelta = ZERO_DELAY,
    callbacks: Plan | None = None,
) -> None:
    """Rule 10, the charge of a stored pending pay-in: the scenario's outcome (test cards,
    prefixes), default success of `paid` (default the order amount); at once unless delayed."""
    planned = Outcome.planned(plan)
    if planned is None:
        outcome = Outcome("success", paid_amount=paid)
    elif planned.paid_amount is None and paid is not None:
        outcome = replace(planned, paid_amount=paid)
    else:
        outcome = planned
    after = max(planned_after(plan), min_after)
    run_planned(sandbox, order, outcome, after, callbacks)


# -- card pay-ins -------------------------------------------------------------------------


def _card_data(call: Call, order: Order | None, payin: PayinRequest) -> dict[str, Any]:
    """The card pay-in response `data` (v4 snake_case, v3 camelCase), as the order stands."""
    if order is None:  # v3 all channels failed: nothing saved
        status, reason, platform_id = 3, V3_ALL_CHANNELS_REASON, ""
        paid = fee = ZERO
    else:
        status, reason, platform_id = (
            int(order.status),
            order.data.get("reason", ""),
            order.platform_id,
        )
        paid = Decimal(str(order.data.get("paid_amount") or "0"))
        fee = Decimal(str(order.data.get("fee") or "0"))
        if status == int(PENDING):
            reason = AUTHENTICATION_PENDING
    data = {
        "merchant_id": call.merchant.merchant_id,
        "order_no": payin.order_no,
        "platform_order_no": platform_id,
        "currency": payin.currency,
        "order_amount": render_amount(payin.amount),
        "paid_amount": render_amount(paid if status in (5, 6) else ZERO),
        "refund_amount": render_amount(ZERO),
        "fee": render_amount(fee if status in (5, 6) else ZERO),
        "status": status,
        "reason": reason,
    }
    return _v3_names(data) if call.api == "v3" else data


def _v3_names(data: dict[str, Any]) -> dict[str, Any]:
    return {camel_name(key): value for key, value in data.items()}


def _record_failed_attempt(call: Call, payin: PayinRequest, card: CardRequest) -> None:
    """An all-channels-failed attempt: no order, but it counts toward 880018 (rule 8)."""
    now = call.now()
    attempt = new_order(
        GATEWAY,
        call.merchant_id,
        CARD_ATTEMPT,
        platform_id="attempt-" + platform_order_no(call.sandbox),
        merchant_order_id=payin.order_no,
        amount=payin.amount,
        currency=payin.currency,
        status=CARD_ATTEMPT_STATUS,
        now=now,
        data={"card": Card(card.number, card.holder).to_json(call.sandbox), "api": call.api},
    )
    with call.sandbox.store.transaction():
        insert_order(call.sandbox.store, attempt)


async def card_payin(call: Call) -> Response:
    """`payin.card`, `v3.payin.card.sync`, `v3.payin.card.async`."""
    payin = _common_fields(call)
    card = _card_fields(call)
    plan = _plan(call, payin, card)
    if not call.processes(plan):
        return await call.answer(plan, None)
    _check_rules(call, payin, None)  # rules 1-7
    platform_id = platform_order_no(call.sandbox)
    held = Card(card.number, card.holder)
    screening = await screen_card(
        call.sandbox, call.merchant, order_id=platform_id, card=held, currency=payin.currency
    )
    if screening.risk is not None:
        call.note = screening.risk.journal_note()
    if screening.refusal == CARD_FAILURES:  # rule 8
        raise TrustPayError(CARD_FAILURES, MESSAGES[CARD_FAILURES])
    if screening.refusal == RISK_CONTROL_FAILED:  # rule 9
        raise TrustPayError(RISK_CONTROL_FAILED, "user_risk_control_failed")
    if screening.refusal == ALL_CHANNELS_FAILED:  # rule 10, built in
        _record_failed_attempt(call, payin, card)
        call.note = " ".join(filter(None, [call.note, "all channels failed (test card)"]))
        if call.api != "v3":
            raise TrustPayError(ALL_CHANNELS_FAILED, "all_channels_failed")
        data = _card_data(call, None, payin)
        return await call.answer(plan, lambda: call.success(data))

    def work() -> Order:
        # Risk control awaited the merchant: another request may have taken the order no since.
        if order_no_taken(call.sandbox.store, call.merchant_id, payin.order_no):
            raise TrustPayError(DUPLICATE, MESSAGES[DUPLICATE])
        order = new_payin(
            call.sandbox,
            call.merchant,
            platform_id=platform_id,
            order_no=payin.order_no,
            amount=payin.amount,
            currency=payin.currency,
            notify_url=payin.notify_url,
            api=call.api,
            method="card",
            plan=plan,
            card=held,
            limits=limits_for(call.sandbox, call.merchant, payin.currency),
        )
        min_after = V3_ASYNC_MIN_DELAY if call.operation == "v3.payin.card.async" else ZERO_DELAY
        charge_card(call.sandbox, order, plan, min_after=min_after, callbacks=plan)
        return order

    order = _in_transaction(call, work)
    data = _card_data(call, order, payin)
    return await call.answer(plan, lambda: call.success(data))


# -- cashier pay-ins ----------------------------------------------------------------------


async def cashier_payin(call: Call) -> Response:
    """`payin.cashier`, `v3.payin.cashier`: a pending order and the hosted page's URL."""
    payin = _common_fields(call)
    plan = _plan(call, payin)
    if not call.processes(plan):
        return await call.answer(plan, None)
    _check_rules(call, payin, None)  # rules 1-7

    def work() -> Order:
        order = new_payin(
            call.sandbox,
            call.merchant,
            platform_id=platform_order_no(call.sandbox),
            order_no=payin.order_no,
            amount=payin.amount,
            currency=payin.currency,
            notify_url=payin.notify_url,
            api=call.api,
            method="cashier",
            plan=plan,
            limits=limits_for(call.sandbox, call.merchant, payin.currency),
        )
        outcome = Outcome.planned(plan)
        if outcome is None:
            schedule_expiry(call.sandbox, order)
        else:
            run_planned(call.sandbox, order, outcome, planned_after(plan), plan)
        return order

    order = _in_transaction(call, work)
    assert order is not None
    settings = call.sandbox.settings
    data: dict[str, Any] = {
        "merchant_id": call.merchant.merchant_id,
        "order_no": payin.order_no,
        "platform_order_no": order.platform_id,
        "currency": payin.currency,
        "amount": render_amount(payin.amount),
        "fee": render_amount(expected_fee(call.sandbox, order)),
        "pay_url": pay_page_url(call.request, settings, GATEWAY, order.platform_id),
    }
    if call.api == "v3":
        data = _v3_names(data)
    return await call.answer(plan, lambda: call.success(data))


ROUTES = [
    trustpay_route("/v4/payin/create/card", "payin.card", "v4", card_payin),
    trustpay_route("/v4/payin/create/order", "payin.cashier", "v4", cashier_payin),
    trustpay_route("/v3/payin/create/card/sync", "v3.payin.card.sync", "v3", card_payin),
    trustpay_route("/v3/payin/create/card/async", "v3.payin.card.async", "v3", card_payin),
    trustpay_route("/v3/payin/create/order", "v3.payin.cashier", "v3", cashier_payin),
]
