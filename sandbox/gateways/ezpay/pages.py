"""The hosted payment page `/_sandbox/pay/ezpay/{id}`: Pay / Fail as the payer.

`id` is a payment `transactionId` or a static code id (`S…`). The buttons post back to the same
path; the effect is that of an admin complete. Static codes take the amount the payer enters.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.gateways.ezpay.codes import DEFAULT_FAILED_CODE, ERRORS, FAILURES
from sandbox.gateways.ezpay.lifecycle import ACTIVE, PENDING, Result, apply
from sandbox.gateways.ezpay.money import to_major, to_minor
from sandbox.gateways.orders import Order, OrderMovedOn, get_order
from sandbox.pages.layout import Button, Field, Image, Notice, Page, read_form, render_page
from sandbox.pages.qr import qr_svg_response
from sandbox.runtime import Sandbox

CLOSED = ERRORS["21028"].message  # "Transaction already paid or closed"


def _open(order: Order) -> bool:
    return order.status == (ACTIVE if order.kind == "static" else PENDING)


def _page(
    request: Request, order: Order, notice: Notice | None = None, status: int = 200
) -> Response:
    static = order.kind == "static"
    d = order.data
    facts = [
        ("Transaction" if not static else "Static code", order.platform_id),
        ("Merchant order", order.merchant_order_id),
        ("Channel", f"{d.get('channelCode')} ({d.get('channelType')})"),
        ("Status", order.status),
    ]
    if d.get("channelType") == "VA":
        facts.append(("Virtual account", d.get("payData", "")))
    if d.get("channelType") == "QR":
        facts.append(("QR payload", d.get("payData", "")))
    open_now = _open(order)
    if notice is None and not open_now:
        notice = Notice(f"{CLOSED} (21028)", "bad")
        status = 409 if request.method == "POST" else 200
    fields: list[Field] = []
    if static:
        fields.append(Field("amount", f"Amount ({order.currency})", kind="text"))
    fields.append(Field("failedCode", "Failure code (for Fail)", str(DEFAULT_FAILED_CODE)))
    image = None
    if d.get("channelType") == "QR":
        image = Image(f"{request.url.path.rstrip('/')}/qr.svg", "QR code to scan")
    amount = "any amount" if static else f"{to_major(order.amount, order.currency)}"
    page = Page(
        gateway="EzPay",
        title="Pay with " + str(d.get("channelCode")),
        amount=f"{amount} {order.currency}",
        facts=facts,
        notice=notice,
        fields=fields if open_now else (),
        buttons=(Button("pay", "Pay"), Button("fail", "Fail", "danger")) if open_now else (),
        action_url=str(request.url.path),
        image=image,
    )
    return render_page(page, status)


def _find(request: Request) -> tuple[Sandbox, Order | None]:
    sandbox: Sandbox = request.app.state.sandbox
    order = get_order(sandbox.store, "ezpay", request.path_params["order_id"])
    if order is not None and order.kind not in ("payment", "static"):
        order = None
    return sandbox, order


def _missing() -> Response:
    page = Page(
        gateway="EzPay",
        title="Unknown transaction",
        amount="",
        notice=Notice("No such payment or static code.", "bad"),
    )
    return render_page(page, 404)


async def show(request: Request) -> Response:
    _sandbox, order = _find(request)
    if order is None:
        return _missing()
    return _page(request, order)


async def act(request: Request) -> Response:
    sandbox, order = _find(request)
    if order is None:
        return _missing()
    form = await read_form(request)
    action = form.get("action", "")
    if action not in ("pay", "fail"):
        return _page(request, order, Notice("Choose Pay or Fail.", "bad"), 400)
    code = DEFAULT_FAILED_CODE
    if action == "fail":
        try:
            code = int(form.get("failedCode") or DEFAULT_FAILED_CODE)
        except ValueError:
            code = 0
        if code not in FAILURES:
            return _page(
                request, order, Notice("Failure code must be -10000 … -10007.", "bad"), 400
            )
    paid: Decimal | None = None
    if order.kind == "static":
        try:
            paid = to_minor(Decimal(form.get("amount", "").strip()), order.currency)
        except InvalidOperation:
            paid = None
        if paid is None or not paid.is_finite() or paid <= 0 or paid > Decimal(10) ** 18:
            return _page(request, order, Notice("Enter the amount to pay.", "bad"), 400)
    result = Result(
        "success" if action == "pay" else "failed", code if action == "fail" else None, None, paid
    )
    try:
        with sandbox.store.transaction():
            done = apply(sandbox, order, result)
    except OrderMovedOn:  # another request or replica moved it since it was read
        done = False
    if not done:
        return _page(request, get_order(sandbox.store, "ezpay", order.platform_id) or order)
    fresh = get_order(sandbox.store, "ezpay", order.platform_id) or order
    redirect = order.data.get("redirectUrl")
    if action == "pay" and order.data.get("channelType") == "URL" and redirect:
        return RedirectResponse(str(redirect), status_code=303)
    text = "Paid." if action == "pay" else "Payment failed."
    return _page(request, fresh, Notice(text, "ok" if action == "pay" else "bad"))


async def qr_image(request: Request) -> Response:
    """The order's QR payload as an SVG QR code (what a payer's app would scan)."""
    _sandbox, order = _find(request)
    if order is None or order.data.get("channelType") != "QR":
        return _missing()
    return qr_svg_response(str(order.data["payData"]))


PAGES = [
    Route("/{order_id}/qr.svg", qr_image, methods=["GET"]),
    Route("/{order_id}", show, methods=["GET"]),
    Route("/{order_id}", act, methods=["POST"]),
]
