"""The running sandbox: settings plus the clock, the store and the merchants, shared by every part.

`Sandbox` is what request handlers reach through `request.app.state.sandbox`. It owns start-up
(open the store, restore the clock, seed balances), the background tasks, and reset.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sandbox.clock import Clock, ClockMode, format_instant, parse_instant
from sandbox.delivery import DeliveryEngine
from sandbox.events import EventHub
from sandbox.merchants import MerchantBook
from sandbox.replicas import Replicas
from sandbox.scenarios.service import ScenarioError, Scenarios, SelectionError, open_scenarios
from sandbox.scenarios.vocabulary import Vocabularies
from sandbox.settings import Settings, SettingsError
from sandbox.store import Store, open_store
from sandbox.store.balances import seed_opening_balances
from sandbox.store.journal import Journal
from sandbox.store.merchants import register_merchants
from sandbox.store.migrations import MERCHANT_TABLES
from sandbox.store.orders import Order
from sandbox.store.sequences import forget_counters, increment
from sandbox.timers import Timers
from sandbox.yamlsource import YamlError

if TYPE_CHECKING:
    from sandbox.gateways.plug import GatewayPlug

log = logging.getLogger("sandbox")

T = TypeVar("T")

CLOCK_META_KEY = "clock.now"
CLOCK_SAVE_INTERVAL_S = 5.0
SEED_STARTS_META_KEY = "seed.starts"


@dataclass(frozen=True)
class ResetScope:
    """What `POST /_sandbox/reset` empties: everything, or one merchant of one gateway."""

    gateway: str | None = None
    merchant: str | None = None
    clock: bool = False


@dataclass
class Sandbox:
    settings: Settings
    clock: Clock
    store: Store
    merchants: MerchantBook
    rng: random.Random
    delivery: DeliveryEngine
    journal: Journal
    scenarios: Scenarios
    gateways: tuple[GatewayPlug, ...] = ()  # the served ones, as `create_app` was handed them
    reset_hooks: list[Callable[[ResetScope], None]] = field(default_factory=list)
    start_hooks: list[Callable[[Sandbox], None]] = field(default_factory=list)
    stop_hooks: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Gateways' runtime state that lives and dies with this sandbox (caches, clients); see `state`.
    gateway_state: dict[str, Any] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    timers: Timers = field(init=False)
    # Set when the store is shared by several processes (see `sandbox.replicas`).
    replicas: Replicas | None = None
    # What happens, for whoever listens (GET /_sandbox/events, the dashboard): requests, orders,
    # attempts.
    events: EventHub = field(default_factory=EventHub)

    def __post_init__(self) -> None:
        actions = {name: act for g in self.gateways for name, act in g.timer_actions.items()}
        self.timers = Timers(self.store, self.clock, context=self, actions=actions)
        self.delivery.events = self.events
        self.store.order_observer = self._order_changed

    def _order_changed(self, order: Order) -> None:
        if self.events.listening:
            self.events.publish("order", order.gateway, order.merchant, lambda: order_event(order))

    @property
    def running(self) -> bool:
        return bool(self.tasks) and all(not t.done() for t in self.tasks)

    async def start(self) -> None:
        """Start the background tasks (inside the server's event loop)."""
        self.tasks.append(asyncio.create_task(self.clock.run(), name="sandbox-clock"))
        await self.delivery.start()
        self.timers.restore()
        if self.replicas is not None:
            self.tasks += self.replicas.start()
        for hook in self.start_hooks:
            hook(self)
        if not self.store.is_memory:
            self.tasks.append(asyncio.create_task(self._save_clock_periodically()))

    def state(self, key: str, make: Callable[[], T]) -> T:
        """This sandbox's `key` state (e.g. "trustpay.risk_client"), made on first use."""
        if key not in self.gateway_state:
            self.gateway_state[key] = make()
        found: T = self.gateway_state[key]
        return found

    async def stop(self) -> None:
        for hook in self.stop_hooks:
            try:
                await hook()
            except Exception:  # one failing hook must not keep the rest from closing
                log.exception("stop hook failed")
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
        await self.delivery.stop()
        self.journal.flush()
        self.save_clock()
        self.store.close()

    def save_clock(self, _clock: Clock | None = None) -> None:
        self.store.set_meta(CLOCK_META_KEY, format_instant(self.clock.now()))

    def reset(self, scope: ResetScope) -> None:
        only = None
        if scope.gateway is not None and scope.merchant is not None:
            only = (scope.gateway, scope.merchant)
        with self.store.transaction():
            self.store.clear(MERCHANT_TABLES, only)
            if self.store.shared:  # each id counter restarts from what the rows left give
                forget_counters(self.store)
            seed_opening_balances(
                self.store, self.merchants, self.clock.now(), overwrite=True, only=only
            )
        if scope.clock:
            self.clock.reset_to(start_time(self.settings))
        for hook in self.reset_hooks:
            hook(scope)

    async def _save_clock_periodically(self) -> None:
        while True:
            await asyncio.sleep(CLOCK_SAVE_INTERVAL_S)
            self.save_clock()


def order_event(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.platform_id,
        "merchant_order_id": order.merchant_order_id,
        "kind": order.kind,
        "amount": str(order.amount),
        "currency": order.currency,
        "status": order.status,
        "updated_at": format_instant(order.updated_at),
    }


def start_time(settings: Settings) -> datetime:
    # The one place wall-clock time becomes sandbox time: the clock's first reading.
    return settings.clock_start or datetime.now(UTC)


def scenario_terms(gateways: Sequence[GatewayPlug]) -> Vocabularies:
    """What scenarios for `gateways` are checked against: their vocabularies and the delivery
    profiles they publish (a sandbox keeps its own as `scenarios.known`)."""
    return Vocabularies.of(
        (plug.vocabulary for plug in gateways),
        (policy for plug in gateways for policy in plug.policies.values()),
    )


def open_sandbox(settings: Settings, gateways: Sequence[GatewayPlug]) -> Sandbox:
    """Open the store, restore or start the clock, register the merchants of `gateways` (the
    served plugs) and their opening balances."""
    try:
        shipped = tuple(str(g.scenarios) for g in gateways if g.scenarios is not None)
        known = scenario_terms(gateways)
        scenarios = open_scenarios(known, (*shipped, *settings.scenarios), settings.scenario)
    except (ScenarioError, SelectionError) as exc:
        raise SettingsError(str(exc)) from None
    try:
        merchants = settings.merchant_config.book(gateway.merchants for gateway in gateways)
    except YamlError as exc:
        raise SettingsError(str(exc)) from None
    store = open_store(settings.db)
    saved = store.get_meta(CLOCK_META_KEY)
    start = parse_instant(saved) if saved else start_time(settings)
    mode: ClockMode = "manual" if settings.clock == "manual" else "real"
    clock = Clock(start=start, mode=mode, scale=settings.time_scale)
    sandbox = Sandbox(
        settings=settings,
        clock=clock,
        store=store,
        merchants=merchants,
        rng=_seeded_rng(settings.seed, store),
        delivery=DeliveryEngine(
            clock,
            store,
            concurrency=settings.delivery_concurrency,
            message_limit=settings.journal_limit,
            callback_url=settings.callback_url,
            callback_origin=settings.callback_origin,
            callback_allow=settings.callback_allow,
        ),
        journal=Journal(store, clock, settings.journal_limit),
        scenarios=scenarios,
        gateways=tuple(gateways),
    )
    sandbox.reset_hooks.append(sandbox.delivery.after_reset)
    sandbox.reset_hooks.append(sandbox.timers.after_reset)
    sandbox.reset_hooks.append(lambda _scope: sandbox.journal.recount())
    sandbox.reset_hooks.append(lambda scope: scenarios.after_reset(scope.gateway, scope.merchant))
    with store.transaction():
        _register_merchants(sandbox)
        seed_opening_balances(store, sandbox.merchants, clock.now(), overwrite=False)
        sandbox.save_clock()
    clock.on_change(sandbox.save_clock)
    if store.shared:
        sandbox.replicas = Replicas(sandbox, settings.db, settings.lease_seconds)
        sandbox.replicas.install()
    return sandbox


def _seeded_rng(seed: int | None, store: Store) -> random.Random:
    """The sandbox's random source. Same seed on a fresh database, same ids; a file database
    counts its starts, so a restart with the same seed continues instead of replaying the ids
    the store already holds. Replicas on one database count their starts in one statement, so
    two started at once with one seed draw distinct streams (never the same ids)."""
    if seed is None or store.is_memory:
        return random.Random(seed)
    if store.shared:  # replicas starting together: each takes a start number of its own
        starts = increment(store, SEED_STARTS_META_KEY, lambda: 1) - 1
    else:
        starts = int(store.get_meta(SEED_STARTS_META_KEY) or "0")
        store.set_meta(SEED_STARTS_META_KEY, str(starts + 1))
    return random.Random(seed if starts == 0 else f"{seed}:{starts}")


def _register_merchants(sandbox: Sandbox) -> None:
    register_merchants(
        sandbox.store,
        (
            (kind.gateway, kind.merchant_id(m), kind.describe(m))
            for kind, m in sandbox.merchants.all()
        ),
    )
