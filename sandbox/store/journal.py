"""The request journal: one entry per gateway API call and what decided its answer.

Lists are newest first and filtered by gateway, merchant and operation; each combination has an
index ending in `seq` (migration 5), so a page costs the same however long the journal is.

Entries are buffered and written once per event-loop tick (a journal line is not worth a commit
per request); every read flushes first. Bounded: the oldest entries beyond `limit` are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.clock import Clock, format_instant, parse_instant
from sandbox.events import EventHub
from sandbox.store.batching import TickFlush
from sandbox.store.database import Row, Store

JOURNAL_LINGER_S = 0.005


@dataclass(frozen=True)
class JournalEntry:
    gateway: str
    operation: str  # the gateway's own name for the call, e.g. "create_payin"
    merchant: str  # "" when the request named no known merchant
    status: int  # HTTP status answered
    signature: str = "not-checked"  # the verdict: ok, bad, missing, not-checked, ...
    scenario: str | None = None  # the scenario and rule that decided, if any
    rule: str | None = None
    method: str = "POST"
    path: str = ""
    note: str = ""
    # What the signature check expected, when it failed (the answer only says `unauthorized`).
    signature_detail: str = ""


@dataclass(frozen=True)
class JournalRecord:
    id: int
    at: datetime
    entry: JournalEntry

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        return {
            "id": self.id,
            "time": format_instant(self.at),
            "gateway": e.gateway,
            "merchant": e.merchant,
            "operation": e.operation,
            "method": e.method,
            "path": e.path,
            "status": e.status,
            "scenario": e.scenario,
            "rule": e.rule,
            "signature": e.signature,
            "signature_detail": e.signature_detail,
            "note": e.note,
        }


class Journal:
    def __init__(self, store: Store, clock: Clock, limit: int) -> None:
        self.store = store
        self.clock = clock
        self.limit = limit
        self._buffer: list[tuple[Any, ...]] = []
        # Readers (`find`) flush first, so entries may wait a few ms to share one commit.
        self._tick = TickFlush(self.flush, linger=JOURNAL_LINGER_S)
        self._rows = self._count()
        # Told of each entry as it is appended, when someone listens: the runtime's event hub.
        self.events: EventHub | None = None

    def append(self, entry: JournalEntry) -> None:
        e = entry
        self._buffer.append(
            (
                format_instant(self.clock.now()),
                e.gateway,
                e.merchant,
                e.operation,
                e.method,
                e.path,
                e.status,
                e.scenario,
                e.rule,
                e.signature,
                e.note,
                e.signature_detail,
            )
        )
        self._tick.request()
        if self.events is not None and self.events.listening:
            self.events.publish(
                "request",
                {
                    "gateway": e.gateway,
                    "merchant": e.merchant,
                    "operation": e.operation,
                    "path": e.path,
                    "status": e.status,
                },
            )

    def flush(self) -> None:
        if not self._buffer:
            return
        rows, self._buffer = self._buffer, []
        with self.store.transaction():
            self.store.executemany(
                "INSERT INTO journal (at, gateway, merchant_id, operation, method, path, status, "
                "scenario, rule, signature, note, signature_detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._rows += len(rows)
            if self._rows > self.limit:
                self.store.execute(
                    "DELETE FROM journal WHERE seq IN "
                    "(SELECT seq FROM journal ORDER BY seq LIMIT ?)",
                    (self._rows - self.limit,),
                )
                self._rows = self.limit

    def recount(self) -> None:
        self._rows = self._count()

    def find(
        self,
        gateway: str | None = None,
        merchant: str | None = None,
        operation: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[JournalRecord], int]:
        """Newest first, and the total matching."""
        self.flush()
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("gateway", gateway),
            ("merchant_id", merchant),
            ("operation", operation),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        total = self.store.fetchone(f"SELECT COUNT(*) AS n FROM journal{where}", params)
        rows = self.store.fetchall(
            f"SELECT * FROM journal{where} ORDER BY seq DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_record(r) for r in rows], int(total["n"]) if total else 0

    def _count(self) -> int:
        row = self.store.fetchone("SELECT COUNT(*) AS n FROM journal")
        return int(row["n"]) if row else 0


def _record(row: Row) -> JournalRecord:
    entry = JournalEntry(
        gateway=row["gateway"],
        operation=row["operation"],
        merchant=row["merchant_id"],
        status=row["status"],
        signature=row["signature"],
        scenario=row["scenario"],
        rule=row["rule"],
        method=row["method"],
        path=row["path"],
        note=row["note"],
        signature_detail=row["signature_detail"],
    )
    return JournalRecord(row["seq"], parse_instant(row["at"]), entry)
