"""The trustpay endpoint table: what `create_app` serves for this gateway (see `registry`)."""

from __future__ import annotations

from sandbox.gateways.registry import GatewayApp
from sandbox.gateways.trustpay import balances, fees, payouts

GATEWAY = GatewayApp(
    name="trustpay",
    routes=[
        *balances.ROUTES,
        *fees.ROUTES,
        *payouts.ROUTES,
    ],
)
