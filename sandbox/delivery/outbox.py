"""The delivery engine's view of stored callback messages and their attempts.

A new message submitted inside the caller's transaction (a gateway's request) is written at once,
in it, so it commits with the order it reports on. Outside one, on a database of its own (SQLite,
one process), it gets its id here and is written with the next flush, several in one statement;
on a database replicas share it is written at once, as the others claim work from the rows.
Attempt results are buffered and written together once per event-loop tick: at a few thousand
callbacks a second that is one commit instead of thousands, and a crash in between only means an
already-sent callback is sent again (the gateways' documented behaviour). Every read flushes
first; so does stopping, so pending callbacks survive a restart.

Bounded by `limit` rows: the oldest finished messages are dropped first; pending messages are
never dropped. The row count is kept here (inserts add, trimming subtracts what it deleted), so
trimming does not count the table (on a database replicas share, it recounts after trimming: the
others insert too).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sandbox.clock import format_instant, parse_instant
from sandbox.delivery.ack import AckRule
from sandbox.delivery.model import Attempt, Lease, Message, message_id, message_number
from sandbox.delivery.policy import RetryPolicy
from sandbox.store import leases, shared
from sandbox.store import outbox as stored
from sandbox.store.batching import TickFlush
from sandbox.store.database import Row, Store
from sandbox.store.outbox import MessageFilter

__all__ = ["MessageFilter", "Outbox"]

LEASE_MARK = "#"  # between a replica's id and the number of its claim in a lease's name


class Outbox:
    def __init__(self, store: Store, limit: int) -> None:
        self.store = store
        self.limit = limit
        self._attempts: list[tuple[Any, ...]] = []
        # Keyed by message id and lease: two copies of one message, claimed under two leases
        # (this replica took its own expired lease over), are two updates, not one.
        self._updates: dict[tuple[str, str | None], tuple[Any, ...]] = {}
        self._tick = TickFlush(self.flush)
        self._instants = InstantText()
        self._rows = self._count()
        # Ids are handed out here when this process is the database's only writer.
        self._numbered = store.dialect == "sqlite" and not store.shared
        self._last_seq = stored.last_message_seq(store) if self._numbered else 0
        self._inserts: list[tuple[Any, ...]] = []  # (seq, *message columns), not yet written
        self._claims = 0  # leases taken by this process, each named apart

    # -- writing ---------------------------------------------------------------------------

    def insert(self, messages: Sequence[Message], *, announce: bool = False) -> None:
        """Store new messages (see above for when), giving each its id; with `announce`, tell
        the other replicas too."""
        self._rows += len(messages)
        if self._numbered:
            rows = []
            for message in messages:
                self._last_seq += 1
                message.id = message_id(self._last_seq)
                rows.append((self._last_seq, *self._message_row(message)))
            if self.store.in_transaction:
                stored.insert_numbered_messages(self.store, rows)
            else:
                self._inserts += rows
                self._tick.request()
            return
        with self.store.transaction():
            for message in messages:
                seq = stored.insert_message(self.store, self._message_row(message))
                message.id = message_id(seq)
            if announce:
                self.announce()

    def drop_unwritten(self, gateway: str | None, merchant: str | None) -> None:
        """Forget messages not written yet that a reset just emptied the table of: all of them,
        or one gateway's merchant's."""
        if gateway is None or merchant is None:
            self._inserts.clear()
        else:
            # Row layout: seq, then CALLBACK_COLUMNS (gateway, merchant_id, ...).
            self._inserts = [r for r in self._inserts if (r[1], r[2]) != (gateway, merchant)]

    def record(self, message: Message, attempt: Attempt | None = None) -> None:
        """Buffer an attempt and the message's new state; written on the next flush."""
        seq = message_number(message.id)
        if attempt is not None:
            self._attempts.append(self._attempt_row(seq, attempt))
        instant = self._instants.text
        lease = None if message.lease is None else message.lease.name
        self._updates[message.id, lease] = (
            message.state,
            instant(message.due_at),
            instant(message.finished_at),
            message.failures,
            message.attempts,
            seq,
            lease,
        )
        self._tick.request()

    def record_attempt(self, message: Message, attempt: Attempt) -> None:
        """Buffer an attempt alone, leaving the message's row as it is."""
        self._attempts.append(self._attempt_row(message_number(message.id), attempt))
        self._tick.request()

    def flush(self) -> None:
        if not self._attempts and not self._updates and not self._inserts:
            return
        inserts, self._inserts = self._inserts, []
        attempts, self._attempts = self._attempts, []
        updates, self._updates = list(self._updates.values()), {}
        with self.store.transaction():
            if inserts:
                stored.insert_numbered_messages(self.store, inserts)
            # A message deleted meanwhile (reset, trimming) takes its late attempts with it.
            if self.store.shared:
                stored.write_shared(self.store, attempts, updates)
            else:
                stored.write_attempts(self.store, attempts)
                stored.update_states(self.store, [update[:6] for update in updates])
            shared.announce(self.store, shared.CHANGES_CHANNEL)
            if self._rows > self.limit:
                self._trim()

    def claim(
        self, owner: str, now: datetime, lease_s: float, limit: int
    ) -> list[tuple[Message, str | None]]:
        """Lease due messages for this replica: each with the replica whose lease on it expired
        (an attempt of it may have been made, its outcome unknown), or None."""
        # Each claim is a lease of its own (`owner#n`): a copy of a message this replica still
        # runs under an older lease must not pass for the holder of the new one.
        self._claims += 1
        lease = Lease(f"{owner}{LEASE_MARK}{self._claims}", time.monotonic() + lease_s)
        rows = leases.claim_messages(self.store, lease.name, format_instant(now), lease_s, limit)
        claimed = []
        for row in rows:
            message = _message(row)
            message.lease = lease
            previous = row["previous_owner"]
            claimed.append((message, None if previous is None else previous.split(LEASE_MARK)[0]))
        return claimed

    def holds(self, message: Message) -> bool:
        """Whether the lease `message` was claimed under still holds it (or it has none)."""
        lease = message.lease
        if lease is None or time.monotonic() < lease.safe_until:
            return True
        seq = message_number(message.id)
        return seq is not None and leases.holds_message(self.store, seq, lease.name)

    def announce(self) -> None:
        """Tell the other replicas (if any) that messages were stored."""
        shared.announce(self.store, shared.WORK_CHANNEL)

    def forget_counts(self) -> None:
        """Recount after rows were deleted behind our back (reset)."""
        self._rows = self._count()

    def _trim(self) -> None:
        self._rows -= stored.drop_oldest_finished(self.store, self._rows - self.limit)
        if self.store.shared:
            self._rows = self._count()  # other replicas insert too

    def _count(self) -> int:
        return stored.count_messages(self.store)

    def _message_row(self, message: Message) -> Sequence[Any]:
        return _message_row(message, self._instants)

    def _attempt_row(self, seq: int | None, attempt: Attempt) -> tuple[Any, ...]:
        return _attempt_row(seq, attempt, self._instants)

    # -- reading ---------------------------------------------------------------------------

    def get(self, id_text: str) -> Message | None:
        seq = message_number(id_text)
        if seq is None:
            return None
        self.flush()
        row = stored.message_row(self.store, seq)
        return None if row is None else _message(row)

    def pending(self) -> list[Message]:
        self.flush()
        return [_message(r) for r in stored.pending_rows(self.store)]

    def pending_ids(self) -> set[str]:
        self.flush()
        return {message_id(seq) for seq in stored.pending_seqs(self.store)}

    def find(
        self, where: MessageFilter, limit: int, offset: int = 0, newest_first: bool = True
    ) -> tuple[list[Message], int]:
        self.flush()
        found, total = stored.find_rows(self.store, where, limit, offset, newest_first)
        return [_message(r) for r in found], total

    def attempts(self, id_text: str) -> list[Attempt]:
        self.flush()
        return [
            _attempt(r, id_text) for r in stored.attempt_rows(self.store, message_number(id_text))
        ]


class InstantText:
    """Stored text of sandbox instants, remembering the last two: a message's creation and
    first due time, an attempt's end and the message's finish are usually the same instant."""

    def __init__(self) -> None:
        self._last: tuple[datetime | None, str | None] = (None, None)
        self._before: tuple[datetime | None, str | None] = (None, None)

    def text(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        if moment == self._last[0]:
            return self._last[1]
        if moment == self._before[0]:
            return self._before[1]
        if moment.tzinfo is UTC:  # the clock's own instants: no conversion needed
            text = moment.isoformat(timespec="microseconds")[:-6] + "Z"
        else:
            text = format_instant(moment)
        self._before, self._last = self._last, (moment, text)
        return text


@lru_cache(maxsize=256)
def json_text(value: AckRule | RetryPolicy) -> str:
    """The stored JSON of an ack rule or retry policy (a handful are shared by every message)."""
    return json.dumps(value.to_json())


@lru_cache(maxsize=256)
def _ack_rule(text: str) -> AckRule:
    return AckRule.from_json(json.loads(text))


@lru_cache(maxsize=256)
def _policy(text: str) -> RetryPolicy:
    return RetryPolicy.from_json(json.loads(text))


def _parsed(text: str | None) -> datetime | None:
    return None if text is None else parse_instant(text)


def _message_row(m: Message, instant: InstantText) -> Sequence[Any]:
    return (
        m.gateway,
        m.merchant,
        m.order_id,
        m.merchant_order_id,
        m.event,
        m.url,
        m.original_url,
        m.body,
        json.dumps(m.headers),
        json_text(m.ack),
        json_text(m.policy),
        m.tag,
        m.state,
        instant.text(m.created_at),
        instant.text(m.due_at),
        instant.text(m.finished_at),
        m.copy,
        m.copies,
        m.redelivery_of,
        None if m.redeliver_after is None else m.redeliver_after.total_seconds(),
        m.failures,
        m.attempts,
    )


def _message(row: Row) -> Message:
    return Message(
        id=message_id(row["seq"]),
        gateway=row["gateway"],
        merchant=row["merchant_id"],
        order_id=row["order_id"],
        merchant_order_id=row["merchant_order_id"],
        event=row["event"],
        url=row["url"],
        original_url=row["original_url"],
        body=bytes(row["body"]),
        headers=json.loads(row["headers"]),
        ack=_ack_rule(row["ack"]),
        policy=_policy(row["policy"]),
        tag=row["tag"],
        state=row["state"],
        created_at=parse_instant(row["created_at"]),
        due_at=_parsed(row["due_at"]),
        finished_at=_parsed(row["finished_at"]),
        copy=row["copy"],
        copies=row["copies"],
        redelivery_of=row["redelivery_of"],
        redeliver_after=(
            None if row["redeliver_after"] is None else timedelta(seconds=row["redeliver_after"])
        ),
        failures=row["failures"],
        attempts=row["attempts"],
    )


def _attempt_row(seq: int | None, a: Attempt, instant: InstantText) -> tuple[Any, ...]:
    return (
        seq,
        a.number,
        instant.text(a.due_at),
        instant.text(a.started_at),
        instant.text(a.finished_at),
        a.latency_ms,
        a.status,
        a.response,
        int(a.response_truncated),
        a.error,
        a.error_detail,
        int(a.acked),
        int(a.resend),
    )


def _attempt(row: Row, id_text: str) -> Attempt:
    return Attempt(
        message_id=id_text,
        number=row["number"],
        due_at=_parsed(row["due_at"]),
        started_at=parse_instant(row["started_at"]),
        finished_at=parse_instant(row["finished_at"]),
        latency_ms=row["latency_ms"],
        status=row["status"],
        response=bytes(row["response"]),
        response_truncated=bool(row["response_truncated"]),
        error=row["error"],
        error_detail=row["error_detail"],
        acked=bool(row["acked"]),
        resend=bool(row["resend"]),
    )
