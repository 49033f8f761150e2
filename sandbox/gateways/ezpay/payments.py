"""Dynamic payments: `payment.create` and `payment.query`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from sandbox.gateways.directives import (
    PLAN_KEY,
    plan_blocks,
    processes,
)
from sandbox.gateways.ezpay.callbacks import query_head
from sandbox.gateways.ezpay.channels import Channel, Country, channel_for
from sandbox.gateways.ezpay.codes import EzPayError, param_error
from sandbox.gateways.ezpay.ids import new_id
from sandbox.gateways.ezpay.lifecycle import (
    PAYMENT_EXPIRY,
    PENDING,
    Result,
    run_planned,
    schedule,
)
from sandbox.gateways.ezpay.paydata import qr_payload, va_number
from sandbox.gateways.ezpay.pipeline import Call, success
from sandbox.gateways.ezpay.rules import check_amount, check_daily_limits, not_found
from sandbox.gateways.orders import (
    Order,
    data_taken,
    find_order,
    insert_order,
    new_order,
    refusing_duplicates,
)
from sandbox.gateways.outcomes import Outcome, planned_after
from sandbox.pages.layout import pay_page_url

CHANNEL_UNAVAILABLE = 21005
DUPLICATE_ORDER = 21007

# strict_validation shapes of `mobile` per country: (regex, shape in words)
MOBILE_SHAPES: dict[str, tuple[str, str]] = {
    "philippines": (r"09[0-9]{9,12}", "11-14 digits starting 09"),
    "indonesia": (r"08[0-9]{8,11}", "10-13 digits starting 08"),
    "malaysia": (r"01[0-9]{8,9}", "10-11 digits starting 01"),
    "thailand": (r"0[689][0-9]{8}", "10 digits starting 06, 08 or 09"),
}


def read_channel(call: Call, country: Country, *, static: bool) -> Channel:
    """`channelCode`: a string (21002), then a channel of this country and kind, enabled (21005)."""
    code = call.fields.text("channelCode")
    channel = channel_for(country.slug, code, static=static)
    if channel is None or code in call.merchant.disabled_channels:
        raise EzPayError(CHANNEL_UNAVAILABLE)
    return channel


def read_mobile(call: Call, country: Country) -> str | None:
    if country.slug == "russia":
        return call.fields.string("mobile", length=(1, 128))
    strict = MOBILE_SHAPES.get(country.slug) if call.merchant.strict_validation else None
    return call.fields.phone("mobile", strict=strict)


def pay_data(
    call: Call, country: Country, channel: Channel, ident: str, amount: Decimal | None
) -> str:
    if channel.type == "VA":
        return va_number(channel, ident)
    if channel.type == "QR":
        return qr_payload(country, ident, amount)
    return pay_page_url(call.request, call.sandbox.settings, "ezpay", ident)


def va_in_use(call: Call, number: str) -> bool:
    """Is the VA number held by an open payment or code (unique among open VAs)?"""
    return data_taken(
        call.sandbox.store, "ezpay", "payData", number, statuses=("PENDING", "ACTIVE")
    )


def new_open_id(call: Call, prefix: str, channel: Channel) -> str:
    while True:
        ident = new_id(call.sandbox, prefix)
        if channel.type != "VA" or not va_in_use(call, va_number(channel, ident)):
            return ident


async def create(call: Call) -> Response:
    country = call.need_country()
    f = call.fields
    th = country.slug == "thailand"
    order_no = f.ident("mchOrderId")
    amount = f.integer("amount")
    assert order_no is not None and amount is not None
    customer = f.text("customerName", (1, 100) if th else (1, 128))
    channel = read_channel(call, country, static=False)
    notify_url = f.url("notifyUrl")
    redirect_url = f.url("redirectUrl", required=country.slug == "philippines", max_length=512)
    email = f.text("email", (1, 128))
    mobile = read_mobile(call, country)
    remark = f.string("remark", required=False, length=(1, 256))
    extras: dict[str, Any] = {}
    expire_seconds: Decimal | None = None
    if th:
        expire_seconds = f.integer("expireSeconds", required=False)
        if expire_seconds is not None and not 30 <= expire_seconds <= 3600:
            raise param_error("expireSeconds must be between 30 and 3600")
        if channel.code == "WECHAT_URL":
            f.require_when("payerClientIp", "channelCode", "WECHAT_URL")
            extras["payerClientIp"] = f.ip("payerClientIp")
        if channel.code == "WECHAT_JS_URL":
            f.require_when("wpOpenid", "channelCode", "WECHAT_JS_URL")
            extras["wpOpenid"] = f.text("wpOpenid", (1, 128))
            f.require_when("wpAppid", "channelCode", "WECHAT_JS_URL")
            extras["wpAppid"] = f.text("wpAppid", (1, 64))
    currency = country.currency
    plan = call.plan_for(order_no=order_no, amount=amount, currency=currency, channel=channel.code)
    if not processes(plan):
        return await call.answer(plan, None)
    store = call.sandbox.store
    with refusing_duplicates(lambda: EzPayError(DUPLICATE_ORDER)), store.transaction():
        if (
            find_order(store, "ezpay", call.merchant_id, merchant_order_id=order_no, kind="payment")
            is not None
        ):
            raise EzPayError(DUPLICATE_ORDER)
        check_amount(call.merchant, amount, currency)
        check_daily_limits(call, amount, currency)
        now = call.now()
        ident = new_open_id(call, "C", channel)
        data: dict[str, Any] = {
            "country": country.slug,
            "channelCode": channel.code,
            "channelType": channel.type,
            "payData": pay_data(call, country, channel, ident, amount),
            "customerName": customer,
            "email": email,
            "mobile": mobile,
            "remark": remark,
            "notifyUrl": notify_url,
            "redirectUrl": redirect_url,
            "orderAmount": str(amount),
            **extras,
            PLAN_KEY: plan_blocks(plan),
        }
        order = new_order(
            "ezpay",
            call.merchant_id,
            "payment",
            platform_id=ident,
            merchant_order_id=order_no,
            amount=amount,
            currency=currency,
            status=PENDING,
            now=now,
            data={k: v for k, v in data.items() if v is not None},
            plan=plan.to_json(),
            number_space="payment",
        )
        insert_order(store, order)
        result = Outcome.planned(plan)
        if result is None:
            expiry = (
                timedelta(seconds=int(expire_seconds))
                if expire_seconds is not None
                else PAYMENT_EXPIRY
            )
            schedule(call.sandbox, order, now + expiry, Result("expired"))
        elif result.status in ("success", "failed", "expired"):
            after = planned_after(plan)
            run_planned(call.sandbox, order, result, after)

    def normal() -> Response:
        return success(
            {
                "transactionId": order.platform_id,
                "payData": order.data["payData"],
                "mchOrderId": order.merchant_order_id,
                "channelType": channel.type,
            }
        )

    return await call.answer(plan, normal)


def transaction_view(call: Call, order: Order) -> dict[str, Any]:
    """payment.query `data`, keys in table order, valueless fields omitted."""
    d = order.data
    data = query_head(order, call.merchant)
    data["customerName"] = d.get("customerName")
    data["channelCode"] = d.get("channelCode")
    data["channelType"] = d.get("channelType")
    data["payData"] = d.get("payData")
    data["email"] = d.get("email")
    if d.get("remark"):
        data["remark"] = d["remark"]
    if order.status == "FAILED":
        data["failedCode"] = d.get("failedCode")
        data["failedMessage"] = d.get("failedMessage")
    return {k: v for k, v in data.items() if v is not None}


async def query(call: Call) -> Response:
    country = call.need_country()
    order_no = call.fields.text("mchOrderId", (1, 32))
    plan = call.plan_for(order_no=order_no, currency=country.currency)
    if not processes(plan):
        return await call.answer(plan, None)
    order = find_order(
        call.sandbox.store, "ezpay", call.merchant_id, merchant_order_id=order_no, kind="payment"
    )
    if order is None or order.data.get("country") != country.slug:
        raise not_found(call.merchant)
    view = transaction_view(call, order)
    return await call.answer(plan, lambda: success(view))
