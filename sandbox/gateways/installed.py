"""The one list of gateways: the built-in three plus every package's plug.

A package adds a gateway by registering its plug under the entry-point group `sandbox.gateways`
(`name = "package.module:PLUG"`). `installed_gateways()` lists them (loading the entry points
once); `select_gateways` picks the served subset (`--gateways`). `importlib.metadata` is
imported only when the entry points are looked up: `sandbox serve --gateways` naming built-in
gateways only never looks them up, so no plug package is imported. Nothing is registered anywhere:
`create_app` and `open_sandbox` are handed the selection, and everything that needs to know the
gateways (scenario checks, the merchant config, `delivery.profile`) is given what it needs from
that list.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from sandbox.gateways.ezpay.plug import PLUG as EZPAY
from sandbox.gateways.goldenpay.plug import PLUG as GOLDENPAY
from sandbox.gateways.plug import GatewayPlug
from sandbox.gateways.trustpay.plug import PLUG as TRUSTPAY

ENTRY_POINT_GROUP = "sandbox.gateways"
BUILTIN: tuple[GatewayPlug, ...] = (TRUSTPAY, EZPAY, GOLDENPAY)
BUILTIN_NAMES = frozenset(plug.name for plug in BUILTIN)


class GatewayListError(ValueError):
    """A plug that cannot be loaded, a name given twice, or an unknown name selected."""


@functools.cache
def installed_gateways() -> tuple[GatewayPlug, ...]:
    """The built-in plugs, then the entry points' in name order (loaded once per process)."""
    plugs = [*BUILTIN, *_entry_point_plugs()]
    seen: set[str] = set()
    for plug in plugs:
        if plug.name in seen:
            raise GatewayListError(f"two installed gateways are named {plug.name!r}")
        seen.add(plug.name)
    return tuple(plugs)


def select_gateways(plugs: Sequence[GatewayPlug], names: Iterable[str]) -> tuple[GatewayPlug, ...]:
    """The plugs `names` selects, in installed order; no names: all of them."""
    wanted = [name.strip() for name in names if name.strip()]
    if not wanted:
        return tuple(plugs)
    known = [plug.name for plug in plugs]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise GatewayListError(
            f"--gateways: unknown gateway {unknown[0]!r} (installed: {', '.join(known)})"
        )
    return tuple(plug for plug in plugs if plug.name in wanted)


def plug_scenario_paths(plugs: Sequence[GatewayPlug]) -> tuple[str, ...]:
    """The scenario folders `plugs` ship, for the library next to the packaged one."""
    return tuple(str(plug.scenarios) for plug in plugs if plug.scenarios is not None)


def only_builtin(names: Iterable[str]) -> bool:
    """Whether `names` selects some gateways, all of them built in (no entry point needed)."""
    wanted = [name.strip() for name in names if name.strip()]
    return bool(wanted) and all(name in BUILTIN_NAMES for name in wanted)


def _entry_point_plugs() -> list[GatewayPlug]:
    # Imported here: importlib.metadata brings email, zipfile and csv (a tenth of start-up).
    from importlib.metadata import entry_points

    found: list[GatewayPlug] = []
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            plug = entry.load()
        except Exception as exc:  # a broken plug package must say which one it is
            raise GatewayListError(f"gateway plug {entry.value!r}: {exc}") from exc
        if not isinstance(plug, GatewayPlug):
            raise GatewayListError(f"gateway plug {entry.value!r} is not a GatewayPlug")
        found.append(plug)
    return found
