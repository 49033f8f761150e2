"""A real local HTTP server that plays the merchant's callback handler, scriptable per test.

It listens on a free loopback port in a background thread, records every request (exact body
bytes and headers), and answers from a script: a queue of `Reply`s, then `default`. A reply can
be slow (longer than the sandbox's timeout), garbage (not HTTP), huge, a connection reset, or
`ACK`: the acknowledgement the callback's gateway expects.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

ReplyKind = Literal["http", "ack", "garbage", "reset"]

EZPAY_ACK = b'{"code":10000,"message":"Success"}'
GOLDENPAY_ACK = b"success"
# Acknowledges nothing but TrustPay (any 2xx): EzPay wants code 10000, GoldenPay `success`.
WRONG_ACK = b'{"code":1,"message":"not an acknowledgement"}'


@dataclass(frozen=True)
class Reply:
    """One answer: `status`, `body`, `headers`, a `delay` in seconds before answering, and a
    `kind` (`http`; `ack`: the right acknowledgement for the gateway; `garbage`; `reset`)."""

    status: int = 200
    body: bytes = b"ok"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds the merchant "thinks" before answering
    kind: ReplyKind = "http"


ACK = Reply(kind="ack")


@dataclass(frozen=True)
class Received:
    """A recorded request: `headers` have lower-case names, `body` the exact bytes."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # time.monotonic() on arrival

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def ack_body(body: bytes) -> bytes:
    """The acknowledgement the gateway of a callback body expects (by its shape)."""
    try:
        fields = json.loads(body)
    except ValueError:
        return b"ok"
    if isinstance(fields, dict) and set(fields) == {"sign", "param"}:
        return EZPAY_ACK
    if isinstance(fields, dict) and "mch_id" in fields:
        return GOLDENPAY_ACK
    return b"ok"


@dataclass
class Receiver:
    """The receiver's `url` and `port`, the `requests` it got, and its reply script."""

    url: str
    port: int
    default: Reply = field(default_factory=Reply)
    script: list[Reply] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, *replies: Reply) -> None:
        """Answer the next requests with these, in order, then with `default`."""
        with self.lock:
            self.script.extend(replies)

    def fail(self, status: int = 500, times: int = 1) -> None:
        """Answer the next `times` requests with HTTP `status`."""
        self.reply(*[Reply(status=status, body=b"merchant error")] * times)

    def slow(self, seconds: float, times: int = 1) -> None:
        """Acknowledge the next `times` requests only after `seconds`."""
        self.reply(*[Reply(kind="ack", delay=seconds)] * times)

    def wrong_ack(self, body: bytes = WRONG_ACK, times: int = 1) -> None:
        """Answer the next `times` requests HTTP 200 with a body that is not the ack."""
        self.reply(*[Reply(status=200, body=body)] * times)

    def next_reply(self) -> Reply:
        """The reply for the request that just arrived."""
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def record(self, received: Received) -> None:
        """Keep a request that arrived."""
        with self.lock:
            self.requests.append(received)

    def clear(self) -> None:
        """Forget the requests and the script."""
        with self.lock:
            self.requests.clear()
            self.script.clear()

    @property
    def bodies(self) -> list[bytes]:
        """The bodies received, in order."""
        with self.lock:
            return [r.body for r in self.requests]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like a real merchant server

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver.record(Received(self.command, self.path, headers, body, time.monotonic()))
            reply = receiver.next_reply()
            if reply.delay:
                time.sleep(reply.delay)
            if reply.kind == "garbage":
                self.wfile.write(b"THIS IS NOT HTTP\r\n\r\n")
                self.close_connection = True
                return
            if reply.kind == "reset":
                # SO_LINGER 0: close() sends RST instead of FIN.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                return
            content = ack_body(body) if reply.kind == "ack" else reply.body
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            try:
                self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the sandbox stopped reading (a huge reply)

        do_GET = do_POST

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # The sandbox closing a connection it gave up on (a timeout) is expected, not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def run_receiver(default: Reply | None = None, host: str = "127.0.0.1") -> Iterator[Receiver]:
    """A receiver on a free port of `host`, answering `default` (HTTP 200 `ok`) unless
    scripted; its `url` names 127.0.0.1 when it listens on every interface."""
    server = _QuietServer((host, 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    port = server.server_address[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    receiver = Receiver(url=f"http://{shown}:{port}", port=port, default=default or Reply())
    server.RequestHandlerClass = _handler(receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def refused_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()
    return port
