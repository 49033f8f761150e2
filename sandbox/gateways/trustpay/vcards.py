"""Credit Card Issuer (virtual cards), `/v3/vcard/…`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.responses import Response

from sandbox.gateways.directives import PLAN_KEY, plan_blocks
from sandbox.gateways.orders import Order, page_of_orders, refusing_duplicates
from sandbox.gateways.trustpay import cardorders, cards
from sandbox.gateways.trustpay.cards import card_route, fields, not_found
from sandbox.gateways.trustpay.codes import TrustPayError, bad_request
from sandbox.gateways.trustpay.ordering import order_exists
from sandbox.gateways.trustpay.pipeline import GATEWAY, Call


def amount_rule() -> TrustPayError:
    return TrustPayError(880015, "amount_rule_violation")


def card_detail(card: Order, *, full: bool) -> dict[str, Any]:
    """A VCardDetail; lists mask the PAN and CVV."""
    data = card.data
    pan = str(data["card_number"])
    return {
        "card_id": int(card.platform_id),
        "card_type_id": data["card_type_id"],
        "brand": data["brand"],
        "card_number": pan if full else cards.mask(pan),
        "cvv": data["cvv"] if full else "***",
        "expiry": data["expiry"],
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "currency": card.currency,
        "balance": cards.number(card.amount),
        "status": card.status,
        "created_at": cards.timestamp(card.created_at),
    }


def order_detail(order: Order) -> dict[str, Any]:
    """A VOrderDetail."""
    fee = Decimal(str(order.data["fee"]))
    card_id = order.data.get("card_id")
    return {
        "order_no": order.merchant_order_id,
        "card_id": None if card_id is None else int(card_id),
        "charge_type": order.data["charge_type"],
        "amount": cards.number(order.amount),
        "fee": cards.number(fee),
        "balance": cards.number(order.amount - fee),
        "chain": "",
        "status": int(order.status),
        "reason": order.data.get("reason", ""),
        "created_at": cards.timestamp(order.created_at),
    }


def transaction_item(txn: Order) -> dict[str, Any]:
    """A card-spending item."""
    return {
        "transaction_id": txn.platform_id,
        "card_id": int(txn.parent_id or 0),
        "type": txn.data["type"],
        "merchant_name": txn.data["merchant_name"],
        "amount": cards.number(txn.amount),
        "currency": txn.currency,
        "status": txn.status,
        "created_at": cards.timestamp(txn.created_at),
    }


async def card_types(call: Call) -> Response:
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    items = [
        {
            "card_type_id": t.card_type_id,
            "name": t.name,
            "brand": t.brand,
            "currency": t.currency,
            "bin": t.bin,
            "open_card_fee_rate": cards.rate(t.open_card_fee_rate),
            "open_card_fee_fixed": cards.number(t.open_card_fee_fixed),
            "min_recharge": cards.number(t.min_recharge),
        }
        for t in call.merchant.card_types
    ]
    return await call.answer(plan, lambda: call.success({"items": items}))


async def fee_config(call: Call) -> Response:
    wanted = fields(call).string("card_type_id", required=False)
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    items = [
        {
            "id": index,
            "merchant_id": call.merchant.merchant_id,
            "card_type_id": t.card_type_id,
            "open_card_fee_rate": cards.rate(t.open_card_fee_rate),
            "open_card_fee_fixed": cards.number(t.open_card_fee_fixed),
            "recharge_fee_rate": cards.rate(t.open_card_fee_rate),
            "recharge_fee_fixed": cards.number(t.open_card_fee_fixed),
        }
        for index, t in enumerate(call.merchant.card_types, start=1)
        if wanted is None or t.card_type_id == wanted
    ]
    return await call.answer(plan, lambda: call.success({"items": items}))


def _accept(
    call: Call,
    *,
    order_no: str | None,
    charge_type: str,
    amount: Decimal,
    fee: Decimal,
    notify_url: str,
    card_id: int | None,
    extra: dict[str, Any],
) -> Order:
    """Save a card order with 1, hold its amount, and schedule its transitions."""
    assert call.plan is not None
    sandbox = call.sandbox
    platform_id = cards.new_card_order_no(sandbox)
    data: dict[str, Any] = {
        "family": cards.VCARD,
        "charge_type": charge_type,
        "card_id": card_id,
        "fee": str(fee),
        "notify_url": notify_url,
        "reason": "",
        PLAN_KEY: plan_blocks(call.plan),
        **extra,
    }
    with refusing_duplicates(order_exists), sandbox.store.transaction():
        order = cards.new_object(
            sandbox,
            call.merchant_id,
            cards.CARD_ORDER,
            platform_id,
            merchant_order_id=order_no or platform_id,
            amount=amount,
            status=cards.PENDING,
            data=data,
            parent_id=None if card_id is None else str(card_id),
            plan=call.plan,
        )
        cardorders.hold(sandbox, call.merchant_id, amount)
        cardorders.schedule(sandbox, order, call.plan)
    call.note = f"card order {order.merchant_order_id} {charge_type}"
    return order


def _check_order_no(call: Call, order_no: str | None) -> None:
    if order_no is not None and cards.find_card_order(
        call.sandbox.store, call.merchant_id, order_no
    ):
        raise TrustPayError(880012, "order_already_exists")


def _check_funds(call: Call, amount: Decimal) -> None:
    if cards.card_account(call.sandbox.store, call.merchant_id).available < amount:
        raise TrustPayError(880005, "insufficient_balance")


def _accepted(call: Call, order: Order | None) -> Response:
    assert order is not None
    return call.success({"order_no": order.merchant_order_id, "status": 1})


async def open_card(call: Call) -> Response:
    f = fields(call)
    order_no = f.order_no("order_no", required=False)
    type_id = f.text("card_type_id", max_length=64)
    amount = f.amount("amount")
    first_name = f.text("first_name", max_length=64)
    last_name = f.text("last_name", max_length=64)
    email = f.text("email", max_length=254, pattern=cards.EMAIL, rule="e-mail address")
    notify_url = f.url("notify_url")
    assert amount is not None and notify_url is not None
    plan = call.plan_for(order_no=order_no, amount=amount, currency=cards.CARD_CURRENCY)
    if not call.processes(plan):
        return await call.answer(plan, None)
    _check_order_no(call, order_no)
    product = cards.card_type(call.merchant, type_id)
    if product is None:
        raise not_found("card type")
    fee = cards.card_fee(amount, product)
    if amount < product.min_recharge or amount <= fee:
        raise amount_rule()
    _check_funds(call, amount)
    order = _accept(
        call,
        order_no=order_no,
        charge_type=cards.OPEN_CARD,
        amount=amount,
        fee=fee,
        notify_url=notify_url,
        card_id=None,
        extra={
            "card_type_id": product.card_type_id,
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
        },
    )
    return await call.answer(plan, lambda: _accepted(call, order))


async def recharge(call: Call) -> Response:
    f = fields(call)
    order_no = f.order_no("order_no", required=False)
    card_id = f.integer("card_id")
    amount = f.amount("amount")
    notify_url = f.url("notify_url")
    assert card_id is not None and amount is not None and notify_url is not None
    plan = call.plan_for(order_no=order_no, amount=amount, currency=cards.CARD_CURRENCY)
    if not call.processes(plan):
        return await call.answer(plan, None)
    _check_order_no(call, order_no)
    card = cards.find(call.sandbox.store, call.merchant_id, cards.VCARD, str(card_id))
    if card is None:
        raise not_found("card")
    if card.status != cards.ACTIVE:
        raise bad_request("card not active")
    product = cards.card_type(call.merchant, str(card.data["card_type_id"]))
    if product is None:  # the configuration no longer offers the card's product
        raise not_found("card type")
    fee = cards.card_fee(amount, product)
    if amount < product.min_recharge or amount <= fee:
        raise amount_rule()
    _check_funds(call, amount)
    order = _accept(
        call,
        order_no=order_no,
        charge_type=cards.CARD_CHARGE,
        amount=amount,
        fee=fee,
        notify_url=notify_url,
        card_id=card_id,
        extra={},
    )
    return await call.answer(plan, lambda: _accepted(call, order))


async def detail(call: Call) -> Response:
    card_id = fields(call).integer("card_id")
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    card = cards.find(call.sandbox.store, call.merchant_id, cards.VCARD, str(card_id))
    if card is None:
        raise not_found("card")
    return await call.answer(plan, lambda: call.success(card_detail(card, full=True)))


async def order_list(call: Call) -> Response:
    page, size = fields(call).page()
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    orders, total = _virtual_orders(call, page, size)
    items = [order_detail(o) for o in orders]
    return await call.answer(plan, lambda: call.success(cards.listing(items, page, size, total)))


def _virtual_orders(call: Call, page: int, size: int) -> tuple[list[Order], int]:
    return page_of_orders(
        call.sandbox.store,
        GATEWAY,
        call.merchant_id,
        cards.CARD_ORDER,
        size,
        (page - 1) * size,
        data_equals=("family", "vcard"),
    )


async def card_list(call: Call) -> Response:
    page, size = fields(call).page()
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    found, total = cards.page_of(call.sandbox.store, call.merchant_id, cards.VCARD, page, size)
    items = [card_detail(c, full=False) for c in found]
    return await call.answer(plan, lambda: call.success(cards.listing(items, page, size, total)))


async def transactions(call: Call) -> Response:
    f = fields(call)
    card_id = f.integer("card_id", required=False)
    page, size = f.page()
    plan = call.plan_for()
    if not call.processes(plan):
        return await call.answer(plan, None)
    store = call.sandbox.store
    parent = None
    if card_id is not None:
        if cards.find(store, call.merchant_id, cards.VCARD, str(card_id)) is None:
            raise not_found("card")
        parent = str(card_id)
    found, total = cards.page_of(store, call.merchant_id, cards.VCARD_TXN, page, size, parent)
    items = [transaction_item(t) for t in found]
    return await call.answer(plan, lambda: call.success(cards.listing(items, page, size, total)))


ROUTES = [
    card_route("/v3/vcard/card-types", "vcard.types", card_types),
    card_route("/v3/vcard/open", "vcard.open", open_card),
    card_route("/v3/vcard/detail", "vcard.detail", detail),
    card_route("/v3/vcard/recharge", "vcard.recharge", recharge),
    card_route("/v3/vcard/charges", "vcard.orders", order_list),
    card_route("/v3/vcard/cards", "vcard.cards", card_list),
    card_route("/v3/vcard/transactions", "vcard.transactions", transactions),
    card_route("/v3/vcard/fee-config", "vcard.fees", fee_config),
]
