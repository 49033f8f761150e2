"""The request journal: one entry per gateway API call and what decided its answer.

Lists are newest first and filtered by gateway, merchant and operation; each combination has an
index ending in `seq` (migration 5), so a page costs the same however long the journal is.

Entries are buffered and written once per event-loop tick (a journal line is not worth a commit
per request); every read flushes first. Bounded: the oldest entries beyond `limit` are dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.clock import Clock, format_instant, parse_instant
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
    # Why the signature was refused, as JSON text ('' when it was not refused).
    explanation: str = ""
    # The request and the answer as masked JSON text, rendered when the journal is written
    # (once per tick) rather than while the request is answered.
    exchange: Callable[[], str] | None = None


@dataclass(frozen=True)
class JournalRecord:
    id: int
    at: datetime
    entry: JournalEntry
    exchange: str = ""

    def to_json(self, *, detail: bool = False) -> dict[str, Any]:
        """The listing's fields; `detail` adds the request and answer and the explanation."""
        e = self.entry
        summary = {
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
        if detail:
            exchange = json.loads(self.exchange) if self.exchange else {}
            summary["request"] = exchange.get("request")
            summary["response"] = exchange.get("response")
            summary["explanation"] = json.loads(e.explanation) if e.explanation else None
        return summary


class Journal:
    def __init__(self, store: Store, clock: Clock, limit: int) -> None:
        self.store = store
        self.clock = clock
        self.limit = limit
        self._buffer: list[tuple[Any, ...]] = []
        self._exchanges: list[Callable[[], str] | None] = []
        # Readers (`find`) flush first, so entries may wait a few ms to share one commit.
        self._tick = TickFlush(self.flush, linger=JOURNAL_LINGER_S)
        self._rows = self._count()

    def append(self, entry: JournalEntry) -> None:
        e = entry
        self._buffer.append(
            (
                format_instant(self.clock.now()),
                e.gateway,
                e.merchant,
                e.operation,
                e.method,
                _text(e.path),
                e.status,
                e.scenario,
                e.rule,
                e.signature,
                _text(e.note),
                _text(e.signature_detail),
                e.explanation,
            )
        )
        self._exchanges.append(e.exchange)
        self._tick.request()

    def flush(self) -> None:
        if not self._buffer:
            return
        buffered, self._buffer = self._buffer, []
        exchanges, self._exchanges = self._exchanges, []
        rows = [
            (*row, exchange() if exchange is not None else "")
            for row, exchange in zip(buffered, exchanges, strict=True)
        ]
        with self.store.transaction():
            self.store.executemany(
                "INSERT INTO journal (at, gateway, merchant_id, operation, method, path, status, "
                "scenario, rule, signature, note, signature_detail, explanation, exchange) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            f"SELECT {_LISTED}, '' AS exchange FROM journal{where} "
            "ORDER BY seq DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_record(r) for r in rows], int(total["n"]) if total else 0

    def get(self, entry_id: int) -> JournalRecord | None:
        """One entry with its request, answer and explanation; None when unknown or dropped."""
        self.flush()
        row = self.store.fetchone("SELECT * FROM journal WHERE seq = ?", (entry_id,))
        return None if row is None else _record(row)

    def _count(self) -> int:
        row = self.store.fetchone("SELECT COUNT(*) AS n FROM journal")
        return int(row["n"]) if row else 0


def _text(value: str) -> str:
    """Text a request brought (a path, a signed string): PostgreSQL TEXT cannot hold NUL."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


# Every column but `exchange` (the bodies), which only the one-entry read needs.
_LISTED = (
    "seq, at, gateway, merchant_id, operation, method, path, status, scenario, rule, "
    "signature, note, signature_detail, explanation"
)


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
        explanation=row["explanation"],
    )
    return JournalRecord(row["seq"], parse_instant(row["at"]), entry, row["exchange"])
