"""How the sandbox runs under uvicorn: deliberate limits for idle, slow and malformed clients.

`server_config(app)` is what `sandbox serve` (and so the container's CMD) runs. Besides uvicorn's
own keep-alive timeout and concurrency limit, the HTTP protocol here adds what uvicorn lacks:

- a request deadline: from the moment a connection opens (or its last response ends) the client
  has `REQUEST_TIMEOUT_S` to send a whole request, head and body, or the connection is closed.
  An idle or half-sent connection therefore never stays open for ever;
- a request line or header block the parser refuses (malformed, or over its ~64 KiB limit) is
  answered with a JSON 400 carrying `X-Sandbox-Version`, like every other answer.

The limits are wall time: they protect the process, whatever the sandbox clock does.

`freeze_startup_heap()` runs once start-up is done (`sandbox serve`): what start-up built
(modules, the scenario library, the gateways, the merchants) lives as long as the process, so
the cyclic garbage collector stops walking it on every full collection.
"""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sandbox import __version__

KEEP_ALIVE_S = 5  # an idle keep-alive connection is closed after this long
REQUEST_TIMEOUT_S = 10.0  # a whole request (head and body) must arrive within this
MAX_CONCURRENCY = 1000  # connections and tasks at once; beyond it uvicorn answers 503
GRACEFUL_SHUTDOWN_S = 5  # on stop, requests in flight (e.g. long polls) get this long


class SandboxHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request deadline and a JSON answer to bad requests."""

    request_timeout_s = REQUEST_TIMEOUT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_request_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_request_deadline()
        super().connection_lost(exc)

    def on_message_complete(self) -> None:
        self._disarm_request_deadline()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_request_deadline()

    def send_400_response(self, msg: str) -> None:
        self._disarm_request_deadline()
        body = json.dumps(
            {
                "error": {
                    "code": "bad_request",
                    "message": "invalid HTTP request: malformed, or the request line or "
                    "headers are over the parser's 64 KiB limit",
                }
            }
        ).encode()
        head = [
            b"HTTP/1.1 400 Bad Request",
            b"content-type: application/json",
            b"content-length: " + str(len(body)).encode(),
            b"connection: close",
            b"x-sandbox-version: " + __version__.encode(),
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self.transport.close()

    def _arm_request_deadline(self) -> None:
        self._disarm_request_deadline()
        self._request_deadline = self.loop.call_later(self.request_timeout_s, self._too_slow)

    def _disarm_request_deadline(self) -> None:
        if self._request_deadline is not None:
            self._request_deadline.cancel()
            self._request_deadline = None

    def _too_slow(self) -> None:
        self._request_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def server_config(app: Any, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration `sandbox serve` uses, with its limits set on purpose."""
    options: dict[str, Any] = {
        "log_config": None,
        "access_log": False,
        "lifespan": "on",
        "server_header": False,
        "ws": "none",
        "http": SandboxHttpProtocol,
        "timeout_keep_alive": KEEP_ALIVE_S,
        "limit_concurrency": MAX_CONCURRENCY,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)


def freeze_startup_heap() -> None:
    """Move every object alive now out of the collector's reach (after collecting garbage, so
    none of it is kept for ever); objects made later are collected as usual."""
    gc.collect()
    gc.freeze()
    gc.enable()  # `sandbox serve` turns the collector off while it starts up
