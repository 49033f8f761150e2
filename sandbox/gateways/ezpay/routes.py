"""The EzPay endpoint table (spec §3): real paths, also served under `/ezpay/…` by the registry."""

from __future__ import annotations

from starlette.routing import Route

from sandbox.gateways.ezpay import payments
from sandbox.gateways.ezpay.pipeline import Handler, ezpay_endpoint
from sandbox.gateways.registry import GatewayApp


ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _route(path: str, operation: str, handler: Handler) -> Route:
    # Every method reaches the endpoint, which answers a non-POST with 405 and the 21002 envelope.
    return Route(path, ezpay_endpoint(operation, handler), methods=ALL_METHODS)


ROUTES = [
    _route("/open-api/{country}/payment/generate", "payment.create", payments.create),
    _route("/open-api/{country}/payment/query", "payment.query", payments.query),
]

GATEWAY = GatewayApp(name="ezpay", routes=ROUTES)
