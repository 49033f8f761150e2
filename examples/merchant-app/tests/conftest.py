"""The shop under test, served on a free port next to the plugin's sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from shop.app import create_app
from shop.store import Orders

from sandbox.testing.plugin import SandboxServer
from sandbox.testing.server import serve_asgi

SHOP_TIMEOUT_S = 1.0  # how long the shop waits for a gateway's answer


@dataclass
class RunningShop:
    url: str  # as the sandbox reaches it
    http: httpx.Client
    orders: Orders

    def checkout(self, gateway: str, order_id: str, amount: str) -> httpx.Response:
        return self.http.post(f"/checkout/{gateway}", json={"order_id": order_id, "amount": amount})

    def order(self, order_id: str) -> dict[str, object]:
        found: dict[str, object] = self.http.get(f"/orders/{order_id}").json()
        return found


@pytest.fixture
def shop(sandbox_server: SandboxServer) -> Iterator[RunningShop]:
    app = create_app(sandbox_server.url, SHOP_TIMEOUT_S)
    # A sandbox in a container (--sandbox-url) reaches the shop by --sandbox-receiver-host.
    with serve_asgi(app, host=sandbox_server.receiver_bind) as url:
        app.state.public_url = sandbox_server.reachable(url)
        with httpx.Client(base_url=url, timeout=10) as http:
            yield RunningShop(app.state.public_url, http, app.state.orders)
