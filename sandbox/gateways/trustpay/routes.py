"""The trustpay endpoint table: what `create_app` serves for this gateway (see `registry`)."""

from __future__ import annotations

from sandbox.gateways.registry import GatewayApp
from sandbox.gateways.trustpay import cards_admin, pcards, vcards

GATEWAY = GatewayApp(
    name="trustpay",
    routes=[*vcards.ROUTES, *pcards.ROUTES],
    admin_routes=[*cards_admin.ADMIN_ROUTES],
    complete=cards_admin.complete_card_order,
)
