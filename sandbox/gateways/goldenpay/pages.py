"""The hosted cashier page of a collect order and its `qr_url` picture.

Not behind the admin token: the payer's browser opens them. **Pay** pays the order amount, or the
amount typed in; **Fail** fails the order; either plans the callback, then redirects to the
order's `return_url` (303) or shows the result.
"""

from __future__ import annotations

from decimal import Decimal

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.gateways.goldenpay.common import (
    COLLECT,
    FAILED,
    GATEWAY,
    PROCESSING,
    SUCCESS,
    amount_format_ok,
    amount_text,
)
from sandbox.gateways.goldenpay.lifecycle import TransitionError, finish_collect, merchant_of
from sandbox.gateways.orders import Order, OrderMovedOn, get_order
from sandbox.pages.keys import key_accepted, with_key
from sandbox.pages.layout import Button, Field, Notice, Page, read_form, render_page
from sandbox.pages.qr import qr_svg_response
from sandbox.runtime import Sandbox

_STATUS_TEXT = {PROCESSING: "awaiting payment (20)", SUCCESS: "paid (60)", FAILED: "failed (30)"}


def _collect_order(request: Request) -> Order | None:
    """The collect order the page is for; None when unknown or when its link key is missing
    (answered alike, so a page never tells whether a guessed id exists)."""
    sandbox: Sandbox = request.app.state.sandbox
    order = get_order(sandbox.store, GATEWAY, request.path_params["order_id"])
    if order is None or order.kind != COLLECT:
        return None
    return order if key_accepted(request, order.data.get("page_key")) else None


def _page(request: Request, order: Order, notice: Notice | None = None) -> Page:
    sandbox: Sandbox = request.app.state.sandbox
    merchant = merchant_of(sandbox, order)
    facts = [
        ("Merchant", f"{merchant.name} ({merchant.mch_id})"),
        ("Order", order.platform_id),
        ("trans_id", order.merchant_order_id),
        ("Channel", order.data["channel"]),
        ("Status", _STATUS_TEXT.get(order.status, order.status)),
    ]
    if order.status == SUCCESS:
        facts.append(("Paid", f"{order.data['payed_amount']} {order.currency}"))
    meta = order.data.get("meta")
    if meta:
        facts += [
            ("Bank", f"{meta['account_org']} ({meta['account_org_code']})"),
            ("Account number", meta["account_no"]),
            ("Account name", meta["account_name"]),
            ("Transfer memo", meta["remarks"]),
        ]
    open_order = order.status == PROCESSING
    if notice is None and not open_order:
        notice = Notice(f"This order is final: {_STATUS_TEXT.get(order.status, order.status)}.")
    return Page(
        gateway="GoldenPay",
        title="Collect order",
        amount=f"{amount_text(order.amount, order.currency)} {order.currency}",
        facts=facts,
        notice=notice,
        fields=[Field("amount", "Pay another amount (optional)")] if open_order else [],
        buttons=[Button("pay", "Pay"), Button("fail", "Fail", "danger")] if open_order else [],
        action_url=with_key(str(request.url.path), order.data.get("page_key")),
        links=[("Transfer QR code", meta["qr_url"])] if meta else [],
    )


def _not_found(order_id: str) -> Response:
    page = Page("GoldenPay", "Order not found", "", notice=Notice(f"No order {order_id}.", "bad"))
    return render_page(page, 404)


async def cashier(request: Request) -> Response:
    order = _collect_order(request)
    if order is None:
        return _not_found(request.path_params["order_id"])
    if request.method == "GET":
        return render_page(_page(request, order))
    form = await read_form(request)
    action = form.get("action", "")
    if order.status != PROCESSING:
        return render_page(_page(request, order), 409)
    paid: Decimal | None = None
    if action == "pay":
        typed = form.get("amount", "").strip()
        if typed:
            if not amount_format_ok(typed, order.currency) or Decimal(typed) <= 0:
                shape = "whole number" if order.currency == "VND" else "amount with 2 decimals"
                notice = Notice(f"Enter a positive {shape}, or leave it empty.", "bad")
                return render_page(_page(request, order, notice), 400)
            paid = Decimal(typed)
    elif action != "fail":
        return render_page(_page(request, order, Notice("Choose Pay or Fail.", "bad")), 400)
    sandbox: Sandbox = request.app.state.sandbox
    try:
        finish_collect(sandbox, order, SUCCESS if action == "pay" else FAILED, paid)
    except TransitionError:  # pragma: no cover - checked above, on the same event loop turn
        return render_page(_page(request, order), 409)
    except OrderMovedOn:  # another request or replica moved it since it was read
        return render_page(_page(request, _collect_order(request) or order), 409)
    return_url = order.data.get("return_url")
    if return_url:
        return RedirectResponse(return_url, status_code=303)
    tone = "ok" if order.status == SUCCESS else "bad"
    return render_page(_page(request, order, Notice(f"Done: {_STATUS_TEXT[order.status]}.", tone)))


async def qr_code(request: Request) -> Response:
    """The transfer details as a scannable QR code (its exact content is not part of the
    contract): bank and code, account number and name, amount, memo, one per line."""
    order = _collect_order(request)
    meta = order.data.get("meta") if order is not None else None
    if order is None or not meta:
        return _not_found(request.path_params["order_id"])
    lines = [
        f"{meta['account_org']} {meta['account_org_code']}",
        meta["account_no"],
        meta["account_name"],
        f"{amount_text(order.amount, order.currency)} {order.currency}",
        f"memo {meta['remarks']}",
    ]
    return qr_svg_response("\n".join(lines))


pages = [
    Route("/{order_id}", cashier, methods=["GET", "POST"]),
    Route("/{order_id}/qr.svg", qr_code, methods=["GET"]),
]
