"""The goldenpay endpoint table: what `create_app` serves for this gateway (see `registry`).

As on the real gateway, queries are `GET` on the create paths. Every route is also served
under `/goldenpay/`.
"""

from __future__ import annotations

from starlette.routing import Route

from sandbox.gateways.goldenpay import account, admin, collect, payouts
from sandbox.gateways.goldenpay.common import forget_sequences
from sandbox.gateways.goldenpay.conformance import CONFORMANCE
from sandbox.gateways.goldenpay.pages import pages
from sandbox.gateways.goldenpay.pipeline import goldenpay_endpoint
from sandbox.gateways.registry import GatewayApp
from sandbox.runtime import Sandbox

routes = [
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


def _forget_sequences_on_reset(sandbox: Sandbox) -> None:
    sandbox.reset_hooks.append(lambda scope: forget_sequences(sandbox))


GATEWAY = GatewayApp(
    name="goldenpay",
    routes=routes,
    pages=pages,
    complete=admin.complete,
    trigger=admin.trigger,
    on_start=[_forget_sequences_on_reset],
    conformance=CONFORMANCE,
)
