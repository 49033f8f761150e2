"""`collect.create` (`POST /api/v1/mch/pmt-orders`) and `collect.query` (`GET`)"""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from sandbox.clock import parse_instant
from sandbox.gateways.directives import keep_plan
from sandbox.gateways.goldenpay import revisions
from sandbox.gateways.goldenpay.codes import duplicate_trans_id, missing
from sandbox.gateways.goldenpay.common import (
    COLLECT,
    GATEWAY,
    PROCESSING,
    SUCCESS,
    amount_text,
    next_order_id,
    time_text,
)
from sandbox.gateways.goldenpay.lifecycle import schedule_collect
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
from sandbox.pages.keys import new_page_key, with_key
from sandbox.pages.layout import public_base
from sandbox.runtime import Sandbox

_BANKS = (
    ("Vietcombank", "970436"),
    ("VietinBank", "970415"),
    ("BIDV", "970418"),
    ("Techcombank", "970407"),
    ("MB Bank", "970422"),
)
_FAMILY = ("NGUYEN", "TRAN", "LE", "PHAM", "HOANG", "VU", "DANG", "BUI")
_MIDDLE = ("VAN", "THI", "DUC", "MINH", "HOANG", "NGOC")
_GIVEN = ("AN", "BINH", "CUONG", "DUNG", "HA", "LAN", "MAI", "NAM", "PHUONG", "TUAN")
_MEMO = "abcdefghijklmnopqrstuvwxyz0123456789"
_OPTIONAL = (
    "payer_account_no",
    "payer_account_name",
    "payer_account_org",
    "mode",
    "uid",
    "remarks",
)


def transfer_details(rng: random.Random, page: str, key: str | None = None) -> dict[str, str]:
    """The `meta` of a VND `bank` order, reproducible under `SANDBOX_SEED`."""
    bank, code = rng.choice(_BANKS)
    name = " ".join((rng.choice(_FAMILY), rng.choice(_MIDDLE), rng.choice(_GIVEN)))
    return {
        "account_no": "".join(rng.choice("0123456789") for _ in range(13)),
        "account_name": name,
        "account_org": bank,
        "account_org_code": code,
        "remarks": "".join(rng.choice(_MEMO) for _ in range(8)),
        "qr_url": with_key(page + "/qr.svg", key),
    }


def create_payload(order: Order, merchant: GoldenPayMerchant) -> dict[str, Any]:
    data = order.data
    return {
        "id": order.platform_id,
        "trans_id": order.merchant_order_id,
        "order_amount": amount_text(order.amount, order.currency),
        "ratio": merchant.collect_ratio,
        "currency": order.currency,
        "code": data["channel"],
        "status": int(order.status),
        "created_at": time_text(order.created_at, merchant),
        "url": data["url"],
        "cashier_type": data["cashier_type"],
        "meta": data["meta"],
    }


def query_payload(order: Order, merchant: GoldenPayMerchant) -> dict[str, Any]:
    paid_at = order.data.get("payed_at") if order.status == SUCCESS else None
    return {
        "id": order.platform_id,
        "mch_id": merchant.mch_id,
        "trans_id": order.merchant_order_id,
        "order_amount": amount_text(order.amount, order.currency),
        "payed_amount": order.data["payed_amount"],
        "channel": order.data["channel"],
        "currency": order.currency,
        "status": int(order.status),
        "created_at": time_text(order.created_at, merchant),
        "payed_at": None if paid_at is None else time_text(parse_instant(paid_at), merchant),
    }


def new_collect(
    sandbox: Sandbox,
    merchant: GoldenPayMerchant,
    *,
    trans_id: str,
    amount: Decimal,
    currency: str,
    channel: str,
    base_url: str,
    now: datetime,
    extra: dict[str, Any],
) -> Order:
    """A collect order in 20 (not stored yet): id, cashier URL, `meta` for VND `bank`."""
    platform_id = next_order_id(sandbox, "C", now, merchant)
    page = f"{base_url}/_sandbox/pay/{GATEWAY}/{platform_id}"
    key = new_page_key(sandbox.settings)
    vnd_bank = channel == "bank" and currency == "VND"
    data: dict[str, Any] = {
        "channel": channel,
        "url": with_key(page, key),
        "cashier_type": 9 if vnd_bank else 0,
        "meta": transfer_details(sandbox.rng, page, key) if vnd_bank else None,
        "payed_amount": amount_text(Decimal(0), currency),
        "payed_at": None,
        **extra,
    }
    if key is not None:
        data["page_key"] = key
    return new_order(
        GATEWAY,
        str(merchant.mch_id),
        COLLECT,
        platform_id=platform_id,
        merchant_order_id=trans_id,
        amount=amount,
        currency=currency,
        status=PROCESSING,
        now=now,
        data=data,
        number_space=COLLECT,
    )


async def create(call: Call) -> Response:
    fields = call.fields
    trans_id = fields.trans_id()
    channel = fields.channel("collect")
    currency = fields.currency(channel)
    amount = fields.amount(currency, collect=True)
    callback_url = fields.url("callback_url")
    return_url = fields.url("return_url", required=False)
    extra = fields.optional(*_OPTIONAL)
    if revisions.uid_required(channel, call.revision) and "uid" not in extra:
        raise missing("uid")

    plan = call.plan_for(
        order_no=trans_id, amount=amount.facts_value, currency=currency, channel=channel
    )
    order: Order | None = None
    if call.processes(plan):
        sandbox = call.sandbox
        if find_order(
            sandbox.store, GATEWAY, call.merchant_id, merchant_order_id=trans_id, kind=COLLECT
        ):
            raise duplicate_trans_id()
        extra.update({"callback_url": callback_url, "return_url": return_url})
        keep_plan(extra, plan)
        revisions.stamp(extra, call.revision)
        order = new_collect(
            sandbox,
            call.merchant,
            trans_id=trans_id,
            amount=amount.value,
            currency=currency,
            channel=channel,
            base_url=public_base(call.request, sandbox.settings),
            now=call.now(),
            extra=extra,
        )
        order.plan = plan.to_json()
        with refusing_duplicates(duplicate_trans_id), sandbox.store.transaction():
            insert_order(sandbox.store, order)
            schedule_collect(sandbox, order, plan)

    def normal() -> Response:
        assert order is not None
        payload = create_payload(order, call.merchant)
        answer = revisions.collect_answer(payload, call.merchant, call.revision)
        return success_response(answer, call.merchant)

    return await call.answer(plan, normal if order is not None else None)


async def query(call: Call) -> Response:
    def payload(order: Order, merchant: GoldenPayMerchant) -> dict[str, Any]:
        return revisions.rendered(query_payload(order, merchant), call.revision)

    return await answer_order_query(call, COLLECT, payload)
