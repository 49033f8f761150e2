"""GET /_sandbox/orders, GET orders/{id}, POST orders/{id}/complete, POST trigger.

Shared by every gateway: listing and lookup read the orders table; `complete` and `trigger` hand
over to the gateway's hooks (its `GatewayPlug`). An `{id}` is a platform id or a merchant
order id; when it is ambiguous, `gateway` and `merchant` narrow it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.admin.errors import (
    AdminError,
    gateway_query,
    query_int,
    read_json_object,
    require_merchant,
)
from sandbox.gateways.orders import Order, OrderFilter, OrderMovedOn, get_order, list_orders
from sandbox.gateways.plug import GatewayPlug, default_describe, find_gateway
from sandbox.runtime import Sandbox


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def describe(sandbox: Sandbox, order: Order) -> dict[str, Any]:
    gateway = find_gateway(sandbox.gateways, order.gateway)
    # An order a gateway left in a file database, served now without it: the shared columns.
    return gateway.describe(order) if gateway is not None else default_describe(order)


async def list_all(request: Request) -> JSONResponse:
    sandbox = _sandbox(request)
    query = request.query_params
    page = query_int(request, "page", 1, 1, 1_000_000)
    size = query_int(request, "page_size", 50, 1, 500)
    where = OrderFilter(
        gateway=gateway_query(request),
        merchant=query.get("merchant") or None,
        order=query.get("order") or None,
        status=query.get("status") or None,
        kind=query.get("kind") or None,
    )
    orders, total = list_orders(sandbox.store, where, limit=size, offset=(page - 1) * size)
    return JSONResponse({"items": [describe(sandbox, o) for o in orders], "total": total})


def find_one(request: Request, order_id: str, scope: dict[str, Any]) -> Order:
    return find_named(_sandbox(request), order_id, scope)


def find_named(sandbox: Sandbox, order_id: str, scope: dict[str, Any]) -> Order:
    """The one order `order_id` names (platform or merchant id), narrowed by gateway/merchant."""
    gateway = scope.get("gateway")
    merchant = scope.get("merchant")
    if gateway is not None and find_gateway(sandbox.gateways, gateway) is None:
        raise AdminError(400, "bad_request", f"gateway: unknown gateway {gateway!r}")
    where = OrderFilter(
        gateway=gateway,
        merchant=None if merchant is None else str(merchant),
        order=order_id,
    )
    orders, total = list_orders(sandbox.store, where, limit=2)
    if total == 0:
        raise AdminError(404, "not_found", f"no order {order_id!r}")
    exact = [o for o in orders if o.platform_id == order_id]
    if total > 1 and len(exact) != 1:
        raise AdminError(
            409, "ambiguous", f"{total} orders match {order_id!r}: add gateway and merchant"
        )
    return exact[0] if exact else orders[0]


async def get_one(request: Request) -> JSONResponse:
    scope = {k: request.query_params.get(k) for k in ("gateway", "merchant")}
    order = find_one(request, request.path_params["order_id"], scope)
    return JSONResponse(describe(_sandbox(request), order))


async def complete(request: Request) -> JSONResponse:
    body = await read_json_object(request, required=False)
    order = find_one(request, request.path_params["order_id"], body)
    return JSONResponse(await complete_order(_sandbox(request), order, body))


async def complete_order(sandbox: Sandbox, order: Order, body: dict[str, Any]) -> dict[str, Any]:
    """Act as the payer: the gateway's `complete` hook with the body's options."""
    gateway = find_gateway(sandbox.gateways, order.gateway)
    if gateway is None or gateway.complete is None:
        raise AdminError(409, "not_supported", f"{order.gateway} orders cannot be completed here")
    hook_body = {k: v for k, v in body.items() if k not in ("gateway", "merchant")}
    try:
        result: dict[str, Any] = await gateway.complete(sandbox, order, hook_body)
    except OrderMovedOn:
        # Another request or replica moved the order after it was read here; nothing of this
        # one was kept. Asked again on the order as it stands, the gateway answers as it does
        # for an order no longer pending.
        fresh = get_order(sandbox.store, order.gateway, order.platform_id)
        if fresh is None:
            raise AdminError(404, "not_found", f"no order {order.platform_id!r}") from None
        result = await gateway.complete(sandbox, fresh, hook_body)
    return result


async def trigger(request: Request) -> JSONResponse:
    body = await read_json_object(request)
    return JSONResponse(await trigger_event(_sandbox(request), body), status_code=201)


async def trigger_event(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """Make an order happen the way the gateway would on its own (`gateway.trigger`)."""
    # `merchant_id` is accepted for `merchant`: some gateways (TrustPay's admin helpers) name it so.
    named = body.get("merchant", body.get("merchant_id"))
    merchant = require_merchant(sandbox.merchants, body.get("gateway"), named)
    gateway: GatewayPlug | None = find_gateway(sandbox.gateways, body["gateway"])
    if gateway is None or gateway.trigger is None:
        raise AdminError(409, "not_supported", f"{body['gateway']} has no trigger yet")
    result: dict[str, Any] = await gateway.trigger(sandbox, {**body, "merchant": merchant})
    return result


routes = [
    Route("/orders", list_all, methods=["GET"]),
    Route("/orders/{order_id}", get_one, methods=["GET"]),
    Route("/orders/{order_id}/complete", complete, methods=["POST"]),
    Route("/trigger", trigger, methods=["POST"]),
]
