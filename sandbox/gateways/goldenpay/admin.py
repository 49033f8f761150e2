"""The admin hooks: `POST /_sandbox/orders/{id}/complete` and `POST /_sandbox/trigger`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.gateways.directives import PLAN_KEY
from sandbox.gateways.goldenpay import revisions
from sandbox.gateways.goldenpay.collect import new_collect
from sandbox.gateways.goldenpay.common import (
    CHANNEL_CURRENCIES,
    COLLECT,
    COLLECT_STATUS,
    CURRENCIES,
    FINAL,
    GATEWAY,
    PAYOUT,
    PAYOUT_STATUS,
    amount_format_ok,
)
from sandbox.gateways.goldenpay.fields import valid_url
from sandbox.gateways.goldenpay.lifecycle import finish
from sandbox.gateways.goldenpay.merchant import GoldenPayMerchant
from sandbox.gateways.goldenpay.payouts import debit, new_payout
from sandbox.gateways.orders import DuplicateOrder, Order, find_order, insert_order
from sandbox.gateways.plug import AdminError, default_describe
from sandbox.runtime import Sandbox

FINAL_OUTCOMES = ("success", "failed", "expired", "canceled")


def _bad(message: str) -> AdminError:
    return AdminError(400, "bad_request", message)


def _amount(value: Any, currency: str, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _bad(f'{name}: must be a string like "100.00"')
    text = str(value)
    if not amount_format_ok(text, currency) or Decimal(text) <= 0:
        shape = "a positive whole number for VND" if currency == "VND" else "at most 2 decimals"
        raise _bad(f"{name}: must be {shape}")
    return Decimal(text)


def _check_keys(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in body:
        if key not in allowed:
            raise _bad(f"{key}: unknown field (allowed: {', '.join(allowed)})")


def _result(order: Order, callbacks: list[str]) -> dict[str, Any]:
    return {**default_describe(order), "callbacks": callbacks}


async def complete(sandbox: Sandbox, order: Order, body: dict[str, Any]) -> dict[str, Any]:
    """Act as the payer or the bank: `{"status": <outcome>, "paid_amount"?: "…"}`."""
    _check_keys(body, ("status", "paid_amount"))
    status = body.get("status")
    if status not in FINAL_OUTCOMES:
        raise _bad(f"status: must be one of {', '.join(FINAL_OUTCOMES)}")
    if order.status in FINAL:
        raise AdminError(409, "conflict", f"order {order.platform_id} is final ({order.status})")
    paid = None
    if body.get("paid_amount") is not None:
        if order.kind != COLLECT or status != "success":
            raise _bad("paid_amount: only for a collect order completed with success")
        paid = _amount(body["paid_amount"], order.currency, "paid_amount")
    statuses = COLLECT_STATUS if order.kind == COLLECT else PAYOUT_STATUS
    callbacks = finish(sandbox, order, statuses[str(status)], paid)
    return _result(order, callbacks)


_TRIGGER_KEYS = (
    "gateway",
    "merchant",
    "kind",
    "status",
    "amount",
    "currency",
    "notify_url",
    "order_no",
    "channel",
    "paid_amount",
)


async def trigger(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """Create a collect (`kind: payin`) or payout order already in `status` and send its
    callback. Extras: `channel` (default `mock`), `paid_amount` (collect success)."""
    _check_keys(body, _TRIGGER_KEYS)
    found = sandbox.merchants.find(GATEWAY, str(body["merchant"]))
    assert isinstance(found, GoldenPayMerchant)
    merchant = found
    kinds = {"payin": COLLECT, "payout": PAYOUT}
    kind = kinds.get(str(body.get("kind")))
    if kind is None:
        raise _bad("kind: GoldenPay triggers payin (collect) or payout orders")
    status = body.get("status")
    if status not in (*FINAL_OUTCOMES, "pending"):
        raise _bad(f"status: must be one of {', '.join((*FINAL_OUTCOMES, 'pending'))}")
    currency = str(body.get("currency", "")).upper()
    if currency not in CURRENCIES:
        raise _bad(f"currency: must be one of {', '.join(CURRENCIES)}")
    channel = body.get("channel", "mock")
    if channel not in CHANNEL_CURRENCIES or currency not in CHANNEL_CURRENCIES[channel]:
        raise _bad(f"channel: {channel!r} is not a GoldenPay channel for {currency}")
    amount = _amount(body.get("amount"), currency, "amount")
    url = body.get("notify_url")
    if not isinstance(url, str) or not valid_url(url):
        raise _bad("notify_url: must be an absolute http(s) URL")
    order_no = body.get("order_no")
    if order_no is not None and (not isinstance(order_no, str) or not 1 <= len(order_no) <= 64):
        raise _bad("order_no: must be a string of 1-64 characters")
    paid = None
    if body.get("paid_amount") is not None:
        paid = _amount(body["paid_amount"], currency, "paid_amount")
    now = sandbox.clock.now()
    with sandbox.store.transaction():
        if order_no is not None and find_order(
            sandbox.store, GATEWAY, str(merchant.mch_id), merchant_order_id=order_no, kind=kind
        ):
            raise AdminError(409, "conflict", f"order_no: {order_no} is already used")
        if kind == COLLECT:
            base = sandbox.settings.public_url or (
                f"http://{sandbox.settings.host}:{sandbox.settings.port}"
            )
            order = new_collect(
                sandbox,
                merchant,
                trans_id=order_no or "",
                amount=amount,
                currency=currency,
                channel=channel,
                base_url=base.rstrip("/"),
                now=now,
                extra=revisions.stamp(
                    {"callback_url": url, "return_url": None, PLAN_KEY: {}},
                    merchant.api_revision,
                ),
            )
        else:
            data = {
                "channel": channel,
                "account_no": "0000000000",
                "account_name": "SANDBOX TRIGGER",
                "account_org": None,
                "callback_url": url,
                PLAN_KEY: {},
            }
            revisions.stamp(data, merchant.api_revision)
            order = new_payout(
                sandbox, merchant, trans_id=order_no or "", amount=amount, currency=currency,
                now=now, data=data,
            )  # fmt: skip
        if not order.merchant_order_id:
            order.merchant_order_id = f"TRIGGER-{order.platform_id}"
        try:
            insert_order(sandbox.store, order)
        except DuplicateOrder:  # stored by another request since the look-up
            number = order.merchant_order_id
            raise AdminError(409, "conflict", f"order_no: {number} is already used") from None
        if kind == PAYOUT:
            debit(sandbox, order)
        callbacks: list[str] = []
        if status != "pending":
            statuses = COLLECT_STATUS if kind == COLLECT else PAYOUT_STATUS
            callbacks = finish(sandbox, order, statuses[str(status)], paid)
    return _result(order, callbacks)
