"""The GoldenPay endpoint table: every route at its real path (the plug adds `/goldenpay/…`).

As on the real gateway, queries are `GET` on the create paths.
"""

from __future__ import annotations

from starlette.routing import Route

from sandbox.gateways.goldenpay import account, collect, payouts
from sandbox.gateways.goldenpay.pipeline import goldenpay_endpoint

ROUTES = [
    Route(
        "/api/v1/mch/pmt-orders",
        goldenpay_endpoint("collect.create", collect.create),
        methods=["POST"],
    ),
    Route(
        "/api/v1/mch/pmt-orders",
        goldenpay_endpoint("collect.query", collect.query),
        methods=["GET"],
    ),
    Route(
        "/api/v1/mch/wdl-orders",
        goldenpay_endpoint("payout.create", payouts.create),
        methods=["POST"],
    ),
    Route(
        "/api/v1/mch/wdl-orders",
        goldenpay_endpoint("payout.query", payouts.query),
        methods=["GET"],
    ),
    Route("/api/v1/mch/info", goldenpay_endpoint("info", account.info), methods=["GET"]),
    Route("/api/v1/mch/balance", goldenpay_endpoint("balance", account.balance), methods=["GET"]),
]
