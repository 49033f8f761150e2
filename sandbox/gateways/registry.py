"""What each gateway plugs into the shared app: its routes, pages, admin helpers and order hooks.

Each gateway's `routes.py` defines `GATEWAY = GatewayApp(...)`. The app serves `routes` at the
real paths and again under `/<name>/`, `pages` under `/_sandbox/pay/<name>/`, and `admin_routes`
under `/_sandbox/`. The admin API's `orders`, `orders/{id}/complete` and `trigger` call the hooks,
so the admin layer never knows a gateway's fields or statuses.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute

from sandbox.clock import format_instant
from sandbox.gateways.orders import Order

if TYPE_CHECKING:
    from sandbox.check.model import Conformance
    from sandbox.runtime import Sandbox

# `complete`: act as the payer (or the bank) on one order; body = the admin request's JSON.
CompleteHook = Callable[["Sandbox", Order, dict[str, Any]], Awaitable[dict[str, Any]]]
# `trigger`: create an order already in a state and send its callback; body = the admin JSON.
TriggerHook = Callable[["Sandbox", dict[str, Any]], Awaitable[dict[str, Any]]]


class HookError(ValueError):
    """A hook's refusal: the admin API answers `status` with `code` and the message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def default_describe(order: Order) -> dict[str, Any]:
    return {
        "gateway": order.gateway,
        "merchant": order.merchant,
        "kind": order.kind,
        "id": order.platform_id,
        "merchant_order_id": order.merchant_order_id or None,
        "parent_id": order.parent_id,
        "amount": str(order.amount),
        "currency": order.currency,
        "status": order.status,
        "created_at": format_instant(order.created_at),
        "updated_at": format_instant(order.updated_at),
        "scenario": order.plan,
        "data": order.data,
    }


@dataclass(frozen=True)
class GatewayApp:
    name: str
    routes: Sequence[BaseRoute] = ()
    pages: Sequence[BaseRoute] = ()
    admin_routes: Sequence[BaseRoute] = ()
    complete: CompleteHook | None = None
    trigger: TriggerHook | None = None
    # The admin view of an order; the default shows the shared columns and `data`.
    describe: Callable[[Order], dict[str, Any]] = default_describe
    # Called once the sandbox runs (outcome handlers, restored timers are already armed).
    on_start: Sequence[Callable[[Sandbox], None]] = field(default_factory=tuple)
    conformance: Conformance | None = None  # what `sandbox check` sends and expects


@functools.cache
def gateway_apps() -> tuple[GatewayApp, ...]:
    from sandbox.gateways.ezpay.routes import GATEWAY as EZPAY
    from sandbox.gateways.goldenpay.routes import GATEWAY as GOLDENPAY
    from sandbox.gateways.trustpay.routes import GATEWAY as TRUSTPAY

    return (TRUSTPAY, EZPAY, GOLDENPAY)


def gateway_app(name: str) -> GatewayApp | None:
    for gateway in gateway_apps():
        if gateway.name == name:
            return gateway
    return None
