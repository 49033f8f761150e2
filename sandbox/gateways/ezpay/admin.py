"""EzPay's hooks behind the shared admin API: `POST /_sandbox/orders/{id}/complete` and
`POST /_sandbox/trigger`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.gateways.ezpay.channels import (
    BY_CURRENCY,
    CHANNELS,
    PAYOUT_CODES,
    channel_for,
)
from sandbox.gateways.ezpay.codes import FAILURES
from sandbox.gateways.ezpay.ids import new_id
from sandbox.gateways.ezpay.lifecycle import COMPLETED, PENDING, Result, apply
from sandbox.gateways.ezpay.merchant import EzPayMerchant
from sandbox.gateways.ezpay.money import fee_refunded, move, payout_fee
from sandbox.gateways.ezpay.paydata import qr_payload, va_number
from sandbox.gateways.orders import (
    DuplicateOrder,
    Order,
    child_orders,
    find_order,
    get_order,
    insert_order,
    new_order,
)
from sandbox.gateways.plug import AdminError, default_describe
from sandbox.runtime import Sandbox

_STATUSES = ("success", "failed", "expired", "canceled")
_CLOSED = "Transaction already paid or closed (21028)"


def _paid_amount(body: dict[str, Any]) -> Decimal | None:
    raw = body.get("paid_amount")
    if raw is None:
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal(-1)
    if isinstance(raw, bool) or not value.is_finite() or value <= 0 or value != value.to_integral():
        raise AdminError(422, "bad_request", "paid_amount: a positive integer in minor units")
    return value


async def complete(sandbox: Sandbox, order: Order, body: dict[str, Any]) -> dict[str, Any]:
    """Body: `status` (success | failed | expired | canceled; default success), `paid_amount`
    (minor units; required for a static code), `code` (failedCode), `reason`."""
    status = body.get("status", "success")
    if status not in _STATUSES:
        raise AdminError(422, "bad_request", f"status: one of {', '.join(_STATUSES)}")
    code = body.get("code")
    if code is not None and (isinstance(code, bool) or code not in FAILURES):
        raise AdminError(422, "bad_request", "code: a failure code -10000 … -10007")
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise AdminError(422, "bad_request", "reason: a string")
    paid = _paid_amount(body)
    if order.kind == "static" and status in ("success", "failed") and paid is None:
        raise AdminError(422, "bad_request", "paid_amount: required to pay a static code")
    if order.kind == "static_payment":
        raise AdminError(409, "already_final", _CLOSED)
    with sandbox.store.transaction():
        done = apply(sandbox, order, Result(status, code, reason, paid))
    if not done:
        raise AdminError(409, "already_final", _CLOSED)
    fresh = get_order(sandbox.store, "ezpay", order.platform_id) or order
    return default_describe(fresh)


# -- POST /_sandbox/trigger -------------------------------------------------------------------

_KINDS = {
    "payin": ("success", "failed", "pending", "expired"),
    "payout": ("success", "failed", "pending"),
    "refund": ("success", "failed", "pending", "canceled"),
}


def _text(body: dict[str, Any], key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or not value:
        raise AdminError(422, "bad_request", f"{key}: a non-empty string")
    return value


def _amount(body: dict[str, Any]) -> Decimal:
    raw = body.get("amount")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal(-1)
    if isinstance(raw, bool) or not value.is_finite() or value <= 0 or value != value.to_integral():
        raise AdminError(422, "bad_request", "amount: a positive integer in minor units")
    return value


def _base_url(sandbox: Sandbox) -> str:
    settings = sandbox.settings
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


async def trigger(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """Create a payin, payout or refund already in `status` and send its notification.

    Body: `kind`, `status`, `amount` (minor units), `currency` (payin/payout), `notify_url`,
    `order_no`; extras `channel` (payin channelCode, payout transferCode) and `original` (the
    refunded payment's transactionId, for a refund)."""
    kind = _text(body, "kind")
    if kind not in _KINDS:
        raise AdminError(422, "bad_request", "kind: one of payin, payout, refund")
    status = _text(body, "status", "success")
    if status not in _KINDS[kind]:
        raise AdminError(422, "bad_request", f"status: one of {', '.join(_KINDS[kind])}")
    merchant = sandbox.merchants.find("ezpay", str(body["merchant"]))
    assert isinstance(merchant, EzPayMerchant)
    amount = _amount(body)
    url = body.get("notify_url")
    if url is not None and not isinstance(url, str):
        raise AdminError(422, "bad_request", "notify_url: a URL")
    order_no = body.get("order_no") or f"TRIGGER-{sandbox.rng.randint(10**9, 10**10 - 1)}"
    if not isinstance(order_no, str):
        raise AdminError(422, "bad_request", "order_no: a string")
    now = sandbox.clock.now()
    store = sandbox.store
    with store.transaction():
        if kind == "refund":
            order = _refund(sandbox, merchant, body, amount, order_no, url)
        else:
            order = _transaction(sandbox, merchant, kind, body, amount, order_no, url)
        try:
            insert_order(store, order)
        except DuplicateOrder:  # stored by another request since the look-up
            raise AdminError(409, "duplicate", f"order_no: {order_no} is already used") from None
        if kind == "payout":
            move(
                store, merchant.app_id, order.currency, -(amount + Decimal(order.data["fee"])), now
            )
        if kind == "refund":
            net = amount - Decimal(order.data["feeRefunded"])
            move(store, merchant.app_id, order.currency, -net, now)
        if status != "pending":
            apply(sandbox, order, Result(status))
    fresh = get_order(store, "ezpay", order.platform_id) or order
    return default_describe(fresh)


def _transaction(
    sandbox: Sandbox,
    merchant: EzPayMerchant,
    kind: str,
    body: dict[str, Any],
    amount: Decimal,
    order_no: str,
    url: str | None,
) -> Order:
    currency = _text(body, "currency")
    country = BY_CURRENCY.get(currency)
    if country is None or country.slug not in merchant.countries:
        raise AdminError(422, "bad_request", "currency: not a currency this merchant has opened")
    lookup = "payment" if kind == "payin" else "payout"
    if (
        find_order(sandbox.store, "ezpay", merchant.app_id, merchant_order_id=order_no, kind=lookup)
        is not None
    ):
        raise AdminError(409, "duplicate", f"order_no: {order_no} is already used")
    now = sandbox.clock.now()
    data: dict[str, Any] = {"country": country.slug}
    if kind == "payin":
        channels = [c for c in CHANNELS.values() if c.country == country.slug and not c.static]
        code = body.get("channel") or next(
            (c.code for c in channels if c.type == "URL"), channels[0].code
        )
        channel = channel_for(country.slug, str(code), static=False)
        if channel is None:
            raise AdminError(
                422, "bad_request", f"channel: no dynamic channel {code} in {currency}"
            )
        ident = new_id(sandbox, "C")
        if channel.type == "VA":
            pay = va_number(channel, ident)
        elif channel.type == "QR":
            pay = qr_payload(country, ident, amount)
        else:
            pay = f"{_base_url(sandbox)}/_sandbox/pay/ezpay/{ident}"
        data.update(
            channelCode=channel.code,
            channelType=channel.type,
            payData=pay,
            customerName="Trigger",
            email="trigger@sandbox.invalid",
            orderAmount=str(amount),
        )
        if url:
            data["notifyUrl"] = url
    else:
        if "payout.create" not in country.operations:
            raise AdminError(422, "bad_request", f"currency: no payouts in {currency}")
        codes = PAYOUT_CODES[country.slug]
        transfer = str(body.get("channel") or codes["BANK"][0])
        method = next((m for m, listed in codes.items() if transfer in listed), None)
        if method is None:
            raise AdminError(422, "bad_request", f"channel: no transfer code {transfer}")
        ident = new_id(sandbox, "D")
        data.update(
            payMethodCode=method,
            transferCode=transfer,
            accountNo="0000000000",
            fee=str(payout_fee(merchant, amount, currency)),
            idempotencyId=f"TRIGGER-{ident}",
        )
        if url:
            data["notifyUrl"] = url
    return new_order(
        "ezpay",
        merchant.app_id,
        lookup,
        platform_id=ident,
        merchant_order_id=order_no,
        amount=amount,
        currency=currency,
        status=PENDING,
        now=now,
        data=data,
        number_space=lookup,
    )


def _refund(
    sandbox: Sandbox,
    merchant: EzPayMerchant,
    body: dict[str, Any],
    amount: Decimal,
    order_no: str,
    url: str | None,
) -> Order:
    original_id = _text(body, "original")
    original = find_order(
        sandbox.store,
        "ezpay",
        merchant.app_id,
        platform_id=original_id,
        kind=("payment", "static_payment"),
    )
    if original is None or original.status != COMPLETED:
        raise AdminError(422, "bad_request", "original: the transactionId of a completed payment")
    if (
        find_order(
            sandbox.store, "ezpay", merchant.app_id, merchant_order_id=order_no, kind="refund"
        )
        is not None
    ):
        raise AdminError(409, "duplicate", f"order_no: {order_no} is already used")
    live = [
        r
        for r in child_orders(sandbox.store, "ezpay", original.platform_id, "refund")
        if r.status in (PENDING, "COMPLETE")
    ]
    refunded = sum((r.amount for r in live), Decimal(0))
    if amount > original.amount - refunded:
        raise AdminError(422, "bad_request", "amount: more than the refundable rest")
    returned = sum((Decimal(r.data.get("feeRefunded", "0")) for r in live), Decimal(0))
    share = fee_refunded(
        Decimal(original.data.get("fee", "0")), original.amount, refunded, returned, amount
    )
    now = sandbox.clock.now()
    data: dict[str, Any] = {"feeRefunded": str(share)}
    if url:
        data["refundCallbackUrl"] = url
    return new_order(
        "ezpay",
        merchant.app_id,
        "refund",
        platform_id=new_id(sandbox, ""),
        merchant_order_id=order_no,
        amount=amount,
        currency=original.currency,
        status=PENDING,
        now=now,
        parent_id=original.platform_id,
        data=data,
        number_space="refund",
    )
