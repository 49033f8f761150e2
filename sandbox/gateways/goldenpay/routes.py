"""The goldenpay endpoint table: what `create_app` serves for this gateway (see `registry`)."""

from __future__ import annotations

from sandbox.gateways.registry import GatewayApp

GATEWAY = GatewayApp(name="goldenpay")
