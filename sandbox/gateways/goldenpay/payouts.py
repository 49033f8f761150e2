"""`payout.create` (`POST /api/v1/mch/wdl-orders`) and `payout.query` (`GET`)"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from sandbox.clock import parse_instant
from sandbox.gateways.directives import keep_plan
from sandbox.gateways.goldenpay import revisions
from sandbox.gateways.goldenpay.codes import GoldenPayError, duplicate_trans_id
from sandbox.gateways.goldenpay.common import (
    CANCELED,
    GATEWAY,
    PAYOUT,
    PROCESSING,
    SUCCESS,
    amount_text,
    fee,
    next_order_id,
    time_text,
)
from sandbox.gateways.goldenpay.lifecycle import schedule_payout
from sandbox.gateways.goldenpay.merchant import GoldenPayMerchant
from sandbox.gateways.goldenpay.pipeline import Call, success_response
from sandbox.gateways.goldenpay.queries import answer_order_query
from sandbox.gateways.orders import (
    Order,
    find_order,
    insert_order,
    new_order,
    refusing_duplicates,
)
from sandbox.runtime import Sandbox
from sandbox.store.balances import adjust_balance, get_balance

_OPTIONAL_AFTER_ORG = ("account_sub_org",)
_OPTIONAL_AFTER_EMAIL = ("account_phone", "remarks")


def create_payload(order: Order, merchant: GoldenPayMerchant) -> dict[str, Any]:
    data = order.data
    return {
        "id": order.platform_id,
        "trans_id": order.merchant_order_id,
        "mch_id": merchant.mch_id,
        "channel": data["channel"],
        "currency": order.currency,
        "order_amount": amount_text(order.amount, order.currency),
        "account_no": data["account_no"],
        "account_name": data["account_name"],
        "account_org": data.get("account_org"),
        "callback_url": data["callback_url"],
        "status": int(order.status),
        "created_at": time_text(order.created_at, merchant),
    }


def query_payload(order: Order, merchant: GoldenPayMerchant) -> dict[str, Any]:
    payload = create_payload(order, merchant)
    status = payload.pop("status")
    created_at = payload.pop("created_at")
    payload["attachments"] = []
    payload["status"] = status
    payload["created_at"] = created_at
    if order.status == SUCCESS:
        payload["payed_at"] = time_text(parse_instant(order.data["payed_at"]), merchant)
    elif order.status == CANCELED:
        payload["canceled_at"] = time_text(parse_instant(order.data["canceled_at"]), merchant)
    return payload


def limit_error(merchant: GoldenPayMerchant, currency: str, amount: Decimal) -> bool:
    limits = merchant.payout_limits.get(currency)
    return limits is not None and not limits.min <= amount <= limits.max


def new_payout(
    sandbox: Sandbox,
    merchant: GoldenPayMerchant,
    *,
    trans_id: str,
    amount: Decimal,
    currency: str,
    now: datetime,
    data: dict[str, Any],
) -> Order:
    """A payout in 20 (not stored yet); `data` holds the channel, beneficiary and URL."""
    charge = fee(amount, merchant.payout_fee_rate, currency)
    return new_order(
        GATEWAY,
        str(merchant.mch_id),
        PAYOUT,
        platform_id=next_order_id(sandbox, "P", now, merchant),
        merchant_order_id=trans_id,
        amount=amount,
        currency=currency,
        status=PROCESSING,
        now=now,
        data={**data, "fee": str(charge), "payed_at": None, "canceled_at": None},
        number_space=PAYOUT,
    )


def debit(sandbox: Sandbox, order: Order) -> None:
    """Amount + fee leave the wallet at creation."""
    total = order.amount + Decimal(order.data["fee"])
    adjust_balance(sandbox.store, GATEWAY, order.merchant, order.currency, -total, order.created_at)


async def create(call: Call) -> Response:
    fields = call.fields
    trans_id = fields.trans_id()
    channel = fields.channel("payout")
    currency = fields.currency(channel)
    amount = fields.amount(currency, collect=False)
    country_vn_th = currency in ("VND", "THB")
    data: dict[str, Any] = {"channel": channel}
    data["account_no"] = fields.account_no(currency)
    data["account_name"] = fields.text("account_name")
    data["account_org"] = fields.string("account_org", required=country_vn_th)
    data["account_org_code"] = fields.string("account_org_code", required=country_vn_th)
    data.update(fields.optional(*_OPTIONAL_AFTER_ORG))
    data["account_email"] = fields.email("account_email")
    data.update(fields.optional(*_OPTIONAL_AFTER_EMAIL))
    data["callback_url"] = fields.url("callback_url")

    plan = call.plan_for(
        order_no=trans_id, amount=amount.facts_value, currency=currency, channel=channel
    )
    order: Order | None = None
    if call.processes(plan):
        sandbox = call.sandbox
        merchant = call.merchant
        if find_order(
            sandbox.store, GATEWAY, call.merchant_id, merchant_order_id=trans_id, kind=PAYOUT
        ):
            raise duplicate_trans_id()
        wallet = get_balance(sandbox.store, GATEWAY, call.merchant_id, currency)
        if wallet is None:
            raise GoldenPayError(f"Wallet not found for currency {currency}")
        if limit_error(merchant, currency, amount.value):
            raise GoldenPayError("Withdrawal amount exceeds limit")
        if wallet.available < amount.value + fee(amount.value, merchant.payout_fee_rate, currency):
            raise GoldenPayError("Insufficient balance")
        keep_plan(data, plan)
        revisions.stamp(data, call.revision)
        order = new_payout(
            sandbox,
            merchant,
            trans_id=trans_id,
            amount=amount.value,
            currency=currency,
            now=call.now(),
            data=data,
        )
        order.plan = plan.to_json()
        with refusing_duplicates(duplicate_trans_id), sandbox.store.transaction():
            insert_order(sandbox.store, order)
            debit(sandbox, order)
            schedule_payout(sandbox, order, plan)

    def normal() -> Response:
        assert order is not None
        payload = revisions.rendered(create_payload(order, call.merchant), call.revision)
        return success_response(payload, call.merchant)

    return await call.answer(plan, normal if order is not None else None)


async def query(call: Call) -> Response:
    def payload(order: Order, merchant: GoldenPayMerchant) -> dict[str, Any]:
        return revisions.rendered(query_payload(order, merchant), call.revision)

    return await answer_order_query(call, PAYOUT, payload)
