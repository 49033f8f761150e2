"""The baseline for benchmarks: a bare Starlette app serving a fixed JSON body.

Run as a script (`python bench/baseline_app.py --port N`) it is served exactly as `sandbox serve`
serves the sandbox: a socket bound beforehand, the same uvicorn settings.
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


app = Starlette(routes=[Route("/_sandbox/health", health, methods=["GET"])])


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the bare Starlette baseline app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", server_header=False, ws="none"
    )
    uvicorn.Server(config).run(sockets=[listener])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
