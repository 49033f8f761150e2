"""TrustPay pay-in, refund and payout callbacks (and, further down, the card-order and KYC ones).

One payload shape covers pay-ins, refunds and payouts: pay-in (`type` 0, refund statuses
included: refunds have no callback of their own) and payout (`type` 1). `callback_payload` builds
the fields in a fixed key order with the fields each status carries, snake_case for v4-created
orders and camelCase for v3/v2-created ones; `render_callback` signs exactly the bytes it sends;
`send_callbacks` hands them to the delivery engine with the TrustPay policy and ack (any 2xx),
applying the plan's `callbacks`/`delivery` blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from sandbox import __version__
from sandbox.clock import parse_instant
from sandbox.delivery import STANDARD_DELAYS, AckRule, RetryPolicy, any_2xx
from sandbox.gateways.directives import (
    CallbackRenderer,
    CallbackTarget,
    RenderedCallback,
    SignatureMode,
    ack_rule,
    delivery_policy,
    submit_callbacks,
)
from sandbox.gateways.orders import Order, child_orders, save_order
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan
from sandbox.scenarios.model import TamperValue
from sandbox.signing.md5 import trustpay_sign
from sandbox.signing.values import JsonNumber, compact_json, normalise_number_text
from sandbox.store import Store

GATEWAY = "trustpay"
POLICY = RetryPolicy(GATEWAY, 10.0, STANDARD_DELAYS)
PAYIN = 0
PAYOUT = 1
AmountFormat = Literal["fixed2", "trimmed"]

USER_AGENT = f"TrustPay-Sandbox/{__version__}"
HEADERS: Mapping[str, str] = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
INVALID_SIGN = "0" * 32

# Statuses whose callbacks carry the paid set / the refund set.
PAYIN_PAID = frozenset({5, 6})
PAYOUT_PAID = frozenset({2})
REFUND_STATUSES = frozenset({7, 8, 9})

# the reason a status callback carries when nothing more specific applies.
_DEFAULT_REASONS: dict[tuple[int, int], str] = {
    (PAYIN, 5): "success",
    (PAYIN, 6): "success",
    (PAYIN, 9): "refunding",
    (PAYIN, 7): "refunded",
    (PAYIN, 8): "partially refunded",
    (PAYIN, 3): "payment failed",
    (PAYIN, 4): "order timeout",
    (PAYIN, 1): "pending",
    (PAYOUT, 2): "success",
    (PAYOUT, 3): "payout failed",
    (PAYOUT, 4): "order timeout",
    (PAYOUT, 1): "pending",
}

_CAMEL = {
    "merchant_id": "merchantId",
    "order_no": "orderNo",
    "order_amount": "orderAmount",
    "paid_amount": "paidAmount",
    "balance_amount": "balanceAmount",
    "refund_amount": "refundAmount",
    "merchant_refund_no": "merchantRefundNo",
    "pay_time": "payTime",
}
_AMOUNT_FIELDS = frozenset(
    {"order_amount", "paid_amount", "balance_amount", "refund_amount", "fee"}
    | {"orderAmount", "paidAmount", "balanceAmount", "refundAmount"}
)


def default_reason(order_type: int, status: int) -> str:
    """The default reason for a status callback (`success`, `refunding`, `order timeout`...)."""
    return _DEFAULT_REASONS.get((order_type, status), "")


@dataclass(frozen=True)
class CallbackFacts:
    """What one order's callbacks report, whatever status is being told.

    `paid_amount`/`fee`/`pay_time` are used on paid statuses; `refund_amount` (cumulative, failed
    refunds excluded) and `refund_nos` (every refund number of the order, oldest first) on
    refund statuses. `camel` is true for orders created through v3 or v2.
    """

    order_type: int  # 0 pay-in, 1 payout
    merchant_id: int
    order_no: str  # the merchant's order no
    order_amount: Decimal
    paid_amount: Decimal = Decimal("0.00")
    fee: Decimal = Decimal("0.00")
    pay_time: datetime | None = None
    refund_amount: Decimal = Decimal("0.00")
    refund_nos: tuple[str, ...] = ()
    camel: bool = False


def render_amount(amount: Decimal, amount_format: AmountFormat = "fixed2") -> JsonNumber:
    """A callback amount as the JSON number token sent: `20.00`, or `20` when trimmed."""
    fixed = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{fixed:f}"
    if amount_format == "trimmed":
        text = normalise_number_text(text) or text
    return JsonNumber(text)


def pay_time_text(moment: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS` in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def callback_payload(
    facts: CallbackFacts,
    status: int,
    reason: str | None = None,
    amount_format: AmountFormat = "fixed2",
) -> dict[str, Any]:
    """The unsigned body for `status`: fixed key order, fields by status, casing by API version."""

    def amount(value: Decimal) -> JsonNumber:
        return render_amount(value, amount_format)

    paid = status in (PAYIN_PAID if facts.order_type == PAYIN else PAYOUT_PAID)
    refunds = facts.order_type == PAYIN and status in REFUND_STATUSES
    fields: dict[str, Any] = {
        "type": facts.order_type,
        "merchant_id": facts.merchant_id,
        "order_no": facts.order_no,
        "order_amount": amount(facts.order_amount),
    }
    if paid:
        fields["paid_amount"] = amount(facts.paid_amount)
        fields["balance_amount"] = amount(facts.paid_amount - facts.fee)
    if refunds:
        fields["refund_amount"] = amount(facts.refund_amount)
    if paid:
        fields["fee"] = amount(facts.fee)
    if refunds:
        fields["merchant_refund_no"] = list(facts.refund_nos)
    if paid and facts.pay_time is not None:
        fields["pay_time"] = pay_time_text(facts.pay_time)
    fields["status"] = status
    fields["reason"] = default_reason(facts.order_type, status) if reason is None else reason
    if facts.camel:
        fields = {_CAMEL.get(key, key): value for key, value in fields.items()}
    return fields


def render_callback(
    fields: Mapping[str, Any],
    secret: str,
    signature: SignatureMode = "valid",
    tamper: Mapping[str, TamperValue] | None = None,
) -> bytes:
    """Sign `fields` over exactly the text sent, then apply the scenario's `tamper` (after
    signing, so the signature no longer matches). Compact JSON, non-ASCII unescaped."""
    body = dict(fields)
    if signature == "valid":
        body["sign"] = trustpay_sign(body, secret)
    elif signature == "invalid":
        body["sign"] = INVALID_SIGN
    camel = "merchantId" in body
    for key, value in (tamper or {}).items():
        name = _CAMEL.get(key, key) if camel else key
        body[name] = _tamper_value(name, value)
    if "sign" in body:  # keep `sign` last even when a tamper added a field
        body["sign"] = body.pop("sign")
    return compact_json(body).encode()


def _tamper_value(name: str, value: TamperValue) -> Any:
    """A tamper value as the field's own JSON type: amounts as numbers, `status` an integer."""
    if isinstance(value, bool) or value is None:
        return value
    if name in _AMOUNT_FIELDS:
        try:
            return render_amount(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if name in ("status", "type") and str(value).lstrip("-").isdigit():
        return int(str(value))
    if isinstance(value, Decimal):
        return JsonNumber(str(value))
    return value


def event_name(order_type: int, status: int) -> str:
    """The delivery engine's event label: `payin.5`, `payin.refund.9`, `payout.2`."""
    if order_type == PAYOUT:
        return f"payout.{status}"
    if status in REFUND_STATUSES:
        return f"payin.refund.{status}"
    return f"payin.{status}"


def trustpay_ack() -> AckRule:
    """any HTTP 2xx acknowledges; the body is ignored."""
    return any_2xx()


@dataclass(frozen=True)
class CallbackOrder:
    """Where an order's callbacks go: its ids (for the admin API) and the merchant's settings."""

    merchant: str  # merchant id as text
    platform_id: str
    merchant_order_id: str
    notify_url: str | None
    secret: str
    amount_format: AmountFormat = "fixed2"


# Neutral statuses (a scenario's `callbacks.sequence`) → TrustPay status, per order type.
_SEQUENCE_STATUS: dict[int, dict[str, int]] = {
    PAYIN: {"success": 5, "failed": 3, "pending": 1, "expired": 4, "canceled": 3},
    PAYOUT: {"success": 2, "failed": 3, "pending": 1, "expired": 4, "canceled": 3},
}


def send_callbacks(
    sandbox: Sandbox,
    target: CallbackOrder,
    facts: CallbackFacts,
    status: int,
    reason: str | None = None,
    plan: Plan | None = None,
    *,
    reasons: Mapping[int, str] | None = None,
) -> list[str]:
    """Submit the callback(s) telling `status` through the delivery engine; returns message ids.

    The plan's `callbacks` block decides send/delay/copies/spacing/sequence/signature/tamper/
    redeliver_after and its `delivery` block the policy and ack; without a plan: one valid
    callback at once with the TrustPay policy. In a `sequence`, statuses other than `status`
    carry their default reason unless `reasons` names one. The message's `tag` is
    `<platform id>:<status>`, which the notify-status bookkeeping reads.
    """
    order_type = facts.order_type
    mapping = _SEQUENCE_STATUS[order_type]

    def render(
        status_text: str, signature: SignatureMode, tamper: Mapping[str, TamperValue]
    ) -> RenderedCallback:
        told = int(status_text)
        told_reason = reason if told == status else (reasons or {}).get(told)
        fields = callback_payload(facts, told, told_reason, target.amount_format)
        body = render_callback(fields, target.secret, signature, tamper)
        return RenderedCallback(body, HEADERS, event_name(order_type, told))

    def sequence_status(neutral: str) -> str | None:
        told = mapping.get(neutral)
        if told is None:
            return None
        if neutral == "success" and order_type == PAYIN and status == 6:
            told = 6
        return str(told)

    return submit_callbacks(
        sandbox.delivery,
        plan,
        CallbackTarget(
            gateway=GATEWAY,
            merchant=target.merchant,
            order_id=target.platform_id,
            merchant_order_id=target.merchant_order_id,
            url=target.notify_url,
            tag=f"{target.platform_id}:{status}",
        ),
        str(status),
        render,
        ack=ack_rule(plan, trustpay_ack()),
        policy=delivery_policy(plan, POLICY),
        sequence_status=sequence_status,
    )


# -- from a stored order --------------------------------------------------------------------
#
# TrustPay orders in the shared `orders` table (kinds `payin`, `payout`, `refund`): `amount` is
# the order amount, `status` the TrustPay status as text, and `data` holds `api` ("v4", "v3",
# "v2"), `notify_url`, `paid_amount`, `fee`, `pay_time` (RFC 3339), `reason`. A refund is a
# `refund` order whose `parent_id` is the pay-in's platform id and whose `merchant_order_id` is
# the `merchant_refund_no`; its status is 1 pending, 2 succeeded, 3 failed.

REFUND_FAILED = "3"
NOTIFY_PENDING, NOTIFY_SENT, NOTIFY_FAILED = 1, 2, 3  #


def order_refunds(store: Store, payin: Order) -> list[Order]:
    """The pay-in's refunds, oldest first (any status)."""
    return child_orders(store, GATEWAY, payin.platform_id, "refund")


def refund_totals(store: Store, payin: Order) -> tuple[Decimal, tuple[str, ...]]:
    """(cumulative refund amount without failed refunds, every refund number oldest first)."""
    refunds = order_refunds(store, payin)
    total = sum((r.amount for r in refunds if r.status != REFUND_FAILED), Decimal("0.00"))
    return total, tuple(r.merchant_order_id for r in refunds)


def _decimal(value: Any, default: str = "0.00") -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(default)


def order_facts(store: Store, order: Order) -> CallbackFacts:
    """The callback facts of a stored pay-in or payout (refund totals from its refunds)."""
    data = order.data
    order_type = PAYOUT if order.kind == "payout" else PAYIN
    refund_amount, refund_nos = Decimal("0.00"), tuple[str, ...]()
    if order_type == PAYIN:
        refund_amount, refund_nos = refund_totals(store, order)
    pay_time = data.get("pay_time")
    return CallbackFacts(
        order_type=order_type,
        merchant_id=int(order.merchant),
        order_no=order.merchant_order_id,
        order_amount=order.amount,
        paid_amount=_decimal(data.get("paid_amount")),
        fee=_decimal(data.get("fee")),
        pay_time=None if not pay_time else parse_instant(pay_time),
        refund_amount=refund_amount,
        refund_nos=refund_nos,
        camel=data.get("api", "v4") != "v4",
    )


def order_target(sandbox: Sandbox, order: Order) -> CallbackOrder:
    merchant = sandbox.merchants.find(GATEWAY, order.merchant)
    if merchant is None:  # pragma: no cover - stored orders belong to configured merchants
        raise LookupError(f"no TrustPay merchant {order.merchant}")
    return CallbackOrder(
        merchant=order.merchant,
        platform_id=order.platform_id,
        merchant_order_id=order.merchant_order_id,
        notify_url=order.data.get("notify_url"),
        secret=merchant.secret,
        amount_format=merchant.callback_amount_format,
    )


def notify_order(
    sandbox: Sandbox,
    order: Order,
    status: int | None = None,
    reason: str | None = None,
    plan: Plan | None = None,
) -> list[str]:
    """Send the callback telling a stored pay-in's or payout's `status` (default: its current
    status) as it stands now; `reason` None = the default reason for that status. Sets the
    order's `notify_status` back to 1 (pending) when a message was submitted (saves the order)."""
    told = int(order.status) if status is None else status
    ids = send_callbacks(
        sandbox, order_target(sandbox, order), order_facts(sandbox.store, order), told, reason, plan
    )
    if ids and order.data.get("notify_status") != NOTIFY_PENDING:
        # each new callback message sets the order's notify_status back to 1.
        order.data["notify_status"] = NOTIFY_PENDING
        save_order(sandbox.store, order)
    return ids


# -- card issuing callbacks ---------------------
#
# Card orders (`card_order`) and cardholders (`cardholder`) are stored as `cards.py` describes;
# their callbacks have their own keys, are signed and sent like the others, and carry no tag
# (card orders have no `notify_status`).

# Neutral statuses (a scenario's `callbacks.sequence`) → card-order status / KYC status.
_CARD_ORDER_STATUS = {
    "success": "4",
    "failed": "3",
    "expired": "3",
    "canceled": "3",
    "pending": "1",
}
_KYC_STATUS = {
    "success": "APPROVED",
    "failed": "REJECTED",
    "expired": "REJECTED",
    "canceled": "REJECTED",
}


def card_order_payload(order: Order, status: str, amount_format: AmountFormat) -> dict[str, Any]:
    """A card order callback's keys in order: order_no, status, card_id, amount, fee, balance,
    type, reason.

    `card_id` on 4, and on 3 for `CARD_CHARGE` only; `fee` and `balance` (`amount - fee`) on 4."""
    data = order.data
    charge_type = str(data["charge_type"])
    payload: dict[str, Any] = {"order_no": order.merchant_order_id, "status": int(status)}
    card_id = data.get("card_id")
    if card_id is not None and (status == "4" or charge_type != "OPEN_CARD"):
        payload["card_id"] = int(card_id) if str(card_id).isdigit() else card_id
    payload["amount"] = render_amount(order.amount, amount_format)
    if status == "4":
        fee = Decimal(str(data["fee"]))
        payload["fee"] = render_amount(fee, amount_format)
        payload["balance"] = render_amount(order.amount - fee, amount_format)
    payload["type"] = charge_type
    payload["reason"] = "" if status == "4" else str(data.get("reason") or "")
    return payload


def render_card_order(
    order: Order,
    merchant: TrustPayMerchant,
    status: str,
    signature: SignatureMode,
    tamper: Mapping[str, TamperValue],
) -> RenderedCallback:
    fields = card_order_payload(order, status, merchant.callback_amount_format)
    body = render_callback(fields, merchant.secret, signature, tamper)
    return RenderedCallback(body, HEADERS, f"{str(order.data['charge_type']).lower()}.{status}")


def kyc_payload(holder: Order, status: str) -> dict[str, Any]:
    """A KYC (cardholder) callback's keys in order: cardholder_id, cardholder_status, reason."""
    reason = str(holder.data.get("reason") or "") if status == "REJECTED" else ""
    return {"cardholder_id": holder.platform_id, "cardholder_status": status, "reason": reason}


def render_kyc(
    holder: Order,
    merchant: TrustPayMerchant,
    status: str,
    signature: SignatureMode,
    tamper: Mapping[str, TamperValue],
) -> RenderedCallback:
    body = render_callback(kyc_payload(holder, status), merchant.secret, signature, tamper)
    return RenderedCallback(body, HEADERS, f"kyc.{status.lower()}")


def send_card_order_callback(
    sandbox: Sandbox, merchant: TrustPayMerchant, order: Order, plan: Plan | None
) -> list[str]:
    """The card-order callback for the order's current status, to its `notify_url`."""

    def render(
        status: str, signature: SignatureMode, tamper: Mapping[str, TamperValue]
    ) -> RenderedCallback:
        return render_card_order(order, merchant, status, signature, tamper)

    return _submit_card_callback(sandbox, order, plan, render, _CARD_ORDER_STATUS.get)


def send_kyc_callback(
    sandbox: Sandbox, merchant: TrustPayMerchant, holder: Order, plan: Plan | None
) -> list[str]:
    """The KYC callback for the cardholder's current status (none without a `notify_url`)."""
    if not holder.data.get("notify_url"):
        return []

    def render(
        status: str, signature: SignatureMode, tamper: Mapping[str, TamperValue]
    ) -> RenderedCallback:
        return render_kyc(holder, merchant, status, signature, tamper)

    return _submit_card_callback(sandbox, holder, plan, render, _KYC_STATUS.get)


def _submit_card_callback(
    sandbox: Sandbox,
    order: Order,
    plan: Plan | None,
    render: CallbackRenderer,
    sequence_status: Callable[[str], str | None],
) -> list[str]:
    target = CallbackTarget(
        gateway=GATEWAY,
        merchant=order.merchant,
        order_id=order.platform_id,
        merchant_order_id=order.merchant_order_id,
        url=order.data.get("notify_url"),
    )
    return submit_callbacks(
        sandbox.delivery,
        plan,
        target,
        order.status,
        render,
        ack=ack_rule(plan, trustpay_ack()),
        policy=delivery_policy(plan, POLICY),
        sequence_status=sequence_status,
    )
