"""Leased callback messages on PostgreSQL (`store/outbox.write_shared`, the delivery outbox):
an attempt made under a lease that was lost meanwhile is stored as one more attempt with the
next free number, and only the copy holding the lease changes the message's state, also when
the replica that lost the lease is the one that took it back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sandbox.delivery import Attempt, Message, RetryPolicy, any_2xx, seconds
from sandbox.delivery.outbox import Outbox
from sandbox.store import Store

NOW = datetime(2026, 3, 12, 8, 30, tzinfo=UTC)
EXPIRED = -1.0  # a lease length that has run out by the time anyone looks
HELD = 30.0


def stored_message(outbox: Outbox) -> str:
    message = Message(
        id="",
        gateway="trustpay",
        merchant="m1",
        order_id="o1",
        merchant_order_id="ORD-1",
        event="payin.5",
        url="http://127.0.0.1:9/notify",
        original_url="http://127.0.0.1:9/notify",
        body=b"{}",
        headers={},
        ack=any_2xx(),
        policy=RetryPolicy("test", 10.0, seconds(60)),
        tag="",
        state="pending",
        created_at=NOW,
        due_at=NOW,
    )
    outbox.insert([message])
    return message.id


def attempt(message: Message, number: int, status: int | None) -> Attempt:
    return Attempt(
        message_id=message.id,
        number=number,
        due_at=NOW,
        started_at=NOW,
        finished_at=NOW,
        latency_ms=1.0,
        status=status,
        response=b"",
        response_truncated=False,
        error=None,
        error_detail="",
        acked=status == 200,
    )


def finished(message: Message, state: str, number: int, status: int) -> Attempt:
    """`message` after an attempt: acked, or pending with a retry due."""
    message.attempts = number
    if state == "acked":
        message.state, message.due_at, message.finished_at = "acked", None, NOW
    else:
        message.failures += 1
        message.due_at = NOW + timedelta(seconds=60)
    return attempt(message, number, status)


def test_a_copy_whose_lease_was_taken_over_records_after_the_taker(stores: list[Store]) -> None:
    first, second = Outbox(stores[0], 100), Outbox(stores[1], 100)
    message_id = stored_message(first)
    ((late, _),) = first.claim("replica-a", NOW, EXPIRED, 1)
    ((taker, previous),) = second.claim("replica-b", NOW, HELD, 1)
    assert previous == "replica-a"
    assert not first.holds(late) and second.holds(taker)
    taker.attempts = 1
    second.record_attempt(taker, attempt(taker, 1, None))  # the taker's note on the lost attempt
    second.record(taker, finished(taker, "acked", 2, 200))
    first.record(late, finished(late, "pending", 1, 500))  # its own count says attempt 1
    numbers = [(a.number, a.status) for a in first.attempts(message_id)]
    assert numbers == [(1, None), (2, 200), (3, 500)]
    stored = first.get(message_id)
    assert stored is not None
    assert (stored.state, stored.due_at, stored.attempts) == ("acked", None, 3)


def test_a_replica_retaking_its_own_expired_lease_is_told_apart(stores: list[Store]) -> None:
    outbox = Outbox(stores[0], 100)
    message_id = stored_message(outbox)
    ((old, _),) = outbox.claim("replica-a", NOW, EXPIRED, 1)
    ((new, previous),) = outbox.claim("replica-a", NOW, HELD, 1)
    assert previous == "replica-a"

    async def both_in_one_tick() -> None:
        outbox.record(new, finished(new, "acked", 1, 200))
        outbox.record(old, finished(old, "pending", 1, 500))
        await asyncio.sleep(0)  # the tick's flush

    asyncio.run(both_in_one_tick())
    assert [(a.number, a.status) for a in outbox.attempts(message_id)] == [(1, 200), (2, 500)]
    stored = outbox.get(message_id)
    assert stored is not None
    assert (stored.state, stored.attempts) == ("acked", 2)
    assert outbox.claim("replica-b", NOW + timedelta(hours=1), HELD, 1) == []
