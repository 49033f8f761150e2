"""Slow, idle and malformed clients: the limits `sandbox serve` sets on uvicorn, over real sockets.

The deadlines are shortened here (the protocol class and options are the real ones) so the test
does not wait the production 10 s.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from support.server import RunningSandbox, run_sandbox

from sandbox.serving import (
    KEEP_ALIVE_S,
    MAX_CONCURRENCY,
    REQUEST_TIMEOUT_S,
    SandboxHttpProtocol,
    server_config,
)

pytestmark = pytest.mark.postgres


class QuickDeadline(SandboxHttpProtocol):
    request_timeout_s = 0.5


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    options = {"http": QuickDeadline, "timeout_keep_alive": 1}
    with run_sandbox(module_db_flags, server_options=options) as sandbox:
        yield sandbox


def connect(running: RunningSandbox) -> socket.socket:
    host, port = running.url.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)), timeout=10)
    return conn


def closed_within(conn: socket.socket, seconds: float) -> bool:
    """Whether the server closes `conn` within `seconds` (reading whatever it sends first)."""
    conn.settimeout(seconds)
    started = time.monotonic()
    try:
        while conn.recv(65536):
            if time.monotonic() - started > seconds:
                return False
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def test_the_serve_configuration_sets_every_limit() -> None:
    config = server_config(object())
    assert config.http is SandboxHttpProtocol
    assert config.timeout_keep_alive == KEEP_ALIVE_S == 5
    assert config.limit_concurrency == MAX_CONCURRENCY
    assert SandboxHttpProtocol.request_timeout_s == REQUEST_TIMEOUT_S == 10.0
    assert config.timeout_graceful_shutdown is not None


def test_a_connection_that_never_sends_is_closed(running: RunningSandbox) -> None:
    with connect(running) as conn:
        assert closed_within(conn, 5)


def test_a_half_sent_request_head_is_closed(running: RunningSandbox) -> None:
    with connect(running) as conn:
        conn.sendall(b"GET /_sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert closed_within(conn, 5)


def test_a_half_sent_body_is_closed(running: RunningSandbox) -> None:
    with connect(running) as conn:
        conn.sendall(
            b"POST /v4/balance HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"a":'
        )
        assert closed_within(conn, 5)


def test_an_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout(
    running: RunningSandbox,
) -> None:
    with connect(running) as conn:
        conn.sendall(b"GET /_sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        reply = b""
        while b'"ok"' not in reply:
            reply += conn.recv(65536)
        assert reply.startswith(b"HTTP/1.1 200")
        assert closed_within(conn, 5)


def test_a_client_sending_requests_steadily_is_not_cut_off(running: RunningSandbox) -> None:
    with connect(running) as conn:
        for _ in range(4):
            conn.sendall(b"GET /_sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            reply = b""
            while b'"ok"' not in reply:
                chunk = conn.recv(65536)
                assert chunk, "closed while the client was active"
                reply += chunk
            time.sleep(0.3)


def test_a_malformed_request_gets_json_400_with_the_version(running: RunningSandbox) -> None:
    with connect(running) as conn:
        conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"x-sandbox-version" in head.lower()
    assert b'"bad_request"' in body
