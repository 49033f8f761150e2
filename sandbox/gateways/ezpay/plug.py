"""EzPay as the shared layer sees it: one `GatewayPlug`."""

from __future__ import annotations

from sandbox.gateways.ezpay import account, admin, pages
from sandbox.gateways.ezpay.callbacks import ACK, POLICY
from sandbox.gateways.ezpay.codes import FAULTS
from sandbox.gateways.ezpay.conformance import CONFORMANCE
from sandbox.gateways.ezpay.merchant import EZPAY_MERCHANTS
from sandbox.gateways.ezpay.operations import VOCABULARY
from sandbox.gateways.ezpay.routes import ROUTES
from sandbox.gateways.plug import GatewayPlug

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
    conformance=CONFORMANCE,
)
