"""TrustPay card admin helpers (see docs/gateways/trustpay.md, Card issuing): spend on a card,
change its status, and the card-order / cardholder branch of
`POST /_sandbox/orders/{id}/complete`.

    POST /_sandbox/cards/{card_id}/spend   {"amount", "currency"?, "merchant_name"?, "decline"?,
                                            "settle"?}
    PUT  /_sandbox/cards/{card_id}         {"status": "ACTIVE" | "FROZEN" | "CANCELLED"}

`{card_id}` is a virtual card's integer id or a physical card's UUID.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.admin.errors import reject_unknown_fields
from sandbox.gateways.orders import Order, get_order, save_order
from sandbox.gateways.plug import AdminError, default_describe
from sandbox.gateways.trustpay import cardorders, cards, pcards, vcards
from sandbox.gateways.trustpay.admin import register_completer
from sandbox.gateways.trustpay.pipeline import GATEWAY
from sandbox.runtime import Sandbox
from sandbox.signing.values import JsonNumber, compact_json, parse_request_json

_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
OUTCOMES = ("success", "failed", "expired", "canceled")


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object body, numbers kept exact."""
    raw = await request.body()
    try:
        body = parse_request_json(raw) if raw.strip() else {}
    except ValueError as exc:
        raise AdminError(400, "bad_request", f"body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise AdminError(400, "bad_request", "body must be a JSON object")
    return body


def _json(value: Any, status: int = 200) -> Response:
    """Admin answers keep the gateway's exact amounts (`19.00`)."""
    return Response(compact_json(value).encode(), status, media_type="application/json")


def _card(request: Request) -> Order:
    card_id = request.path_params["card_id"]
    card = cards.card_by_id(_sandbox(request).store, card_id)
    if card is None:
        raise AdminError(404, "not_found", f"no card {card_id!r}")
    return card


def card_view(card: Order) -> dict[str, Any]:
    if card.kind == cards.VCARD:
        return vcards.card_detail(card, full=True)
    return pcards.pcard_item(card)


def _flag(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise AdminError(400, "bad_request", f"{name}: must be true or false")
    return value


def _spend_amount(body: dict[str, Any]) -> Decimal:
    value = body.get("amount")
    if value is None:
        raise AdminError(400, "bad_request", "amount: required")
    if not isinstance(value, str) or _AMOUNT.fullmatch(value) is None:
        raise AdminError(400, "bad_request", "amount: a positive amount with at most 2 decimals")
    amount = Decimal(value)
    if amount <= 0:
        raise AdminError(400, "bad_request", "amount: must be greater than 0")
    return amount


def _text(body: dict[str, Any], name: str, default: str, limit: int) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or isinstance(value, JsonNumber) or len(value) > limit:
        raise AdminError(400, "bad_request", f"{name}: a string of at most {limit} characters")
    return value


async def spend(request: Request) -> Response:
    """An `AUTHORIZATION` (approved or declined) and, when approved and `settle`, a `SETTLEMENT`."""
    sandbox = _sandbox(request)
    card = _card(request)
    body = await _body(request)
    reject_unknown_fields(body, {"amount", "currency", "merchant_name", "decline", "settle"})
    amount = _spend_amount(body)
    currency = _text(body, "currency", card.currency, 3)
    if currency != card.currency:
        raise AdminError(400, "bad_request", f"currency: the card's currency is {card.currency}")
    merchant_name = _text(body, "merchant_name", "", 128)
    decline = _flag(body, "decline", False)
    settle = _flag(body, "settle", True)
    approved = not decline and card.status == cards.ACTIVE and amount <= card.amount
    kind = cards.VCARD_TXN if card.kind == cards.VCARD else cards.PCARD_TXN
    created: list[Order] = []
    with sandbox.store.transaction():
        created.append(
            _transaction(
                sandbox,
                card,
                kind,
                "AUTHORIZATION",
                amount,
                merchant_name,
                "APPROVED" if approved else "DECLINED",
            )
        )
        if approved:
            card.amount -= amount
            card.updated_at = sandbox.clock.now()
            save_order(sandbox.store, card)
            if settle:
                created.append(
                    _transaction(
                        sandbox, card, kind, "SETTLEMENT", amount, merchant_name, "SETTLED"
                    )
                )
    if card.kind == cards.VCARD:
        items = [vcards.transaction_item(t) for t in created]
    else:
        items = [pcards.transaction_item(t, card) for t in created]
    return _json({"card": card_view(card), "transactions": items}, 201)


def _transaction(
    sandbox: Sandbox,
    card: Order,
    kind: str,
    txn_type: str,
    amount: Decimal,
    merchant_name: str,
    status: str,
) -> Order:
    data: dict[str, Any] = {"type": txn_type, "merchant_name": merchant_name}
    if card.kind == cards.PCARD:
        data["cardholder_id"] = card.parent_id
    return cards.new_object(
        sandbox,
        card.merchant,
        kind,
        cards.new_uuid(sandbox),
        amount=amount,
        currency=card.currency,
        status=status,
        data=data,
        parent_id=card.platform_id,
    )


async def set_status(request: Request) -> Response:
    sandbox = _sandbox(request)
    card = _card(request)
    body = await _body(request)
    reject_unknown_fields(body, {"status"})
    status = body.get("status")
    if status not in cards.CARD_STATUSES:
        raise AdminError(400, "bad_request", "status: one of ACTIVE, FROZEN, CANCELLED")
    if card.status == cards.CANCELLED:
        raise AdminError(409, "conflict", "the card is CANCELLED, which is final")
    card.status = str(status)
    card.updated_at = sandbox.clock.now()
    save_order(sandbox.store, card)
    return _json(card_view(card))


# -- the card branch of POST /_sandbox/orders/{id}/complete ------------------------------------


async def complete_card_order(
    sandbox: Sandbox, order: Order, body: dict[str, Any]
) -> dict[str, Any]:
    """Move a pending card order (1/2) or cardholder (`PENDING`) as `body["status"]` says."""
    status = body.get("status")
    if status not in OUTCOMES:
        raise AdminError(400, "bad_request", "status: one of " + ", ".join(OUTCOMES))
    unknown = set(body) - {"status", "paid_amount", "reason"}
    if unknown:
        raise AdminError(400, "bad_request", f"unknown field: {sorted(unknown)[0]}")
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise AdminError(400, "bad_request", "reason: must be a string")
    if order.kind == cards.CARD_ORDER:
        if not cardorders.finish(sandbox, order, str(status), reason or None):
            raise AdminError(409, "conflict", f"card order is {order.status}, not pending (1 or 2)")
    elif order.kind == cards.CARDHOLDER:
        if not pcards.finish_kyc(sandbox, order, str(status), reason or None):
            raise AdminError(409, "conflict", f"cardholder is {order.status}, not PENDING")
    else:
        raise AdminError(409, "not_supported", f"a {order.kind} cannot be completed")
    fresh = get_order(sandbox.store, GATEWAY, order.platform_id)
    assert fresh is not None
    return default_describe(fresh)


register_completer(cards.CARD_ORDER, complete_card_order)
register_completer(cards.CARDHOLDER, complete_card_order)

ADMIN_ROUTES = [
    Route("/cards/{card_id}/spend", spend, methods=["POST"]),
    Route("/cards/{card_id}", set_status, methods=["PUT"]),
]
