"""Run the real sandbox (or any ASGI app) on a free loopback port, in a background thread.

The server is the real thing: `create_app(settings)` under uvicorn, listening on a real socket;
callers talk to it only over HTTP.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from sandbox.app import create_app
from sandbox.gateways.installed import installed_gateways, select_gateways
from sandbox.runtime import Sandbox, open_sandbox
from sandbox.serving import server_config
from sandbox.settings import Settings, resolve_settings

START_TIMEOUT_S = 10


@dataclass
class RunningSandbox:
    """A sandbox served in this process: its `url`, resolved `settings`, the runtime `sandbox`
    and an `httpx.Client` on the URL."""

    url: str
    settings: Settings
    sandbox: Sandbox
    client: httpx.Client

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call /_sandbox/<path> (with the admin token when one is set)."""
        headers = dict(kwargs.pop("headers", {}))
        if self.settings.admin_token:
            headers.setdefault("Authorization", f"Bearer {self.settings.admin_token}")
        return self.client.request(
            method, f"/_sandbox/{path.lstrip('/')}", headers=headers, **kwargs
        )

    def advance(self, seconds: float) -> httpx.Response:
        """Move the manual clock by `seconds` (raises on an error answer)."""
        response = self.admin("POST", "clock/advance", json={"seconds": seconds})
        response.raise_for_status()
        return response


def free_socket(host: str = "127.0.0.1") -> socket.socket:
    """A listening-ready socket bound to a free port of `host`."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, 0))
    return listener


@contextmanager
def serve_asgi(
    app: ASGIApp, host: str = "127.0.0.1", config: uvicorn.Config | None = None
) -> Iterator[str]:
    """Serve an ASGI app (a merchant's app under test, say) on a free port of `host`; yields its
    URL (naming 127.0.0.1 when it listens on every interface). `config` replaces the plain
    uvicorn configuration (the sandbox itself runs with `sandbox serve`'s limits)."""
    listener = free_socket(host)
    port = listener.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if config is None:
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            listener.close()
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{shown}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()


@contextmanager
def run_sandbox(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    routes: Sequence[BaseRoute] = (),
    server_options: Mapping[str, Any] | None = None,
) -> Iterator[RunningSandbox]:
    """A running server with these settings (flag names as in Settings: `{"clock": "manual"}`);
    `routes` mounts extra (test-only) routes; `server_options` override the uvicorn options
    `sandbox serve` uses (e.g. shorter timeouts)."""
    installed = installed_gateways()
    kinds = [plug.merchants for plug in installed]
    settings = resolve_settings(dict(flags or {}), dict(environ or {}), kinds)
    gateways = select_gateways(installed, settings.gateways)
    sandbox = open_sandbox(settings, gateways)
    app = create_app(settings, sandbox, routes, gateways)
    config = server_config(app, **dict(server_options or {}))
    # Admin bodies must be JSON (scenario uploads may be YAML): the client says so by default, as
    # a merchant's JSON client does; a test may send another type.
    json_default = {"Content-Type": "application/json"}
    with (
        serve_asgi(app, config=config) as url,
        httpx.Client(base_url=url, timeout=30, headers=json_default) as client,
    ):
        yield RunningSandbox(url=url, settings=settings, sandbox=sandbox, client=client)
