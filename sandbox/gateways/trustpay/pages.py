"""The hosted cashier page `/_sandbox/pay/trustpay/{platform_order_no}` (the `pay_url` of a
cashier pay-in; see docs/gateways/trustpay.md, Hosted cashier page).

`GET` shows the order (merchant, order no, amount, currency, status) and, while it is pending, a
form: card number, holder name, paid amount and the buttons Pay, Decline, Cancel. `POST` applies
the action and answers 303 back to the page, which then shows the result. Pay runs what a card
pay-in runs: the card-failure limit, risk control, the built-in all-channels-failed card, then
the outcome the active scenario gives a `payin.card` with this card number and amount.
"""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.gateways.orders import Order, OrderMovedOn, get_order, save_order
from sandbox.gateways.trustpay.cardfields import valid_card_number
from sandbox.gateways.trustpay.lifecycle import (
    FAILED,
    GATEWAY,
    PAYIN,
    PENDING,
    Card,
    fail,
    trustpay_merchant,
)
from sandbox.gateways.trustpay.limits import CARD_FAILURES
from sandbox.gateways.trustpay.payins import (
    ALL_CHANNELS_FAILED,
    RISK_CONTROL_FAILED,
    charge_card,
    screen_card,
)
from sandbox.pages.layout import Button, Field, Notice, Page, read_form, render_page
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import RequestFacts

DEFAULT_CARD = "4111111111111111"
DEFAULT_HOLDER = "Test Payer"
_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")

STATUS_TEXT = {
    "1": "Pending",
    "3": "Failed",
    "4": "Timed out",
    "5": "Paid",
    "6": "Paid and settled",
    "7": "Refunded",
    "8": "Partially refunded",
    "9": "Refunding",
}
# The order's failure reason when rules 8-10 refuse the card.
REFUSAL_REASONS = {
    CARD_FAILURES: "card failure limit exceeded",
    RISK_CONTROL_FAILED: "user risk control failed",
    ALL_CHANNELS_FAILED: "all channels failed",
}
# Problems with what the payer typed: shown on the page, nothing changes.
PROBLEMS = {
    "invalid_card": "The card number is not valid (12-19 digits passing the Luhn check).",
    "invalid_amount": "The paid amount must be a positive number with at most 2 decimals.",
    "invalid_holder": "The card holder name must be 1-128 characters.",
    "unknown_action": "Choose Pay, Decline or Cancel.",
    "not_pending": "This order is no longer pending: nothing was changed.",
}


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def _payin(sandbox: Sandbox, platform_id: str) -> Order | None:
    order = get_order(sandbox.store, GATEWAY, platform_id)
    return order if order is not None and order.kind == PAYIN else None


def _result_notice(order: Order) -> Notice | None:
    reason = str(order.data.get("reason") or "")
    if order.status in ("5", "6"):
        return Notice(f"Payment received: {order.data.get('paid_amount')} {order.currency}.", "ok")
    if order.status == FAILED:
        return Notice(f"Payment failed: {reason}.", "bad")
    if order.status == "4":
        return Notice(f"The order timed out: {reason}.", "bad")
    if order.status == PENDING and order.data.get("card"):
        return Notice("Authentication pending: the result follows shortly.", "info")
    if order.status in ("7", "8", "9"):
        return Notice(STATUS_TEXT[order.status] + ".", "info")
    return None


async def show(request: Request) -> Response:
    sandbox = _sandbox(request)
    platform_id = request.path_params["platform_order_no"]
    order = _payin(sandbox, platform_id)
    if order is None:
        page = Page(
            gateway="TrustPay",
            title="Order not found",
            amount="",
            notice=Notice(f"No TrustPay order {platform_id}.", "bad"),
        )
        return render_page(page, status_code=404)
    problem = PROBLEMS.get(request.query_params.get("problem", ""))
    notice = Notice(problem, "bad") if problem else _result_notice(order)
    facts = [
        ("Merchant", order.merchant),
        ("Order no", order.merchant_order_id),
        ("Platform order no", order.platform_id),
        ("Amount", f"{order.amount:.2f}"),
        ("Currency", order.currency),
        ("Status", f"{order.status} · {STATUS_TEXT.get(order.status, '')}"),
    ]
    fields: list[Field] = []
    buttons: list[Button] = []
    card = order.data.get("card") or {}
    if order.status == PENDING and not card:
        fields = [
            Field("card_number", "Card number", DEFAULT_CARD),
            Field("card_holder_name", "Card holder name", DEFAULT_HOLDER),
            Field("paid_amount", "Paid amount", f"{order.amount:.2f}"),
        ]
        buttons = [
            Button("pay", "Pay", "primary"),
            Button("decline", "Decline", "danger"),
            Button("cancel", "Cancel", "secondary"),
        ]
    page = Page(
        gateway="TrustPay",
        title=f"Pay order {order.merchant_order_id}",
        amount=f"{order.amount:.2f} {order.currency}",
        facts=facts,
        notice=notice,
        fields=fields,
        buttons=buttons,
        action_url=request.url.path,
    )
    return render_page(page)


def _back(request: Request, problem: str | None = None) -> Response:
    url = request.url.path
    if problem is not None:
        url += "?problem=" + quote(problem)
    return RedirectResponse(url, status_code=303)


async def submit(request: Request) -> Response:
    sandbox = _sandbox(request)
    order = _payin(sandbox, request.path_params["platform_order_no"])
    if order is None:
        return await show(request)
    form = await read_form(request)
    action = form.get("action", "")
    if action not in ("pay", "decline", "cancel"):
        return _back(request, "unknown_action")
    if order.status != PENDING or order.data.get("card"):
        return _back(request, "not_pending")
    try:
        return await _act(sandbox, request, order, action, form)
    except OrderMovedOn:  # another request or replica moved the order since it was read
        return _back(request, "not_pending")


async def _act(
    sandbox: Sandbox, request: Request, order: Order, action: str, form: dict[str, str]
) -> Response:
    if action == "decline":
        with sandbox.store.transaction():
            fail(sandbox, order, FAILED, "payment failed")
        return _back(request)
    if action == "cancel":
        with sandbox.store.transaction():
            fail(sandbox, order, FAILED, "canceled by payer")
        return _back(request)
    number = form.get("card_number", "").strip().replace(" ", "")
    holder = form.get("card_holder_name", "").strip()
    amount_text = form.get("paid_amount", "").strip()
    if not valid_card_number(number):
        return _back(request, "invalid_card")
    if not 1 <= len(holder) <= 128:
        return _back(request, "invalid_holder")
    if _AMOUNT.fullmatch(amount_text) is None or Decimal(amount_text) <= 0:
        return _back(request, "invalid_amount")
    await _pay(sandbox, request, order, Card(number, holder), Decimal(amount_text))
    return _back(request)


async def _pay(sandbox: Sandbox, request: Request, order: Order, card: Card, paid: Decimal) -> None:
    """What a card pay-in runs (rules 8-10), then the charge, on the page's order."""
    merchant = trustpay_merchant(sandbox, order.merchant)
    screening = await screen_card(
        sandbox, merchant, order_id=order.platform_id, card=card, currency=order.currency
    )
    with sandbox.store.transaction():
        fresh = _payin(sandbox, order.platform_id)
        if fresh is None or fresh.status != PENDING or fresh.data.get("card"):
            return  # another action won the race while risk control answered
        fresh.data["card"] = card.to_json(sandbox)
        save_order(sandbox.store, fresh)
        if screening.refusal is not None:
            fail(sandbox, fresh, FAILED, REFUSAL_REASONS[screening.refusal])
            return
        schedule = merchant.payin.get(fresh.currency)
        plan = sandbox.scenarios.plan(
            RequestFacts(
                gateway=GATEWAY,
                operation="payin.card",
                merchant=fresh.merchant,
                amount=paid,
                currency=fresh.currency,
                channel=None if schedule is None else str(schedule.channel_id),
                order_no=None,  # the page pays the order: FAIL-/PEND- prefixes do not apply
                card_number=card.number,
                headers={},
            )
        )
        # Callbacks follow the blocks of the cashier request that created the order.
        charge_card(sandbox, fresh, plan, paid=paid)


PAGES = [
    Route("/{platform_order_no}", show, methods=["GET"]),
    Route("/{platform_order_no}", submit, methods=["POST"]),
]
