"""TrustPay's hooks behind the shared admin API: `POST /_sandbox/orders/{id}/complete`
for pay-ins, payouts and refunds, and `POST /_sandbox/trigger` (an order created already in a
given status, with that status's callback).

Other TrustPay order kinds (card orders, cardholders) register their own completer with
`register_completer(kind, hook)`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.gateways.orders import (
    DuplicateOrder,
    Order,
    count_merchant_order_prefix,
    get_order,
    save_order,
)
from sandbox.gateways.plug import AdminError, CompleteHook, default_describe
from sandbox.gateways.trustpay.balances import release
from sandbox.gateways.trustpay.callbacks import notify_order
from sandbox.gateways.trustpay.fees import cents, refund_fee
from sandbox.gateways.trustpay.lifecycle import (
    GATEWAY,
    PAYIN,
    PAYOUT,
    PENDING,
    REFUND,
    apply_outcome,
    new_payin,
    pay,
    platform_order_no,
    settle,
    trustpay_merchant,
)
from sandbox.gateways.trustpay.payouts import complete_payout, finish_payout, new_payout
from sandbox.gateways.trustpay.refunds import complete_refund, start_refund
from sandbox.runtime import Sandbox

OUTCOMES = ("success", "failed", "expired", "canceled")
PAYIN_STATUSES = (1, 3, 4, 5, 6, 7, 8, 9)
PAYOUT_STATUSES = (1, 2, 3, 4)
# The gateway-neutral trigger form (`kind` + a neutral `status`, the same for every gateway)
# → TrustPay (type, status).
NEUTRAL = {
    ("payin", "pending"): (0, 1),
    ("payin", "success"): (0, 5),
    ("payin", "failed"): (0, 3),
    ("payin", "expired"): (0, 4),
    ("payin", "canceled"): (0, 3),
    ("payout", "pending"): (1, 1),
    ("payout", "success"): (1, 2),
    ("payout", "failed"): (1, 3),
    ("payout", "expired"): (1, 4),
    ("payout", "canceled"): (1, 3),
    ("refund", "pending"): (0, 9),
    ("refund", "success"): (0, 7),
}
_FAILURE_REASONS = {3: "payment failed", 4: "order timeout"}
REFUND_SUCCEEDED = "2"

_COMPLETERS: dict[str, CompleteHook] = {}


def register_completer(kind: str, hook: CompleteHook) -> None:
    """Let another TrustPay order kind (e.g. card orders) be completed through the admin API."""
    _COMPLETERS[kind] = hook


def _invalid(message: str) -> AdminError:
    return AdminError(400, "bad_request", message)


def _amount(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _invalid(f'{name}: a decimal amount such as "19.00"')
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _invalid(f'{name}: a decimal amount such as "19.00"') from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise _invalid(f"{name}: a non-negative amount with at most 2 decimals")
    return amount


def _reason(body: dict[str, Any]) -> str | None:
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise _invalid("reason: must be a string")
    return reason or None


async def complete(sandbox: Sandbox, order: Order, body: dict[str, Any]) -> dict[str, Any]:
    """Act as the payer / the bank on a pending pay-in, payout or refund: each neutral outcome
    maps to the TrustPay status it ends in (see docs/gateways/trustpay.md, admin helpers)."""
    if order.kind in _COMPLETERS:
        return await _COMPLETERS[order.kind](sandbox, order, body)
    status = body.get("status")
    if status not in OUTCOMES:
        raise _invalid("status: one of " + ", ".join(OUTCOMES))
    unknown = set(body) - {"status", "paid_amount", "reason"}
    if unknown:
        raise _invalid(f"unknown field: {sorted(unknown)[0]}")
    paid = body.get("paid_amount")
    paid_amount = None if paid is None else _amount(paid, "paid_amount")
    reason = _reason(body)
    if order.kind == PAYIN:
        if order.status != PENDING:
            raise AdminError(409, "conflict", f"pay-in {order.platform_id} is not pending")
        with sandbox.store.transaction():
            apply_outcome(sandbox, order, str(status), paid_amount=paid_amount, reason=reason)
    elif order.kind == PAYOUT:
        complete_payout(sandbox, order, str(status), paid_amount, reason)
    elif order.kind == REFUND:
        complete_refund(sandbox, order, str(status), reason)
    else:
        raise AdminError(409, "not_supported", f"a {order.kind} cannot be completed")
    fresh = get_order(sandbox.store, GATEWAY, order.platform_id)
    assert fresh is not None
    return default_describe(fresh)


# -- trigger -------------------------------------------------------------------------------


def _trigger_kind(body: dict[str, Any]) -> tuple[int, int]:
    """(type, TrustPay status) from the TrustPay form or the gateway-neutral form."""
    if "kind" in body:
        key = (body.get("kind"), body.get("status"))
        if key not in NEUTRAL:
            raise AdminError(422, "invalid", f"kind/status: {key[0]!r}/{key[1]!r} not supported")
        return NEUTRAL[key]
    order_type = body.get("type", 0)
    if order_type not in (0, 1, "0", "1") or isinstance(order_type, bool):
        raise _invalid("type: 0 (pay-in) or 1 (payout)")
    order_type = int(order_type)
    raw = body.get("status")
    if isinstance(raw, bool) or not (
        isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit() and len(raw) < 20)
    ):
        raise _invalid("status: a TrustPay status number")
    status = int(raw)
    allowed = PAYIN_STATUSES if order_type == 0 else PAYOUT_STATUSES
    if status not in allowed:
        raise AdminError(
            422,
            "invalid",
            f"status: {status} is not a {'pay-in' if order_type == 0 else 'payout'} status",
        )
    return order_type, status


def _string(body: dict[str, Any], name: str, default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is not None and (not isinstance(value, str) or not value):
        raise _invalid(f"{name}: must be a non-empty string")
    return value


def _trigger_order_no(sandbox: Sandbox, merchant: str, given: str | None) -> str:
    from sandbox.gateways.trustpay.ordering import order_no_taken

    if given is not None:
        if len(given) > 64 or any(c.isspace() for c in given):
            raise _invalid("order_no: 1-64 characters without whitespace")
        if order_no_taken(sandbox.store, merchant, given):
            raise AdminError(409, "conflict", f"order_no: {given} already exists")
        return given
    number = count_merchant_order_prefix(sandbox.store, GATEWAY, merchant, "TRIGGER-") + 1
    while order_no_taken(sandbox.store, merchant, f"TRIGGER-{number}"):
        number += 1
    return f"TRIGGER-{number}"


async def trigger(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    merchant_id = str(body["merchant"])
    merchant = trustpay_merchant(sandbox, merchant_id)
    order_type, status = _trigger_kind(body)
    amount = _amount(body.get("order_amount", body.get("amount")), "order_amount")
    if amount <= 0:
        raise _invalid("order_amount: must be positive")
    currency = _string(body, "currency", "USD" if order_type == 0 else "INR")
    assert currency is not None
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise _invalid("currency: 3 uppercase letters")
    notify_url = _string(body, "notify_url")
    api = _string(body, "api_version", "v4")
    if api not in ("v4", "v3"):
        raise _invalid("api_version: v4 or v3")
    reason = _reason(body)
    try:
        with sandbox.store.transaction():
            order_no = _trigger_order_no(sandbox, merchant_id, _string(body, "order_no"))
            if order_type == 1:
                order = _trigger_payout(
                    sandbox, merchant_id, order_no, amount, currency, notify_url, status, reason
                )
            else:
                order = new_payin(
                    sandbox,
                    merchant,
                    platform_id=platform_order_no(sandbox),
                    order_no=order_no,
                    amount=amount,
                    currency=currency,
                    notify_url=notify_url or "",
                    api=api,
                    method="trigger",
                    plan=None,
                )
                _trigger_payin_status(sandbox, order, status, reason)
            if order_type == 0 or status == 1:  # a finished payout sent its own callback
                notify_order(sandbox, order, status, reason)
    except DuplicateOrder as exc:  # stored by another request since the look-up
        number = exc.order.merchant_order_id
        raise AdminError(409, "conflict", f"order_no: {number} already exists") from None
    fresh = get_order(sandbox.store, GATEWAY, order.platform_id)
    assert fresh is not None
    return default_describe(fresh)


def _trigger_payin_status(sandbox: Sandbox, order: Order, status: int, reason: str | None) -> None:
    if status == 1:
        return
    if status in (3, 4):
        order.status = str(status)
        order.data["reason"] = reason or _FAILURE_REASONS[status]
        save_order(sandbox.store, order)
        from sandbox.gateways.trustpay.limits import payin_totals

        payin_totals(sandbox).forget(order)
        return
    pay(sandbox, order, reason=reason, notify=False)
    if status == 6:
        settle(sandbox, order)
        return
    if status in (7, 8, 9):
        _trigger_refund(sandbox, order, status)


def _trigger_refund(sandbox: Sandbox, payin: Order, status: int) -> None:
    """A refund under the paid pay-in: full and done (7), half and done (8), full and pending
    (9); the money moves as for a real refund."""
    paid = Decimal(str(payin.data.get("paid_amount")))
    amount = paid if status != 8 else max(cents(paid / 2), Decimal("0.01"))
    merchant = trustpay_merchant(sandbox, payin.merchant)
    fee = refund_fee(merchant, amount)
    refund_no = f"{payin.merchant_order_id}-R1"
    refund = start_refund(
        sandbox, payin, refund_no, amount, fee, "triggered", None, schedule=False, notify=False
    )
    if status == 9:
        return
    now = sandbox.clock.now()
    refund.status = REFUND_SUCCEEDED
    refund.updated_at = payin.updated_at = now
    save_order(sandbox.store, refund)
    release(sandbox.store, payin.merchant, payin.currency, cents(amount + fee), now)
    payin.status = str(status)
    save_order(sandbox.store, payin)


_PAYOUT_OUTCOMES = {2: "success", 3: "failed", 4: "expired"}


def _trigger_payout(
    sandbox: Sandbox,
    merchant_id: str,
    order_no: str,
    amount: Decimal,
    currency: str,
    notify_url: str | None,
    status: int,
    reason: str | None,
) -> Order:
    """A payout created pending (amount held), then finished as `status` says (with its money
    movement and callback); a pending one gets its status-1 callback from the caller."""
    details = {
        "notify_url": notify_url,
        "account_no": "000000000000",
        "account_name": "Trigger",
        "ifsc": "TEST0000000",
        "bank_name": None,
    }
    merchant = trustpay_merchant(sandbox, merchant_id)
    order = new_payout(sandbox, merchant, order_no, amount, currency, details, None, schedule=False)
    if status != 1:
        finish_payout(sandbox, order, _PAYOUT_OUTCOMES[status], reason=reason)
    return order
