"""`GatewayPlug`: everything the shared layer needs from one gateway, in one object.

Each gateway folder's `plug.py` defines `PLUG = GatewayPlug(...)`; `sandbox.gateways.installed`
lists the plugs (the built-in ones and any registered under the `sandbox.gateways` entry point).
The app serves `routes` at the real paths and again under `/<name>/`, `pages` under
`/_sandbox/pay/<name>/` and `admin_routes` under `/_sandbox/`. The admin API's `orders`,
`orders/{id}/complete` and `trigger` call the hooks, so the admin layer never knows a gateway's
fields or statuses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute

from sandbox.clock import format_instant
from sandbox.delivery import AckRule, RetryPolicy
from sandbox.gateways.envelopes import FaultEnvelopes
from sandbox.gateways.orders import Order
from sandbox.merchant_kinds import MerchantKind
from sandbox.scenarios.vocabulary import Vocabulary
from sandbox.timers import TimerAction

if TYPE_CHECKING:
    from sandbox.check.model import Conformance
    from sandbox.runtime import Sandbox


class AdminError(Exception):
    """An admin request refused: answered with `status` and `{"error": {code, message}}`.

    Gateway hooks raise it too (it lives here so gateways need not import `sandbox.admin`).
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# `complete`: act as the payer (or the bank) on one order; body = the admin request's JSON.
CompleteHook = Callable[["Sandbox", Order, dict[str, Any]], Awaitable[dict[str, Any]]]
# `trigger`: create an order already in a state and send its callback; body = the admin JSON.
TriggerHook = Callable[["Sandbox", dict[str, Any]], Awaitable[dict[str, Any]]]


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
class TriggerMenu:
    """What `sandbox trigger` offers for a gateway whose plug has a `trigger` hook."""

    kinds: Mapping[str, tuple[str, ...]]  # order kind → the statuses it can be created in
    extras: str  # the gateway's own `--set` fields, for `sandbox trigger --list`
    currency: str | None = None  # sent when none is given (None: the gateway's own default)
    minor_units: bool = False  # `--amount` is a whole number of minor units


@dataclass(frozen=True)
class GatewayPlug:
    name: str
    routes: Sequence[BaseRoute]
    # Path prefixes it owns (its real ones and `/<name>/`) and what it answers there for an
    # unknown path, a wrong method or a body too large.
    faults: FaultEnvelopes
    vocabulary: Vocabulary  # operations, outcome statuses, error codes: what scenarios may say
    merchants: MerchantKind  # its merchant settings and the demo merchant
    # Named retry policies a scenario's `delivery.profile` may pick; the one named `name` is
    # the gateway's default.
    policies: Mapping[str, RetryPolicy]
    ack: AckRule  # what the merchant answers to acknowledge a callback
    pages: Sequence[BaseRoute] = ()  # hosted pages, under /_sandbox/pay/<name>/
    admin_routes: Sequence[BaseRoute] = ()
    complete: CompleteHook | None = None
    trigger: TriggerHook | None = None
    trigger_menu: TriggerMenu | None = None
    # The admin view of an order; the default shows the shared columns and `data`.
    describe: Callable[[Order], dict[str, Any]] = default_describe
    # Called once the sandbox runs (outcome handlers, restored timers are already armed).
    on_start: Sequence[Callable[[Sandbox], None]] = field(default_factory=tuple)
    conformance: Conformance | None = None  # what `sandbox check` sends and expects
    # A folder of scenario files it ships (the built-in ones live in the packaged library).
    scenarios: Path | None = None
    # The timed transitions it schedules, by action name (`"<name>.<what>"`, stored with each
    # timer): a sandbox runs those of the gateways it serves.
    timer_actions: Mapping[str, TimerAction] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for part, gateway in (
            ("faults", self.faults.gateway),
            ("vocabulary", self.vocabulary.gateway),
            ("merchants", self.merchants.gateway),
        ):
            if gateway != self.name:
                raise ValueError(f"plug {self.name!r}: its {part} name gateway {gateway!r}")
        if self.name not in self.policies:
            raise ValueError(f"plug {self.name!r}: no default delivery policy named {self.name!r}")
        for action in self.timer_actions:
            if not action.startswith(f"{self.name}."):
                raise ValueError(f"plug {self.name!r}: timer action {action!r} is not its own")

    @property
    def title(self) -> str:
        return self.vocabulary.title

    @property
    def policy(self) -> RetryPolicy:
        """The default retry policy of its callbacks."""
        return self.policies[self.name]

    @property
    def real_prefixes(self) -> tuple[str, ...]:
        """The path prefixes of its real API (without the `/<name>/` copy)."""
        return tuple(p for p in self.faults.prefixes if p != f"/{self.name}/")


def find_gateway(plugs: Sequence[GatewayPlug], name: object) -> GatewayPlug | None:
    """The plug named `name` among `plugs` (the served ones), or None."""
    for plug in plugs:
        if plug.name == name:
            return plug
    return None
