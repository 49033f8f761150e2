"""GoldenPay as the shared layer sees it: one `GatewayPlug`."""

from __future__ import annotations

from sandbox.gateways.goldenpay import admin, lifecycle, revisions
from sandbox.gateways.goldenpay.callbacks import ACK
from sandbox.gateways.goldenpay.codes import FAULTS
from sandbox.gateways.goldenpay.common import forget_sequences
from sandbox.gateways.goldenpay.conformance import CONFORMANCE
from sandbox.gateways.goldenpay.merchant import GOLDENPAY_MERCHANTS
from sandbox.gateways.goldenpay.operations import VOCABULARY
from sandbox.gateways.goldenpay.pages import pages
from sandbox.gateways.goldenpay.routes import ROUTES
from sandbox.gateways.plug import GatewayPlug, TriggerMenu
from sandbox.runtime import Sandbox


def _forget_sequences_on_reset(sandbox: Sandbox) -> None:
    sandbox.reset_hooks.append(lambda scope: forget_sequences(sandbox))


# What `sandbox trigger` offers (the `trigger` hook accepts every pair).
TRIGGER_MENU = TriggerMenu(
    kinds={
        "payin": ("pending", "success", "failed", "expired", "canceled"),
        "payout": ("pending", "success", "failed", "expired", "canceled"),
    },
    extras="order_no, channel (default mock), paid_amount; amount in major units",
    currency="PHP",
)

PLUG = GatewayPlug(
    name="goldenpay",
    routes=ROUTES,
    faults=FAULTS,
    vocabulary=VOCABULARY,
    merchants=GOLDENPAY_MERCHANTS,
    policies=revisions.POLICIES,
    ack=ACK,
    pages=pages,
    complete=admin.complete,
    trigger=admin.trigger,
    trigger_menu=TRIGGER_MENU,
    on_start=[_forget_sequences_on_reset],
    conformance=CONFORMANCE,
    timer_actions=lifecycle.TIMER_ACTIONS,
)
