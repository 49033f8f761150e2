"""TrustPay as the shared layer sees it: one `GatewayPlug`."""

from __future__ import annotations

from sandbox.gateways.plug import GatewayPlug, TriggerMenu
from sandbox.gateways.trustpay import (
    admin,
    cardorders,
    cards_admin,
    lifecycle,
    pages,
    payouts,
    pcards,
    refunds,
)
from sandbox.gateways.trustpay.callbacks import POLICY, trustpay_ack
from sandbox.gateways.trustpay.codes import FAULTS
from sandbox.gateways.trustpay.conformance import CONFORMANCE
from sandbox.gateways.trustpay.merchant import TRUSTPAY_MERCHANTS
from sandbox.gateways.trustpay.notify import start_notify_tracking
from sandbox.gateways.trustpay.operations import VOCABULARY
from sandbox.gateways.trustpay.routes import ROUTES

# What `sandbox trigger` offers (the `trigger` hook accepts every pair).
TRIGGER_MENU = TriggerMenu(
    kinds={
        "payin": ("pending", "success", "failed", "expired", "canceled"),
        "payout": ("pending", "success", "failed", "expired", "canceled"),
        "refund": ("pending", "success"),
    },
    extras="order_no, api_version (v4|v3), reason; amount in major units (25.00)",
)

PLUG = GatewayPlug(
    name="trustpay",
    routes=ROUTES,
    faults=FAULTS,
    vocabulary=VOCABULARY,
    merchants=TRUSTPAY_MERCHANTS,
    policies={POLICY.name: POLICY},
    ack=trustpay_ack(),
    pages=pages.PAGES,
    admin_routes=[*cards_admin.ADMIN_ROUTES],
    complete=admin.complete,
    trigger=admin.trigger,
    trigger_menu=TRIGGER_MENU,
    on_start=[start_notify_tracking],
    conformance=CONFORMANCE,
    timer_actions={
        **lifecycle.TIMER_ACTIONS,
        **payouts.TIMER_ACTIONS,
        **refunds.TIMER_ACTIONS,
        **cardorders.TIMER_ACTIONS,
        **pcards.TIMER_ACTIONS,
    },
)
