"""DemoPay as the shared layer sees it: the object the `sandbox.gateways` entry point names."""

from __future__ import annotations

from pathlib import Path

from demo_gateway.callbacks import ACK, POLICY
from demo_gateway.codes import FAULTS, GATEWAY
from demo_gateway.merchant import DEMO_MERCHANTS
from demo_gateway.operations import VOCABULARY
from demo_gateway.payments import TIMER_ACTIONS
from demo_gateway.routes import ROUTES
from sandbox.gateways.plug import GatewayPlug

PLUG = GatewayPlug(
    name=GATEWAY,
    routes=ROUTES,
    faults=FAULTS,
    vocabulary=VOCABULARY,
    merchants=DEMO_MERCHANTS,
    policies={POLICY.name: POLICY},
    ack=ACK,
    scenarios=Path(__file__).with_name("scenarios"),
    timer_actions=TIMER_ACTIONS,
)
