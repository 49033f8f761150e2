"""The shop's web app: `POST /checkout/{gateway}`, `POST /notify/{gateway}`, `GET /orders/{id}`,
`POST /orders/{id}/reconcile`.

    uvicorn --factory shop.app:app_from_environment   # GATEWAY_URL=http://sandbox:8080

With a test order prefix (`SHOP_TEST_ORDER_PREFIX=chk-`, never in production) the shop takes
`sandbox check`'s invented orders: a verified notification for an order number with that prefix
creates the order on first sight (100.00), and `GET /test/orders/{order_no}` answers the
recorded state in the check's format.
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shop.gateways import Gateway, GatewayRefused, gateways
from shop.store import Order, Orders

TEST_ORDER_AMOUNT = Decimal("100.00")  # what `sandbox check` orders are for
# Our states as the check's state URL names them.
CHECK_STATUS = {
    "pending": "pending",
    "unknown": "pending",
    "paid": "paid",
    "underpaid": "partial",
    "failed": "failed",
}


def create_app(
    gateway_url: str,
    timeout: float = 5.0,
    public_url: str | None = None,
    test_order_prefix: str | None = None,
) -> Starlette:
    """The shop talking to the gateways at `gateway_url`; notify URLs are built from
    `public_url` (or the request's own base URL). `test_order_prefix`: see the module doc."""
    known = gateways(gateway_url, timeout)
    orders = Orders()

    def test_order(gateway: Gateway, order_id: str) -> None:
        if test_order_prefix and order_id.startswith(test_order_prefix):
            order = Order(order_id, gateway.name, TEST_ORDER_AMOUNT, gateway.currency)
            orders.add_once(order)

    def gateway_of(request: Request) -> Gateway | None:
        return known.get(request.path_params["gateway"])

    async def checkout(request: Request) -> Response:
        gateway = gateway_of(request)
        if gateway is None:
            return JSONResponse({"error": "unknown gateway"}, status_code=404)
        body = await request.json()
        try:
            amount = Decimal(str(body["amount"]))
        except (KeyError, InvalidOperation):
            return JSONResponse({"error": "amount: a decimal number"}, status_code=400)
        try:
            order = orders.add(Order(str(body["order_id"]), gateway.name, amount, gateway.currency))
        except KeyError:
            return JSONResponse({"error": "order_id: already used"}, status_code=409)
        base = (request.app.state.public_url or str(request.base_url)).rstrip("/")
        notify_url = f"{base}/notify/{gateway.name}"
        try:
            created = gateway.create(order.id, amount, notify_url)
        except httpx.TimeoutException:
            # The gateway may have created the order anyway: never pay twice, reconcile later.
            order.state = "unknown"
            return JSONResponse({"error": "gateway timeout", **order.to_json()}, status_code=504)
        except GatewayRefused as exc:
            order.state = "failed"
            return JSONResponse({"error": str(exc), **order.to_json()}, status_code=502)
        order.gateway_order_id, order.pay_url = created.gateway_order_id, created.pay_url
        return JSONResponse(order.to_json(), status_code=201)

    async def notify(request: Request) -> Response:
        gateway = gateway_of(request)
        if gateway is None:
            return Response("unknown gateway", status_code=404)
        body = await request.body()
        if not gateway.verify(body):
            return Response("bad signature", status_code=401)  # never trust a forged one
        notice = gateway.read(body)
        test_order(gateway, notice.order_id)
        order = orders.settle(notice.order_id, notice.status, notice.paid)
        if order is None:
            # Not in our database (yet): answer an error so the gateway retries later.
            return Response("unknown order", status_code=500)
        return Response(gateway.ack)

    async def show(request: Request) -> Response:
        order = orders.get(request.path_params["order_id"])
        if order is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse(order.to_json())

    async def test_state(request: Request) -> Response:
        """The recorded state of an order as `sandbox check --state-url` reads it."""
        order = orders.get(request.path_params["order_no"])
        if order is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        paid = order.paid_amount or Decimal(0)
        # The gateway's API units: EzPay counts centavos.
        amount = int(paid * 100) if order.gateway == "ezpay" else float(paid)
        state = CHECK_STATUS[order.state]
        return JSONResponse({"order_no": order.id, "status": state, "amount": amount})

    async def reconcile(request: Request) -> Response:
        order = orders.get(request.path_params["order_id"])
        if order is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        gateway_state = known[order.gateway].query(order.id)
        if order.state == "unknown":
            order.state = "pending"
        return JSONResponse({**order.to_json(), "gateway_state": gateway_state})

    routes = [
        Route("/checkout/{gateway}", checkout, methods=["POST"]),
        Route("/notify/{gateway}", notify, methods=["POST"]),
        Route("/orders/{order_id}", show, methods=["GET"]),
        Route("/orders/{order_id}/reconcile", reconcile, methods=["POST"]),
        Route("/health", lambda request: JSONResponse({"status": "ok"}), methods=["GET"]),
    ]
    if test_order_prefix:
        routes.append(Route("/test/orders/{order_no}", test_state, methods=["GET"]))
    app = Starlette(routes=routes)
    app.state.orders = orders
    app.state.public_url = public_url
    return app


def app_from_environment() -> Starlette:
    """The app as the docker-compose example runs it (`GATEWAY_URL`, `SHOP_PUBLIC_URL`; for
    `sandbox check` only, `SHOP_TEST_ORDER_PREFIX`)."""
    return create_app(
        os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080"),
        public_url=os.environ.get("SHOP_PUBLIC_URL") or None,
        test_order_prefix=os.environ.get("SHOP_TEST_ORDER_PREFIX") or None,
    )
