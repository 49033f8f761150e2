"""The delivery engine: turns gateway callback requests into messages and delivers them.

Every due time is on the sandbox clock: pending messages wait in one ordered queue with a single
clock timer at its head (`workers.DueQueue`), so a manual-clock `advance` returns only after every
attempt that fell due has run, and a 60 s retry takes 60/scale real seconds in real mode. One
worker per concurrency slot runs the due attempts; at most `delivery_concurrency` attempts are in
flight, over one keep-alive aiohttp session that is created once and reused
(`transport.ClientSlots`).
The engine and its store are touched only on the server's event-loop thread (`engine.loop`).
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from sandbox import __version__
from sandbox.clock import Clock, format_instant
from sandbox.delivery.ack import acknowledged
from sandbox.delivery.allow import TargetRule
from sandbox.delivery.model import Attempt, CallbackRequest, Message, MessageState, Outcome
from sandbox.delivery.notify import ChangeSignal
from sandbox.delivery.outbox import Outbox
from sandbox.delivery.targets import resolve_target
from sandbox.delivery.transport import ClientSlots, post
from sandbox.delivery.workers import DueQueue
from sandbox.events import EventHub
from sandbox.logs import callbacks_log, log_callback_attempt
from sandbox.store import Store

OutcomeHandler = Callable[[Outcome], Awaitable[None] | None]

log = logging.getLogger("sandbox.delivery")


class ResetScope(Protocol):
    """What a reset emptied: every merchant's rows, or (both set) one gateway's merchant's."""

    @property
    def gateway(self) -> str | None: ...

    @property
    def merchant(self) -> str | None: ...


class NoTarget(ValueError):
    """The callback has no URL and no SANDBOX_CALLBACK_URL override applies."""


class DeliveryEngine:
    def __init__(
        self,
        clock: Clock,
        store: Store,
        *,
        concurrency: int,
        message_limit: int,
        callback_url: str | None = None,
        callback_origin: str | None = None,
        callback_allow: Sequence[str] = (),
    ) -> None:
        """`concurrency`: attempts in flight at most; `message_limit`: stored messages kept
        (finished ones dropped oldest first); `callback_url` / `callback_origin`: the target
        overrides; `callback_allow`: the targets callbacks may go to (empty: any)."""
        self.concurrency = concurrency
        self.callback_url = callback_url
        self.callback_origin = callback_origin
        self._allow = TargetRule(tuple(callback_allow)) if callback_allow else None
        self.clock = clock
        self.outbox = Outbox(store, message_limit)
        self.changes = ChangeSignal()
        self.events = EventHub()  # the sandbox's own hub replaces this one (`open_sandbox`)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._handlers: dict[str, OutcomeHandler] = {}
        self._retry_handlers: set[str] = set()  # gateways told of failed attempts retried later
        self._live: dict[str, Message] = {}  # pending messages, by id
        self._due = DueQueue(clock, concurrency, self._run_scheduled)
        self._resending: dict[str, Message] = {}  # finished messages with a resend in flight
        self._inflight: set[asyncio.Task[object]] = set()
        self._slots: ClientSlots | None = None
        self._closing = False
        # Leased (replicas on one database): the rows are the queue; whichever replica claims a
        # due message runs it (`run_claimed`), and this one only announces new work.
        self.leased = store.shared
        self.work_added: Callable[[], None] = lambda: None

    # -- life cycle ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._slots is not None and not self._closing

    async def start(self) -> None:
        """Open the HTTP clients and schedule every pending message (a restart's too)."""
        self.loop = asyncio.get_running_loop()
        user_agent = f"PaymentGatewaySandbox/{__version__}"
        self._slots = ClientSlots(self.concurrency, user_agent)
        self._closing = False
        if self.leased:
            return
        self._due.start()
        for message in self.outbox.pending():
            if message.id not in self._live:
                self._live[message.id] = message
                self._schedule(message)

    async def stop(self) -> None:
        """Cancel attempts in flight (their messages stay pending in the store) and close."""
        self._closing = True
        await self._due.stop()
        for task in list(self._inflight):
            task.cancel()
        await asyncio.gather(*self._inflight, return_exceptions=True)
        self.outbox.flush()
        if self._slots is not None:
            await self._slots.close()
            self._slots = None

    # -- the API for gateways --------------------------------------------------------------

    def on_outcome(self, gateway: str, handler: OutcomeHandler, *, retries: bool = False) -> None:
        """Register `gateway`'s handler, called when one of its messages is acked or given up,
        and with `retries` also after a failed attempt that will be retried (state `pending`).

        Handlers are registered by name rather than per message so that messages reloaded after
        a restart still reach them.
        """
        self._handlers[gateway] = handler
        if retries:
            self._retry_handlers.add(gateway)
        else:
            self._retry_handlers.discard(gateway)

    def target_for(self, url: str | None) -> str | None:
        """Where a callback for `url` would go after the overrides; None if nowhere."""
        return resolve_target(url, self.callback_url, self.callback_origin)

    def submit(self, request: CallbackRequest) -> list[str]:
        """Store the message(s) of a callback and schedule their first attempts; their ids."""
        target = self.target_for(request.url)
        if target is None:
            raise NoTarget(f"{request.gateway} {request.event}: no callback URL")
        if request.copies < 1:
            raise ValueError("copies must be at least 1")
        now = self.clock.now()
        first_due = now + request.delay
        messages = [
            Message(
                id="",
                gateway=request.gateway,
                merchant=request.merchant,
                order_id=request.order_id,
                merchant_order_id=request.merchant_order_id,
                event=request.event,
                url=target,
                original_url=request.url,
                body=request.body,
                headers=dict(request.headers),
                ack=request.ack,
                policy=request.policy,
                tag=request.tag,
                state="pending",
                created_at=now,
                due_at=first_due + request.spacing * index,
                copy=index + 1,
                copies=request.copies,
                redeliver_after=request.redeliver_after,
            )
            for index in range(request.copies)
        ]
        self.outbox.insert(messages, announce=self.leased)
        for message in messages:
            self._live[message.id] = message
            self._schedule(message)
        self.changes.changed()
        return [m.id for m in messages]

    async def resend(self, message_id: str) -> tuple[Message, Attempt] | None:
        """One more attempt now, same body; None if there is no such message."""
        message = self._live.get(message_id) or self._resending.get(message_id)
        if message is None:
            message = self.outbox.get(message_id)
            if message is None:
                return None
            self._resending[message_id] = message
        try:
            attempt = await self._attempt(message, resend=True)
        finally:
            if message.state != "pending":
                self._resending.pop(message_id, None)
        if attempt.acked and message.state != "acked":
            await self._finish(message, "acked", attempt)
        else:
            self._record(message, attempt)
        return message, attempt

    def after_reset(self, scope: ResetScope) -> None:
        """Forget the state of the messages a reset deleted (their queue entries are skipped)."""
        self.outbox.drop_unwritten(scope.gateway, scope.merchant)
        survivors = self.outbox.pending_ids()
        for message_id in [m for m in self._live if m not in survivors]:
            del self._live[message_id]
        self._resending.clear()
        self.outbox.forget_counts()
        self.changes.changed()

    async def run_claimed(self, message: Message, abandoned_by: str | None) -> None:
        """Run a due message this replica leased; `abandoned_by`: the replica whose lease on it
        expired, whose attempt (if it made one) is recorded as its own, outcome unknown."""
        self._live[message.id] = message
        if abandoned_by is not None:
            now = self.clock.now()
            message.attempts += 1
            # The attempt row only: the message's own row (and its lease) change with the next.
            self.outbox.record_attempt(message, _abandoned(message, now, abandoned_by))
        await self._run_scheduled(message.id)

    # -- internals -------------------------------------------------------------------------

    def _schedule(self, message: Message) -> None:
        assert message.due_at is not None
        message_id = message.id
        if self.leased:
            # The stored row (written at the next flush) is the truth; a replica claims it when
            # it falls due.
            self._live.pop(message_id, None)
            self.work_added()
            return
        self._due.add(message.due_at, message_id)

    async def _run_scheduled(self, message_id: str) -> None:
        message = self._live.get(message_id)
        if message is None or message.state != "pending" or self._closing:
            return
        attempt = await self._attempt(message, resend=False)
        if not self.outbox.holds(message):
            # Another replica took this message over while the attempt ran: the attempt is
            # recorded as one more of its own, and the outcome (state, retry, the gateway's
            # handler) is the holder's to decide.
            self._record(message, attempt)
            if self._live.get(message_id) is message:
                del self._live[message_id]
            return
        if message.state != "pending" or message_id not in self._live:
            self._record(message, attempt)  # a resend settled it meanwhile, or a reset
            return
        if attempt.acked:
            await self._finish(message, "acked", attempt)
            return
        message.failures += 1
        delay = message.policy.delay_after(message.failures)
        if delay is None:
            await self._finish(message, "failed", attempt)
            return
        # Retry delays count from the end of the failed attempt.
        message.due_at = attempt.finished_at + delay
        self._record(message, attempt)
        self._schedule(message)
        if message.gateway in self._retry_handlers:
            await self._notify_gateway(Outcome(message, "pending", attempt))

    async def _attempt(self, message: Message, *, resend: bool) -> Attempt:
        slots = self._slots
        assert slots is not None
        message.attempts += 1
        number = message.attempts
        due = None if resend else message.due_at
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            async with slots.free:
                started = self.clock.now()
                wall = time.perf_counter()
                result = await post(
                    slots.current(),
                    message.url,
                    message.body,
                    message.sent_headers(),
                    message.policy.timeout,
                    self._allow,
                )
                latency_ms = (time.perf_counter() - wall) * 1000
        finally:
            if task is not None:
                self._inflight.discard(task)
        return Attempt(
            message_id=message.id,
            number=number,
            due_at=due,
            started_at=started,
            finished_at=self.clock.now(),
            latency_ms=round(latency_ms, 3),
            status=result.status,
            response=result.body,
            response_truncated=result.truncated,
            error=result.error,
            error_detail=result.detail,
            acked=result.error is None and acknowledged(message.ack, result.status, result.body),
            resend=resend,
        )

    async def _finish(self, message: Message, state: MessageState, attempt: Attempt) -> None:
        first_ack = state == "acked" and message.finished_at is None
        message.state = state
        message.due_at = None
        message.finished_at = attempt.finished_at
        self._live.pop(message.id, None)
        self._record(message, attempt)
        if first_ack and message.redeliver_after is not None:
            self._redeliver(message, attempt.finished_at)
        await self._notify_gateway(Outcome(message, state, attempt))

    def _redeliver(self, acked: Message, at: datetime) -> None:
        """The "gateway lost the ack" case: the same body again, as a separate message."""
        assert acked.redeliver_after is not None
        again = replace(
            acked,
            id="",
            state="pending",
            created_at=self.clock.now(),
            due_at=at + acked.redeliver_after,
            finished_at=None,
            copy=1,
            copies=1,
            redelivery_of=acked.id,
            redeliver_after=None,
            failures=0,
            attempts=0,
            lease=None,
        )
        self.outbox.insert([again], announce=self.leased)
        self._live[again.id] = again
        self._schedule(again)

    def _record(self, message: Message, attempt: Attempt) -> None:
        self.outbox.record(message, attempt)
        self.changes.changed()
        if callbacks_log.isEnabledFor(logging.INFO):
            _log_attempt(message, attempt)
        if self.events.listening:
            self.events.publish(
                "attempt",
                message.gateway,
                message.merchant,
                lambda: _attempt_event(message, attempt),
            )

    async def _notify_gateway(self, outcome: Outcome) -> None:
        handler = self._handlers.get(outcome.message.gateway)
        if handler is None:
            return
        try:
            result = handler(outcome)
            if inspect.isawaitable(result):
                await result
        except Exception:  # a gateway's handler must never stop delivery
            log.exception("outcome handler of %s failed", outcome.message.gateway)


def _abandoned(message: Message, now: datetime, owner: str) -> Attempt:
    return Attempt(
        message_id=message.id,
        number=message.attempts,
        due_at=message.due_at,
        started_at=now,
        finished_at=now,
        latency_ms=0.0,
        status=None,
        response=b"",
        response_truncated=False,
        error="abandoned",
        error_detail=f"replica {owner} stopped holding this attempt; it may have been sent",
        acked=False,
        resend=False,
    )


def _verdict(message: Message, attempt: Attempt) -> str:
    if attempt.acked:
        return "acked"
    if message.state == "pending" and message.due_at is not None:
        return "retry"
    return "failed" if message.state == "failed" else "not-acked"


def _attempt_event(message: Message, attempt: Attempt) -> dict[str, Any]:
    """An attempt for the event hub: with the callback exactly as sent (so `sandbox tail
    --forward-to` can relay it)."""
    try:
        body, encoding = message.body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        body, encoding = base64.b64encode(message.body).decode(), "base64"
    return {
        "callback": message.id,
        "event": message.event,
        "order_id": message.order_id,
        "attempt": attempt.number,
        "resend": attempt.resend,
        "url": message.url,
        "headers": message.sent_headers(),
        "body": body,
        "body_encoding": encoding,
        "status": attempt.status,
        "error": attempt.error,
        "latency_ms": attempt.latency_ms,
        "verdict": _verdict(message, attempt),
        "next_retry": _next_retry(message),
    }


def _next_retry(message: Message) -> str | None:
    """When the next attempt is due, for a message still pending; None otherwise."""
    if message.state != "pending" or message.due_at is None:
        return None
    return format_instant(message.due_at)


def _log_attempt(message: Message, attempt: Attempt) -> None:
    log_callback_attempt(
        message_id=message.id,
        number=attempt.number,
        url=message.url,
        status=attempt.status,
        error=attempt.error,
        latency_ms=attempt.latency_ms,
        verdict=_verdict(message, attempt),
        next_retry=_next_retry(message),
    )
