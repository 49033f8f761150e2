"""EzPay as the shared layer sees it: one `GatewayPlug`."""

from __future__ import annotations

from sandbox.gateways.ezpay import account, admin, lifecycle, pages
from sandbox.gateways.ezpay.callbacks import ACK, POLICY
from sandbox.gateways.ezpay.codes import FAULTS
from sandbox.gateways.ezpay.conformance import CONFORMANCE
from sandbox.gateways.ezpay.merchant import EZPAY_MERCHANTS
from sandbox.gateways.ezpay.operations import VOCABULARY
from sandbox.gateways.ezpay.routes import ROUTES
from sandbox.gateways.plug import GatewayPlug, TriggerMenu

# What `sandbox trigger` offers (the `trigger` hook accepts every pair).
TRIGGER_MENU = TriggerMenu(
    kinds={
        "payin": ("pending", "success", "failed", "expired"),
        "payout": ("pending", "success", "failed"),
        "refund": ("pending", "success", "failed", "canceled"),
    },
    extras="order_no, channel (channelCode / transferCode), original (refund); amount in "
    "minor units (2500 = PHP 25.00)",
    currency="PHP",
    minor_units=True,
)

PLUG = GatewayPlug(
    name="ezpay",
    routes=ROUTES,
    faults=FAULTS,
    vocabulary=VOCABULARY,
    merchants=EZPAY_MERCHANTS,
    policies={POLICY.name: POLICY},
    ack=ACK,
    pages=pages.PAGES,
    admin_routes=account.ROUTES,
    complete=admin.complete,
    trigger=admin.trigger,
    trigger_menu=TRIGGER_MENU,
    conformance=CONFORMANCE,
    timer_actions=lifecycle.TIMER_ACTIONS,
)
