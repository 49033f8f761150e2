"""Write buffered rows once per event-loop tick, however many writes asked for it.

The dispatcher records attempts and the gateways append journal entries on the hot path; batching
them into one transaction at the end of the tick keeps SQLite commits off every request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class TickFlush:
    """`linger` > 0: wait that many seconds after the first request before flushing, so that
    under load many ticks share one commit (for rows whose readers flush first anyway)."""

    def __init__(self, flush: Callable[[], None], linger: float = 0.0) -> None:
        self._flush = flush
        self._scheduled = False
        self._linger = linger

    def request(self) -> None:
        """Flush at the end of this tick; outside an event loop (a script, a test), at once."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._flush()
            return
        if not self._scheduled:
            self._scheduled = True
            if self._linger > 0:
                loop.call_later(self._linger, self._run)
            else:
                loop.call_soon(self._run)

    def _run(self) -> None:
        self._scheduled = False
        self._flush()
