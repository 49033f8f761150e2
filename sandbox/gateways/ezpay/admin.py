"""EzPay's hooks behind the shared admin API: `POST /_sandbox/orders/{id}/complete` (§5)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.gateways.ezpay.codes import FAILURES
from sandbox.gateways.ezpay.lifecycle import Result, apply
from sandbox.gateways.orders import Order, get_order
from sandbox.gateways.registry import HookError, default_describe
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
        raise HookError(422, "bad_request", "paid_amount: a positive integer in minor units")
    return value


async def complete(sandbox: Sandbox, order: Order, body: dict[str, Any]) -> dict[str, Any]:
    """Body: `status` (success | failed | expired | canceled; default success), `paid_amount`
    (minor units; required for a static code), `code` (failedCode), `reason`."""
    status = body.get("status", "success")
    if status not in _STATUSES:
        raise HookError(422, "bad_request", f"status: one of {', '.join(_STATUSES)}")
    code = body.get("code")
    if code is not None and (isinstance(code, bool) or code not in FAILURES):
        raise HookError(422, "bad_request", "code: a failure code -10000 … -10007")
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise HookError(422, "bad_request", "reason: a string")
    paid = _paid_amount(body)
    if order.kind == "static" and status in ("success", "failed") and paid is None:
        raise HookError(422, "bad_request", "paid_amount: required to pay a static code")
    if order.kind == "static_payment":
        raise HookError(409, "already_final", _CLOSED)
    with sandbox.store.transaction():
        done = apply(sandbox, order, Result(status, code, reason, paid))
    if not done:
        raise HookError(409, "already_final", _CLOSED)
    fresh = get_order(sandbox.store, "ezpay", order.platform_id) or order
    return default_describe(fresh)
