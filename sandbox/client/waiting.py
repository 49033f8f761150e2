"""`wait_callbacks` as a plan both clients follow: the server waits at most 60 s per request, so
a longer wait is several requests; a 408 after the deadline becomes `CallbackTimeout`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from sandbox.client import calls
from sandbox.client.errors import CallbackTimeout


class WaitPlan:
    """One `wait_callbacks` call: the requests to make until enough match or time is up."""

    def __init__(self, count: int, timeout: float, filters: Mapping[str, object]) -> None:
        if count < 1:
            raise ValueError("count: at least 1")
        if timeout < 0:
            raise ValueError("timeout: 0 or more seconds")
        self.count = count
        self.filters = dict(filters)
        self.deadline = time.monotonic() + timeout

    def next_call(self) -> calls.Call:
        """The next `callbacks/wait` request, waiting at most what is left (and 60 s)."""
        remaining = max(0.0, self.deadline - time.monotonic())
        return calls.wait(self.count, min(remaining, calls.MAX_SERVER_WAIT_S), self.filters)

    def outcome(self, response: httpx.Response) -> list[dict[str, Any]] | None:
        """The callbacks when enough matched; None to ask again; raises when time is up."""
        if response.status_code != 408:
            items: list[dict[str, Any]] = calls.answer(response)["items"]
            return items
        if time.monotonic() < self.deadline:
            return None
        body = response.json()
        raise CallbackTimeout(str(body["error"]["message"]), self.count, list(body["items"]))
