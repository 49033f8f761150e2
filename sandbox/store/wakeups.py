"""`LISTEN` on a connection of its own, in the event loop: wakes an idle replica when another one
stores work or changes shared state, so nobody has to poll hot.

The connection is separate from the store's (a listening connection must stay out of
transactions); it reconnects after a failure, and the replicas poll slowly anyway, so a lost
notice delays work by at most one poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import psycopg

log = logging.getLogger("sandbox.store")

RECONNECT_S = 1.0


async def listen(url: str, channels: Sequence[str], heard: Callable[[str], None]) -> None:
    """Call `heard(channel)` for every notice on `channels`; runs until cancelled."""
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
                for channel in channels:
                    await connection.execute(f"LISTEN {channel}")
                heard("")  # (re)connected: whatever was announced meanwhile is looked at now
                async for notice in connection.notifies():
                    heard(notice.channel)
        except psycopg.Error as exc:
            log.warning("listening for other replicas failed (%s); retrying", exc)
            await asyncio.sleep(RECONNECT_S)
