"""Naming a failed attempt's error from the exception httpx raised."""

from __future__ import annotations

import socket

import httpx
import pytest

from sandbox.delivery.transport import classify


def _caused(outer: Exception, cause: BaseException) -> Exception:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ReadTimeout("slow"), "timeout"),
        (TimeoutError(), "timeout"),
        (_caused(httpx.ConnectError("x"), ConnectionRefusedError(111, "refused")), "refused"),
        (httpx.ConnectError("[Errno 111] Connection refused"), "refused"),
        (_caused(httpx.ConnectError("x"), socket.gaierror(-2, "Name or service not known")), "dns"),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "dns"),
        (httpx.ReadError("peer reset"), "reset"),
        (_caused(httpx.ReadError("x"), ConnectionResetError()), "reset"),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), "reset"),
        (httpx.RemoteProtocolError("illegal status line: bytearray(b'NOT')"), "invalid-response"),
        (httpx.DecodingError("bad gzip"), "invalid-response"),
        (httpx.UnsupportedProtocol("ftp"), "invalid-url"),
    ],
)
def test_classify(exc: Exception, kind: str) -> None:
    assert classify(exc) == kind
