"""A fast merchant callback handler for the delivery benchmark: a bare ASGI app on uvicorn.

`POST` anything → 200 `{}` (`--body success` acks GoldenPay and TrustPay alike). With
`--fail-first`, the first request carrying a given `X-Sandbox-Callback-Id` gets 500 (so every
callback needs exactly one retry).
Run as a script: `python bench/callback_receiver.py --port N [--fail-first] [--body TEXT]`.
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def make_app(
    fail_first: bool, body: bytes = b"{}"
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    seen: set[bytes] = set()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        status = 200
        if fail_first:
            callback_id = dict(scope["headers"]).get(b"x-sandbox-callback-id", b"")
            if callback_id not in seen:
                seen.add(callback_id)
                status = 500
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve a fast callback receiver.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fail-first", action="store_true")
    parser.add_argument("--body", default="{}", help="the reply body (default {})")
    args = parser.parse_args(argv)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    config = uvicorn.Config(
        make_app(args.fail_first, args.body.encode()),
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
        date_header=False,
        backlog=4096,
    )
    uvicorn.Server(config).run(sockets=[listener])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
