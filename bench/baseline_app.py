"""The baseline for benchmarks: a bare Starlette app that parses a JSON body and answers JSON.

`POST /echo` reads the request's JSON body and answers a small JSON object built from it, the
least any JSON API does per request (the pay-in benchmarks send it the very bodies they send the
sandbox); `GET /_sandbox/health` answers a fixed body (the start-up benchmark polls it). Run as a
script (`python bench/baseline_app.py --port N`) it is served exactly as `sandbox serve` serves
the sandbox: a socket bound beforehand, the same uvicorn settings (`sandbox.serving`).
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "version": "baseline"})


async def echo(request: Request) -> JSONResponse:
    data = await request.json()
    return JSONResponse({"code": 0, "received": len(data), "sign": data.get("sign")})


app = Starlette(
    routes=[
        Route("/_sandbox/health", health, methods=["GET"]),
        Route("/echo", echo, methods=["POST"]),
    ]
)


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    from sandbox.serving import server_config

    parser = argparse.ArgumentParser(description="Serve the bare Starlette baseline app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    uvicorn.Server(server_config(app)).run(sockets=[listener])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
