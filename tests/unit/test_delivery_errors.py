"""Naming a failed attempt's error from the exception aiohttp raised (the fault suite checks the
same names over real sockets)."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from sandbox.delivery.transport import classify

KEY = ConnectionKey("merchant.example", 80, False, True, None, None, None)


def _caused(outer: Exception, cause: BaseException) -> Exception:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError(), "timeout"),
        (aiohttp.ServerTimeoutError("slow"), "timeout"),
        (aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(111, "refused")), "refused"),
        (aiohttp.ClientConnectorError(KEY, OSError(113, "no route")), "refused"),
        (aiohttp.ClientConnectorError(KEY, socket.gaierror(-2, "Name or service")), "dns"),
        (_caused(aiohttp.ClientOSError("x"), ConnectionResetError()), "reset"),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), "reset"),
        (aiohttp.ServerDisconnectedError(), "reset"),
        (aiohttp.ClientPayloadError("Response payload is not completed"), "reset"),
        (
            aiohttp.ClientResponseError(None, (), status=400, message="Bad status line"),
            "invalid-response",
        ),  # type: ignore[arg-type]
        (aiohttp.InvalidURL("ftp://merchant.example"), "invalid-url"),
    ],
)
def test_classify(exc: Exception, kind: str) -> None:
    assert classify(exc) == kind
