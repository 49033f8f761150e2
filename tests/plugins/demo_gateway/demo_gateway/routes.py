"""The DemoPay endpoint table: every route at its real path (the plug adds `/demogw/…`)."""

from __future__ import annotations

from starlette.routing import Route

from demo_gateway import payments
from demo_gateway.pipeline import demo_endpoint

ROUTES = [
    Route("/demo/v1/payments", demo_endpoint("payment.create", payments.create), methods=["POST"]),
    Route(
        "/demo/v1/payments/{order_no}",
        demo_endpoint("payment.query", payments.query),
        methods=["GET"],
    ),
]
