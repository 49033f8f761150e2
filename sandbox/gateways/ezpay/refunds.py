"""Refunds: `refund.create` and `refund.query`."""

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
from sandbox.gateways.ezpay.callbacks import return_instant
from sandbox.gateways.ezpay.codes import EzPayError, param_error
from sandbox.gateways.ezpay.ids import new_id
from sandbox.gateways.ezpay.lifecycle import (
    COMPLETED,
    PENDING,
    REFUND_DELAY,
    Result,
    run_planned,
    schedule,
)
from sandbox.gateways.ezpay.money import balance_minor, fee_refunded, fmt_time, move
from sandbox.gateways.ezpay.pipeline import Call, success
from sandbox.gateways.ezpay.rules import not_found
from sandbox.gateways.orders import (
    Order,
    child_orders,
    find_order,
    insert_order,
    new_order,
    refusing_duplicates,
)
from sandbox.gateways.outcomes import Outcome, planned_after

NOT_ALLOWED = 21402
TOO_OLD = 21403
PARTIAL_NOT_SUPPORTED = 21405
AMOUNT_INVALID = 21406
DUPLICATE_REFUND = 21407
NOT_COMPLETED = 21408
PENDING_REFUND = 21409
BALANCE_INSUFFICIENT = 21014
REFUND_WINDOW = timedelta(days=60)
TRANSACTION_KINDS = ("payment", "static_payment", "payout")


def _live_refunds(call: Call, original: Order) -> list[Order]:
    refunds = child_orders(call.sandbox.store, "ezpay", original.platform_id, "refund")
    return [r for r in refunds if r.status in (PENDING, "COMPLETE")]


async def create(call: Call) -> Response:
    f = call.fields
    refund_no = f.ident("mchRefundOrderId")
    original_id = f.text("originalTransactionId", (1, 32))
    amount = f.integer("refundAmount")
    reason = f.string("refundReason", required=False, length=(1, 200))
    url = f.url("refundCallbackUrl")
    assert refund_no is not None and amount is not None
    store = call.sandbox.store
    original = find_order(
        store, "ezpay", call.merchant_id, platform_id=original_id, kind=TRANSACTION_KINDS
    )
    plan = call.plan_for(
        order_no=refund_no,
        amount=amount,
        currency=original.currency if original else None,
        channel=original.data.get("channelCode") if original else None,
    )
    if not processes(plan):
        return await call.answer(plan, None)
    with refusing_duplicates(lambda: EzPayError(DUPLICATE_REFUND)), store.transaction():
        if (
            find_order(store, "ezpay", call.merchant_id, merchant_order_id=refund_no, kind="refund")
            is not None
        ):
            raise EzPayError(DUPLICATE_REFUND)
        if original is None:
            raise not_found(call.merchant)
        if original.kind == "payout":
            raise EzPayError(NOT_ALLOWED)
        if original.status != COMPLETED:
            raise EzPayError(NOT_COMPLETED)
        if original.data.get("channelType") == "VA":
            raise EzPayError(NOT_ALLOWED)
        now = call.now()
        if now - return_instant(original) > REFUND_WINDOW:
            raise EzPayError(TOO_OLD)
        live = _live_refunds(call, original)
        if any(r.status == PENDING for r in live):
            raise EzPayError(PENDING_REFUND)
        refunded = sum((r.amount for r in live), Decimal(0))
        if amount <= 0 or amount > original.amount - refunded:
            raise EzPayError(AMOUNT_INVALID)
        if original.data.get("channelType") == "QR" and amount != original.amount:
            raise EzPayError(PARTIAL_NOT_SUPPORTED)
        returned = sum((Decimal(r.data.get("feeRefunded", "0")) for r in live), Decimal(0))
        fee = Decimal(original.data.get("fee", "0"))
        share = fee_refunded(fee, original.amount, refunded, returned, amount)
        if balance_minor(store, call.merchant_id, original.currency) < amount - share:
            raise EzPayError(BALANCE_INSUFFICIENT)
        data: dict[str, Any] = {
            "feeRefunded": str(share),
            "refundCallbackUrl": url,
            PLAN_KEY: plan_blocks(plan),
        }
        if reason is not None:
            data["refundReason"] = reason
        refund = new_order(
            "ezpay",
            call.merchant_id,
            "refund",
            platform_id=new_id(call.sandbox, ""),
            merchant_order_id=refund_no,
            amount=amount,
            currency=original.currency,
            status=PENDING,
            now=now,
            parent_id=original.platform_id,
            data=data,
            plan=plan.to_json(),
            number_space="refund",
        )
        insert_order(store, refund)
        move(store, call.merchant_id, original.currency, -(amount - share), now)
        result = Outcome.planned(plan)
        if result is None:
            schedule(call.sandbox, refund, now + REFUND_DELAY, Result("success"))
        elif result.status in ("success", "failed", "canceled"):
            after = planned_after(plan, REFUND_DELAY)
            run_planned(call.sandbox, refund, result, after)

    def normal() -> Response:
        return success(
            {
                "mchRefundOrderId": refund.merchant_order_id,
                "refundTransactionId": refund.platform_id,
                "refundCreateTime": fmt_time(refund.created_at, call.merchant),
                "refundAmount": int(refund.amount),
                "refundStatus": PENDING,
            }
        )

    return await call.answer(plan, normal)


def refund_view(call: Call, refund: Order) -> dict[str, Any]:
    final = refund.status != PENDING
    data: dict[str, Any] = {
        "mchRefundOrderId": refund.merchant_order_id,
        "originalTransactionId": refund.parent_id,
        "refundTransactionId": refund.platform_id,
        "refundAmount": int(refund.amount),
        "feeRefunded": int(Decimal(refund.data.get("feeRefunded", "0"))),
        "refundStatus": refund.status,
        "refundCreateTime": fmt_time(refund.created_at, call.merchant),
    }
    if final:
        data["refundReturnTime"] = fmt_time(return_instant(refund), call.merchant)
    if refund.data.get("refundReason"):
        data["refundReason"] = refund.data["refundReason"]
    if refund.status == "FAILED":
        data["failedCode"] = refund.data.get("failedCode")
        data["failedMessage"] = refund.data.get("failedMessage")
    return data


async def query(call: Call) -> Response:
    f = call.fields
    original_id = f.string("originalTransactionId", required=False, length=(1, 32))
    refund_id = f.string("refundTransactionId", required=False, length=(1, 32))
    if original_id is None and refund_id is None:
        raise param_error("originalTransactionId or refundTransactionId is required")
    plan = call.plan_for()
    if not processes(plan):
        return await call.answer(plan, None)
    store = call.sandbox.store
    refunds: list[Order]
    if refund_id is not None:
        refund = find_order(store, "ezpay", call.merchant_id, platform_id=refund_id, kind="refund")
        if refund is None or (original_id is not None and refund.parent_id != original_id):
            raise not_found(call.merchant)
        refunds = [refund]
    else:
        assert original_id is not None
        original = find_order(
            store, "ezpay", call.merchant_id, platform_id=original_id, kind=TRANSACTION_KINDS
        )
        if original is None:
            raise not_found(call.merchant)
        refunds = child_orders(store, "ezpay", original.platform_id, "refund")
    items = [refund_view(call, r) for r in refunds]
    return await call.answer(plan, lambda: success(items))
