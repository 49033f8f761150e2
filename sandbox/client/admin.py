"""`SandboxClient` and `AsyncSandboxClient`: the admin API (`/_sandbox/*`) of a running sandbox.

Both have the same methods; the async one's are coroutines. Every call is described once in
`sandbox.client.calls`; an error answer raises `SandboxError` with the API's code and message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx

from sandbox.client import calls
from sandbox.client.waiting import WaitPlan

DEFAULT_URL = "http://127.0.0.1:8080"
Item = dict[str, Any]


class SandboxClient:
    """The admin API of the sandbox at `url`, with `admin_token` when the server requires one."""

    def __init__(
        self, url: str = DEFAULT_URL, admin_token: str | None = None, *, timeout: float = 30
    ) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self.http = httpx.Client(base_url=self.url, timeout=timeout)

    def __enter__(self) -> SandboxClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def _send(self, call: calls.Call) -> httpx.Response:
        return self.http.request(
            call.method, call.path, **calls.request_args(call, self.admin_token)
        )

    def _run(self, call: calls.Call) -> Any:
        return calls.answer(self._send(call))

    def health(self) -> Item:
        """`GET /_sandbox/health`: `{"status": "ok", "version": ...}`."""
        result: Item = self._run(calls.get("health"))
        return result

    def ready(self) -> Item:
        """`GET /_sandbox/ready`: `{"ready": bool, "checks": {...}, ...}` (also when not ready)."""
        response = self._send(calls.get("ready"))
        if response.status_code == 503:
            not_ready: Item = response.json()
            return not_ready
        result: Item = calls.answer(response)
        return result

    def merchants(self, gateway: str | None = None) -> list[Item]:
        """Every merchant with its credentials, optionally of one gateway."""
        items: list[Item] = self._run(calls.get("merchants", gateway=gateway, page_size=500))[
            "items"
        ]
        return items

    def reset(
        self, gateway: str | None = None, merchant: str | None = None, clock: bool = False
    ) -> Item:
        """Empty orders, callbacks and the journal (of one merchant when given); `clock=True`
        also puts the clock back to its start."""
        body = calls.without_none({"gateway": gateway, "merchant": merchant, "clock": clock})
        result: Item = self._run(calls.post("reset", body))
        return result

    def clock(self) -> Item:
        """`GET /_sandbox/clock`: mode, scale, now and pending timers."""
        result: Item = self._run(calls.get("clock"))
        return result

    def advance(self, seconds: float | str) -> Item:
        """Move the manual clock; returns once everything that fell due has run."""
        result: Item = self._run(calls.post("clock/advance", {"seconds": seconds}))
        return result

    def set_clock(self, mode: str | None = None, scale: float | None = None) -> Item:
        """`PUT /_sandbox/clock`: switch `mode` (`real`/`manual`) and/or the time `scale`."""
        result: Item = self._run(calls.put("clock", calls.clock_body(mode, scale)))
        return result

    def orders(self, **filters: object) -> list[Item]:
        """Orders, newest first; filters `gateway`, `merchant`, `order`, `status`, `kind`,
        `page`, `page_size`."""
        items: list[Item] = self._run(calls.get("orders", **filters))["items"]
        return items

    def order(self, order_id: str, gateway: str | None = None, merchant: str | None = None) -> Item:
        """One order by platform id or merchant order id."""
        result: Item = self._run(
            calls.get(f"orders/{order_id}", gateway=gateway, merchant=merchant)
        )
        return result

    def complete(self, order_id: str, **fields: object) -> Item:
        """Act as the payer or bank on a pending order: `status=...`, `paid_amount=...`."""
        result: Item = self._run(calls.post(f"orders/{order_id}/complete", fields))
        return result

    def trigger(self, **fields: object) -> Item:
        """Create an order already in a state and send its callback: `gateway`, `merchant`,
        `kind`, `status`, `amount`, `currency`, `notify_url` and the gateway's extras."""
        result: Item = self._run(calls.post("trigger", fields))
        return result

    def callbacks(self, **filters: object) -> list[Item]:
        """Callbacks, newest first; filters `gateway`, `merchant`, `order`, `state`, `event`."""
        items: list[Item] = self._run(calls.get("callbacks", **filters))["items"]
        return items

    def callback(self, callback_id: str) -> Item:
        """One callback: the request as sent and every attempt."""
        result: Item = self._run(calls.get(f"callbacks/{callback_id}"))
        return result

    def resend(self, callback_id: str) -> Item:
        """One more attempt of a callback now: `{"callback", "attempt"}`."""
        result: Item = self._run(calls.post(f"callbacks/{callback_id}/resend"))
        return result

    def wait_callbacks(self, count: int = 1, timeout: float = 10, **filters: object) -> list[Item]:
        """Wait until at least `count` callbacks match (settled ones unless `state=` says else);
        raises `CallbackTimeout` listing what did arrive."""
        plan = WaitPlan(count, timeout, filters)
        while True:
            items = plan.outcome(self._send(plan.next_call()))
            if items is not None:
                return items

    def requests(self, **filters: object) -> list[Item]:
        """The request journal, newest first; filters `gateway`, `merchant`, `operation`."""
        items: list[Item] = self._run(calls.get("requests", **filters))["items"]
        return items

    def scenarios(self, gateway: str | None = None) -> list[Item]:
        """The loaded scenarios (of one gateway and the gateway-neutral ones)."""
        items: list[Item] = self._run(calls.get("scenarios", gateway=gateway, page_size=500))[
            "items"
        ]
        return items

    def selection(self) -> Item:
        """The active scenario selection: `{"global": [...], "merchants": [...]}`."""
        result: Item = self._run(calls.get("scenarios", page_size=1))["selection"]
        return result

    def activate(
        self, names: list[str] | None, gateway: str | None = None, merchant: str | None = None
    ) -> Item:
        """Select scenarios globally, or for one merchant (`names=None` clears its own)."""
        result: Item = self._run(calls.activate(names, gateway, merchant))
        return result

    def upload_scenario(self, yaml_text: str, file: str | None = None) -> Item:
        """Load a scenario from YAML text (422 → `SandboxError` with the errors in the message)."""
        result: Item = self._run(calls.upload(yaml_text, file))
        return result

    @contextmanager
    def use_scenario(
        self, name: str, gateway: str | None = None, merchant: str | None = None
    ) -> Iterator[Item]:
        """Activate one scenario (globally, or for `gateway` + `merchant`) for a `with` block,
        then restore the previous selection."""
        listing = self._run(calls.get("scenarios", page_size=1))
        previous = calls.selection_of(listing, gateway, merchant)
        selection = self.activate([name], gateway, merchant)
        try:
            yield selection
        finally:
            self.activate(previous, gateway, merchant)

    def openapi(self) -> Item:
        """The OpenAPI 3.1 document of every served path."""
        result: Item = self._run(calls.get("openapi.json"))
        return result

    def check(
        self,
        gateway: str,
        notify_url: str,
        *,
        merchant: str | None = None,
        only: tuple[str, ...] | list[str] = (),
        state_url: str | None = None,
        kinds: tuple[str, ...] | list[str] = (),
    ) -> Item:
        """Run `sandbox check` from the server: send the battery of signed callbacks to the
        merchant's `notify_url` and return the JSON report (`passed`, `counts`, `results`, ...).

        `merchant` defaults to the gateway's first merchant; `only` picks cases (`duplicate`,
        `payin.valid`); `kinds` the callback kinds the handler takes (`["payin"]`; default all
        the gateway's); `state_url` is the merchant's test-only order state URL with
        `{order_no}`. A failing handler is a report with `passed` false, not an error; bad input
        raises `SandboxError`. See docs/check.md.
        """
        result: Item = self._run(calls.check(gateway, notify_url, merchant, only, state_url, kinds))
        return result


class AsyncSandboxClient:
    """`SandboxClient` for asyncio: the same methods, as coroutines."""

    def __init__(
        self, url: str = DEFAULT_URL, admin_token: str | None = None, *, timeout: float = 30
    ) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self.http = httpx.AsyncClient(base_url=self.url, timeout=timeout)

    async def __aenter__(self) -> AsyncSandboxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    async def _send(self, call: calls.Call) -> httpx.Response:
        args = calls.request_args(call, self.admin_token)
        return await self.http.request(call.method, call.path, **args)

    async def _run(self, call: calls.Call) -> Any:
        return calls.answer(await self._send(call))

    async def health(self) -> Item:
        """`GET /_sandbox/health`: `{"status": "ok", "version": ...}`."""
        result: Item = await self._run(calls.get("health"))
        return result

    async def ready(self) -> Item:
        """`GET /_sandbox/ready`: `{"ready": bool, "checks": {...}, ...}` (also when not ready)."""
        response = await self._send(calls.get("ready"))
        if response.status_code == 503:
            not_ready: Item = response.json()
            return not_ready
        result: Item = calls.answer(response)
        return result

    async def merchants(self, gateway: str | None = None) -> list[Item]:
        """Every merchant with its credentials, optionally of one gateway."""
        body = await self._run(calls.get("merchants", gateway=gateway, page_size=500))
        items: list[Item] = body["items"]
        return items

    async def reset(
        self, gateway: str | None = None, merchant: str | None = None, clock: bool = False
    ) -> Item:
        """Empty orders, callbacks and the journal (of one merchant when given); `clock=True`
        also puts the clock back to its start."""
        body = calls.without_none({"gateway": gateway, "merchant": merchant, "clock": clock})
        result: Item = await self._run(calls.post("reset", body))
        return result

    async def clock(self) -> Item:
        """`GET /_sandbox/clock`: mode, scale, now and pending timers."""
        result: Item = await self._run(calls.get("clock"))
        return result

    async def advance(self, seconds: float | str) -> Item:
        """Move the manual clock; returns once everything that fell due has run."""
        result: Item = await self._run(calls.post("clock/advance", {"seconds": seconds}))
        return result

    async def set_clock(self, mode: str | None = None, scale: float | None = None) -> Item:
        """`PUT /_sandbox/clock`: switch `mode` (`real`/`manual`) and/or the time `scale`."""
        result: Item = await self._run(calls.put("clock", calls.clock_body(mode, scale)))
        return result

    async def orders(self, **filters: object) -> list[Item]:
        """Orders, newest first; filters `gateway`, `merchant`, `order`, `status`, `kind`,
        `page`, `page_size`."""
        items: list[Item] = (await self._run(calls.get("orders", **filters)))["items"]
        return items

    async def order(
        self, order_id: str, gateway: str | None = None, merchant: str | None = None
    ) -> Item:
        """One order by platform id or merchant order id."""
        call = calls.get(f"orders/{order_id}", gateway=gateway, merchant=merchant)
        result: Item = await self._run(call)
        return result

    async def complete(self, order_id: str, **fields: object) -> Item:
        """Act as the payer or bank on a pending order: `status=...`, `paid_amount=...`."""
        result: Item = await self._run(calls.post(f"orders/{order_id}/complete", fields))
        return result

    async def trigger(self, **fields: object) -> Item:
        """Create an order already in a state and send its callback: `gateway`, `merchant`,
        `kind`, `status`, `amount`, `currency`, `notify_url` and the gateway's extras."""
        result: Item = await self._run(calls.post("trigger", fields))
        return result

    async def callbacks(self, **filters: object) -> list[Item]:
        """Callbacks, newest first; filters `gateway`, `merchant`, `order`, `state`, `event`."""
        items: list[Item] = (await self._run(calls.get("callbacks", **filters)))["items"]
        return items

    async def callback(self, callback_id: str) -> Item:
        """One callback: the request as sent and every attempt."""
        result: Item = await self._run(calls.get(f"callbacks/{callback_id}"))
        return result

    async def resend(self, callback_id: str) -> Item:
        """One more attempt of a callback now: `{"callback", "attempt"}`."""
        result: Item = await self._run(calls.post(f"callbacks/{callback_id}/resend"))
        return result

    async def wait_callbacks(
        self, count: int = 1, timeout: float = 10, **filters: object
    ) -> list[Item]:
        """Wait until at least `count` callbacks match (settled ones unless `state=` says else);
        raises `CallbackTimeout` listing what did arrive."""
        plan = WaitPlan(count, timeout, filters)
        while True:
            items = plan.outcome(await self._send(plan.next_call()))
            if items is not None:
                return items

    async def requests(self, **filters: object) -> list[Item]:
        """The request journal, newest first; filters `gateway`, `merchant`, `operation`."""
        items: list[Item] = (await self._run(calls.get("requests", **filters)))["items"]
        return items

    async def scenarios(self, gateway: str | None = None) -> list[Item]:
        """The loaded scenarios (of one gateway and the gateway-neutral ones)."""
        body = await self._run(calls.get("scenarios", gateway=gateway, page_size=500))
        items: list[Item] = body["items"]
        return items

    async def selection(self) -> Item:
        """The active scenario selection: `{"global": [...], "merchants": [...]}`."""
        result: Item = (await self._run(calls.get("scenarios", page_size=1)))["selection"]
        return result

    async def activate(
        self, names: list[str] | None, gateway: str | None = None, merchant: str | None = None
    ) -> Item:
        """Select scenarios globally, or for one merchant (`names=None` clears its own)."""
        result: Item = await self._run(calls.activate(names, gateway, merchant))
        return result

    async def upload_scenario(self, yaml_text: str, file: str | None = None) -> Item:
        """Load a scenario from YAML text (422 → `SandboxError` with the errors in the message)."""
        result: Item = await self._run(calls.upload(yaml_text, file))
        return result

    @asynccontextmanager
    async def use_scenario(
        self, name: str, gateway: str | None = None, merchant: str | None = None
    ) -> AsyncIterator[Item]:
        """Activate one scenario (globally, or for `gateway` + `merchant`) for an `async with`
        block, then restore the previous selection."""
        listing = await self._run(calls.get("scenarios", page_size=1))
        previous = calls.selection_of(listing, gateway, merchant)
        selection = await self.activate([name], gateway, merchant)
        try:
            yield selection
        finally:
            await self.activate(previous, gateway, merchant)

    async def openapi(self) -> Item:
        """The OpenAPI 3.1 document of every served path."""
        result: Item = await self._run(calls.get("openapi.json"))
        return result

    async def check(
        self,
        gateway: str,
        notify_url: str,
        *,
        merchant: str | None = None,
        only: tuple[str, ...] | list[str] = (),
        state_url: str | None = None,
        kinds: tuple[str, ...] | list[str] = (),
    ) -> Item:
        """`SandboxClient.check`: the conformance check of a merchant's callback handler, run by
        the server; returns the JSON report."""
        call = calls.check(gateway, notify_url, merchant, only, state_url, kinds)
        result: Item = await self._run(call)
        return result
