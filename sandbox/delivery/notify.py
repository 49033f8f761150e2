"""Wake whoever waits for "something changed" (the callbacks/wait long-poll), without polling."""

from __future__ import annotations

import asyncio


class ChangeSignal:
    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def waiter(self) -> asyncio.Event:
        """An event set at the next change; take it *before* checking the condition."""
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def changed(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None
