"""The trustpay endpoint table: what `create_app` serves for this gateway (see `registry`)."""

from __future__ import annotations

from sandbox.gateways.registry import GatewayApp
from sandbox.gateways.trustpay import (
    admin,
    balances,
    cards_admin,
    fees,
    pages,
    payins,
    payouts,
    pcards,
    queries,
    refunds,
    vcards,
)
from sandbox.gateways.trustpay.conformance import CONFORMANCE
from sandbox.gateways.trustpay.notify import start_notify_tracking

GATEWAY = GatewayApp(
    name="trustpay",
    routes=[
        *payins.ROUTES,
        *queries.ROUTES,
        *balances.ROUTES,
        *fees.ROUTES,
        *payouts.ROUTES,
        *refunds.ROUTES,
        *vcards.ROUTES,
        *pcards.ROUTES,
    ],
    pages=pages.PAGES,
    admin_routes=[*cards_admin.ADMIN_ROUTES],
    complete=admin.complete,
    trigger=admin.trigger,
    on_start=[start_notify_tracking],
    conformance=CONFORMANCE,
)
