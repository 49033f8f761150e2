"""Static (reusable) payment codes: create, detail, list, cancel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.responses import Response

from sandbox.clock import format_instant, parse_instant
from sandbox.gateways.directives import (
    PLAN_KEY,
    plan_blocks,
    processes,
)
from sandbox.gateways.ezpay.callbacks import return_instant
from sandbox.gateways.ezpay.codes import DEFAULT_FAILED_CODE, EzPayError
from sandbox.gateways.ezpay.lifecycle import (
    ACTIVE,
    STATIC_EXPIRY,
    Result,
    close_static,
    run_planned,
    schedule,
)
from sandbox.gateways.ezpay.money import fmt_time
from sandbox.gateways.ezpay.payments import new_open_id, pay_data, read_channel, read_mobile
from sandbox.gateways.ezpay.pipeline import Call, success
from sandbox.gateways.ezpay.rules import check_daily_limits, not_found
from sandbox.gateways.orders import (
    Order,
    child_orders,
    find_order,
    insert_order,
    new_order,
    refusing_duplicates,
)
from sandbox.gateways.outcomes import Outcome, planned_after
from sandbox.scenarios.engine import Plan

DUPLICATE_ORDER = 21007
NOT_ALLOWED_TO_CANCEL = 21025


async def create(call: Call) -> Response:
    country = call.need_country()
    f = call.fields
    order_no = f.ident("mchOrderId")
    assert order_no is not None
    customer = f.text("customerName", (1, 128))
    channel = read_channel(call, country, static=True)
    notify_url = f.url("notifyUrl")
    email = f.text("email", (1, 128))
    mobile = read_mobile(call, country)
    remark = f.string("remark", required=False, length=(1, 256))
    currency = country.currency
    plan = call.plan_for(order_no=order_no, currency=currency, channel=channel.code)
    if not processes(plan):
        return await call.answer(plan, None)
    store = call.sandbox.store
    with refusing_duplicates(lambda: EzPayError(DUPLICATE_ORDER)), store.transaction():
        if (
            find_order(store, "ezpay", call.merchant_id, merchant_order_id=order_no, kind="static")
            is not None
        ):
            raise EzPayError(DUPLICATE_ORDER)
        check_daily_limits(call, None, currency)
        now = call.now()
        ident = new_open_id(call, "S", channel)
        data: dict[str, Any] = {
            "country": country.slug,
            "channelCode": channel.code,
            "channelType": channel.type,
            "payData": pay_data(call, country, channel, ident, None),
            "customerName": customer,
            "email": email,
            "mobile": mobile,
            "remark": remark,
            "notifyUrl": notify_url,
            "expiresAt": format_instant(now + STATIC_EXPIRY),
            PLAN_KEY: plan_blocks(plan),
        }
        result = Outcome.planned(plan)
        if result is not None and result.status == "failed" and result.paid_amount is None:
            # F<n>- codes: the code stays ACTIVE and every payment made to it fails.
            data["failCode"] = result.code if result.code is not None else DEFAULT_FAILED_CODE
            result = None
        code = new_order(
            "ezpay",
            call.merchant_id,
            "static",
            platform_id=ident,
            merchant_order_id=order_no,
            amount=Decimal(0),
            currency=currency,
            status=ACTIVE,
            now=now,
            data={k: v for k, v in data.items() if v is not None},
            plan=plan.to_json(),
            number_space="static",
        )
        insert_order(store, code)
        if result is None or result.status in ("success", "failed"):
            schedule(call.sandbox, code, now + STATIC_EXPIRY, Result("expired"))
        if result is not None and result.status != "pending":
            after = planned_after(plan)
            run_planned(call.sandbox, code, result, after)

    def normal() -> Response:
        return success(
            {
                "mchOrderId": code.merchant_order_id,
                "payData": code.data["payData"],
                "channelCode": channel.code,
                "createTime": fmt_time(code.created_at, call.merchant),
                "status": ACTIVE,
                "channelType": channel.type,
            }
        )

    return await call.answer(plan, normal)


def code_view(call: Call, code: Order) -> dict[str, Any]:
    return {
        "mchOrderId": code.merchant_order_id,
        "payData": code.data["payData"],
        "channelCode": code.data["channelCode"],
        "createTime": fmt_time(code.created_at, call.merchant),
        "status": code.status,
        "expiresTime": fmt_time(parse_instant(code.data["expiresAt"]), call.merchant),
    }


def _lookup(call: Call, *, channel_required: bool) -> tuple[Plan, Order | None]:
    """Read `mchOrderId` and `channelCode`, plan, and find the code (None: not found)."""
    country = call.need_country()
    order_no = call.fields.text("mchOrderId", (1, 32))
    channel = call.fields.string("channelCode", required=channel_required)
    plan = call.plan_for(order_no=order_no, currency=country.currency, channel=channel)
    code = find_order(
        call.sandbox.store, "ezpay", call.merchant_id, merchant_order_id=order_no, kind="static"
    )
    if code is not None and (
        code.data.get("country") != country.slug
        or (channel is not None and channel != code.data.get("channelCode"))
    ):
        code = None
    return plan, code


async def detail(call: Call) -> Response:
    plan, code = _lookup(call, channel_required=False)
    if not processes(plan):
        return await call.answer(plan, None)
    if code is None:
        raise not_found(call.merchant)
    view = code_view(call, code)
    return await call.answer(plan, lambda: success(view))


async def payments(call: Call) -> Response:
    plan, code = _lookup(call, channel_required=False)
    if not processes(plan):
        return await call.answer(plan, None)
    if code is None:
        raise not_found(call.merchant)
    items = []
    for t in child_orders(call.sandbox.store, "ezpay", code.platform_id, "static_payment"):
        item: dict[str, Any] = {
            "transactionId": t.platform_id,
            "mchOrderId": t.merchant_order_id,
            "amount": int(t.amount),
            "transactionStatus": t.status,
            "channelCode": t.data["channelCode"],
            "createTime": fmt_time(t.created_at, call.merchant),
            "returnTime": fmt_time(return_instant(t), call.merchant),
        }
        if t.status == "FAILED":
            item["failedCode"] = t.data.get("failedCode")
            item["failedMessage"] = t.data.get("failedMessage")
        items.append(item)
    return await call.answer(plan, lambda: success(items))


async def cancel(call: Call) -> Response:
    plan, code = _lookup(call, channel_required=True)
    if not processes(plan):
        return await call.answer(plan, None)
    with call.sandbox.store.transaction():
        if code is None:
            raise not_found(call.merchant)
        if not close_static(call.sandbox, code, "canceled"):
            raise EzPayError(NOT_ALLOWED_TO_CANCEL)
    view = code_view(call, code)
    return await call.answer(plan, lambda: success(view))
