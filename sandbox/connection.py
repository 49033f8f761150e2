"""Closing a request's connection without any answer (scenario `respond.drop`).

An ASGI app cannot normally do this: a handler that sends nothing makes the server answer 500.
`SandboxApp` (sandbox/app.py) records the server's transport in the scope; `drop_connection`
closes it, so the client sees the connection closed with no HTTP response at all. Anything the
handler writes afterwards is discarded by the closed transport.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

TRANSPORT_KEY = "sandbox.transport"


def remember_transport(scope: MutableMapping[str, Any], send: Any) -> None:
    """Keep the server's transport for this request (uvicorn's `send` is bound to its cycle)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None:
        scope[TRANSPORT_KEY] = transport


def drop_connection(request: Request) -> Response:
    """Close the connection now; the returned response is never seen by the client."""
    transport = request.scope.get(TRANSPORT_KEY)
    if transport is None:  # not under uvicorn (no transport to close): answer nothing useful
        return Response(status_code=444)
    transport.close()
    return Response(status_code=444)
