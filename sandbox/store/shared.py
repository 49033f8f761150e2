"""State that replicas on one database share through it: the clock, the scenario selection and
uploaded scenarios (rows of `meta`), and the wake-up notices between replicas.

Every change bumps `shared.version`; a replica reads that one small row per request and reloads
the rest only when it moved, so a change made through one replica holds on all of them from the
next request on. `announce` tells the other replicas that something changed (PostgreSQL
`NOTIFY`, sent when the surrounding transaction commits); on SQLite there is no one to tell.
"""

from __future__ import annotations

import uuid

from sandbox.store.database import Store

VERSION_KEY = "shared.version"
CLOCK_KEY = "shared.clock"
SELECTION_KEY = "shared.scenario_selection"
UPLOADS_KEY = "shared.scenario_uploads"

WORK_CHANNEL = "sandbox_work"  # a message or timer was stored or became claimable
STATE_CHANNEL = "sandbox_state"  # the clock, scenarios or a reset changed
CHANGES_CHANNEL = "sandbox_changes"  # attempts were recorded (wakes callbacks/wait)
CHANNELS = (WORK_CHANNEL, STATE_CHANNEL, CHANGES_CHANNEL)


def shared_version(store: Store) -> str | None:
    return store.get_meta(VERSION_KEY)


def publish(store: Store, values: dict[str, str]) -> str:
    """Store shared values and move the version; returns the new version."""
    version = uuid.uuid4().hex
    with store.transaction():
        for key, value in values.items():
            store.set_meta(key, value)
        store.set_meta(VERSION_KEY, version)
        announce(store, STATE_CHANNEL)
    return version


def announce(store: Store, channel: str) -> None:
    if store.dialect == "postgresql":
        store.execute("SELECT pg_notify(?, '')", (channel,))
