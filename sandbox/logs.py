"""Logging set-up and the transaction log: readable text, or one JSON object per line.

The transaction log is one line per gateway request (logger `sandbox.requests`) and one per
callback attempt (`sandbox.callbacks`), at INFO. Each line's fields also travel as the record's
`fields`, which the JSON formatter writes as keys of their own. Nothing is formatted when INFO
is off for those loggers (`--log-level warning`): the callers ask `isEnabledFor` first.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}

requests_log = logging.getLogger("sandbox.requests")
callbacks_log = logging.getLogger("sandbox.callbacks")

# Libraries that log a line per HTTP request of their own (httpx: `HTTP Request: POST ...`);
# the transaction log says the same, once, with more.
_CHATTY = ("httpx", "httpcore", "aiohttp", "aiohttp.access", "aiohttp.client")


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`asctime levelname name: message`, the date and time part formatted once per second."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self._second = -1
        self._shown = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._second = second
            self._shown = time.strftime(self.default_time_format, self.converter(second))
        return f"{self._shown},{int(record.msecs):03d}"


def configure_logging(log_format: str, level: int | str = logging.INFO) -> None:
    if isinstance(level, str):
        level = LEVELS[level]
    # Neither format shows the caller's file and line, thread or process: records skip
    # finding them (the logging guide's own optimisation, a stack walk per line saved).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonLineFormatter())
    else:
        handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own start/stop chatter is replaced by the sandbox banner.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)


def log_banner(text: str, url: str) -> None:
    """The start-up banner as one record (JSON mode: the log stream, not stdout)."""
    logging.getLogger("sandbox").info(
        text.splitlines()[0], extra={"fields": {"event": "banner", "url": url, "banner": text}}
    )


def log_gateway_request(
    *,
    method: str,
    path: str,
    gateway: str,
    operation: str,
    status: int,
    answer: str,
    signature: str,
    rule: str | None,
    latency_ms: float,
) -> None:
    """`POST /v4/payin trustpay create_payin 200 880001 sign=ok (raw) rule=- 3.2ms`."""
    fields = {
        "event": "request",
        "method": method,
        "path": path,
        "gateway": gateway,
        "operation": operation,
        "status": status,
        "answer": answer,
        "signature": signature,
        "rule": rule,
        "latency_ms": round(latency_ms, 3),
    }
    requests_log.info(
        "%s %s %s %s %s %s sign=%s rule=%s %.1fms",
        method,
        path,
        gateway,
        operation,
        status,
        answer or "-",
        signature,
        rule or "-",
        latency_ms,
        extra={"fields": fields},
    )


def log_callback_attempt(
    *,
    message_id: str,
    number: int,
    url: str,
    status: int | None,
    error: str | None,
    latency_ms: float,
    verdict: str,
    next_retry: str | None,
) -> None:
    """`cb_12 #2 http://... 500 31.0ms retry next=2026-...` (error class instead of a status)."""
    fields = {
        "event": "attempt",
        "callback": message_id,
        "attempt": number,
        "url": url,
        "status": status,
        "error": error,
        "latency_ms": round(latency_ms, 3),
        "verdict": verdict,
        "next_retry": next_retry,
    }
    callbacks_log.info(
        "%s #%d %s %s %.1fms %s next=%s",
        message_id,
        number,
        url,
        error if error is not None else status,
        latency_ms,
        verdict,
        next_retry or "-",
        extra={"fields": fields},
    )
