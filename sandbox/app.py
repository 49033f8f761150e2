"""`create_app(settings)`: the one ASGI app serving every gateway, the admin API and the pages."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox import __version__
from sandbox.admin import apidocs as admin_apidocs
from sandbox.admin import callbacks as admin_callbacks
from sandbox.admin import check as admin_check
from sandbox.admin import clock as admin_clock
from sandbox.admin import events as admin_events
from sandbox.admin import openapi as admin_openapi
from sandbox.admin import orders as admin_orders
from sandbox.admin import requests as admin_requests
from sandbox.admin import scenarios as admin_scenarios
from sandbox.admin import system as admin_system
from sandbox.admin.errors import AdminError, admin_error_response
from sandbox.connection import remember_transport
from sandbox.dashboard.routes import routes as dashboard_routes
from sandbox.gateways.envelopes import FaultEnvelopes, fault_envelopes_for
from sandbox.gateways.installed import installed_gateways, select_gateways
from sandbox.gateways.plug import GatewayPlug
from sandbox.runtime import Sandbox, open_sandbox
from sandbox.security import SecurityMiddleware, admin_token_for
from sandbox.settings import Settings
from sandbox.store.orders import change_cause
from sandbox.unknown_paths import answer_unknown

MAX_BODY_BYTES = 1024 * 1024
ADMIN_PREFIX = "/_sandbox/"
# Reachable without the admin token: a browser or a container health check must get there.
OPEN_ADMIN_PATHS = ("/_sandbox/health", "/_sandbox/ready")
OPEN_ADMIN_PREFIXES = ("/_sandbox/pay/", "/_sandbox/reports/")
# The dashboard checks the admin token itself: a login form, then a session cookie.
DASHBOARD_PATHS = ("/_sandbox/",)
DASHBOARD_PREFIX = "/_sandbox/ui/"

log = logging.getLogger("sandbox")


def create_app(
    settings: Settings,
    sandbox: Sandbox | None = None,
    extra_routes: Sequence[BaseRoute] = (),
    gateways: Sequence[GatewayPlug] | None = None,
) -> Starlette:
    """The app serving `gateways` (default: the installed ones `settings.gateways` selects);
    `extra_routes` lets tests mount a stand-in gateway next to the real ones."""
    if gateways is None:
        gateways = select_gateways(installed_gateways(), settings.gateways)
    sandbox = sandbox or open_sandbox(settings, gateways)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await sandbox.start()
        try:
            yield
        finally:
            await sandbox.stop()

    admin_routes: list[Any] = [
        *admin_system.routes,
        *admin_clock.routes,
        *admin_callbacks.routes,
        *admin_requests.routes,
        *admin_scenarios.routes,
        *admin_orders.routes,
        *admin_openapi.routes,
        *admin_check.routes,
        *admin_apidocs.routes,
        *admin_events.routes,
        *dashboard_routes,
    ]
    gateway_routes: list[BaseRoute] = []
    for gateway in sandbox.gateways:
        admin_routes += gateway.admin_routes
        if gateway.pages:
            admin_routes.append(Mount(f"/pay/{gateway.name}", routes=list(gateway.pages)))
        if gateway.routes:
            gateway_routes += gateway.routes
            gateway_routes.append(Mount(f"/{gateway.name}", routes=list(gateway.routes)))
        sandbox.start_hooks.extend(gateway.on_start)
    app = SandboxApp(
        routes=[
            *extra_routes,
            *gateway_routes,
            Mount("/_sandbox", routes=admin_routes),
            Route("/", index, methods=["GET"]),
        ],
        exception_handlers={
            HTTPException: http_exception,
            AdminError: admin_exception,
            Exception: internal_error,
        },
        lifespan=lifespan,
    )
    app.state.sandbox = sandbox
    faults = tuple(gateway.faults for gateway in sandbox.gateways)
    app.state.faults = faults
    app.add_middleware(SecurityMiddleware, settings=settings)
    app.add_middleware(SandboxMiddleware, admin_token=admin_token_for(settings), faults=faults)
    return app


class SandboxApp(Starlette):
    """Starlette that keeps the server transport in the scope (for `respond.drop`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            remember_transport(scope, send)
            replicas = self.state.sandbox.replicas
            if replicas is not None:
                replicas.refresh()  # what another replica changed holds from this request on
        await super().__call__(scope, receive, send)


async def index(request: Request) -> JSONResponse:
    sandbox: Sandbox = request.app.state.sandbox
    return JSONResponse(
        {
            "name": "Payment Gateway Sandbox",
            "version": __version__,
            "admin": "/_sandbox/",
            "gateways": {
                gateway.name: [
                    *(f"{prefix}…" for prefix in gateway.real_prefixes),
                    f"/{gateway.name}/…",
                ]
                for gateway in sandbox.gateways
            },
        }
    )


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = error_response_for(request.app.state.faults, request.url.path, exc.status_code)
    if exc.status_code == 404:
        return await answer_unknown(request, response)
    return response


async def admin_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AdminError)
    return admin_error_response(exc.status, exc.code, exc.message)


async def internal_error(request: Request, exc: Exception) -> Response:
    # Starlette answers this one from its outermost middleware, outside SandboxMiddleware.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    response = admin_error_response(500, "internal_error", f"internal error: {type(exc).__name__}")
    response.headers["x-sandbox-version"] = __version__
    # uvicorn closes the connection after an unhandled error; say so, so a keep-alive client
    # opens a new one instead of having its next request reset.
    response.headers["connection"] = "close"
    return response


def error_response_for(served: Sequence[FaultEnvelopes], path: str, status: int) -> Response:
    """404/405 in the shape of whoever owns the path: a gateway's envelope or the admin one."""
    faults = fault_envelopes_for(served, path)
    if faults is not None and status == 404:
        return JSONResponse(faults.not_found(path), status_code=404)
    if faults is not None and status == 405 and faults.method_not_allowed is not None:
        return JSONResponse(faults.method_not_allowed, status_code=405)
    if status == 405:
        return admin_error_response(405, "method_not_allowed", f"{path} does not take this method")
    if status == 404:
        return admin_error_response(404, "not_found", f"no such path: {path}")
    return admin_error_response(status, "http_error", f"HTTP {status}")


class SandboxMiddleware:
    """Cross-cutting rules for every request, as one pure ASGI layer (cheap on the hot path).

    - `X-Sandbox-Version` on every response;
    - bodies over 1 MiB are refused with 413 in the owning gateway's envelope (or the admin one);
    - with an admin token, `/_sandbox/*` (but health, ready, pages, downloads) needs the Bearer.
    """

    def __init__(
        self, app: ASGIApp, admin_token: str | None, faults: Sequence[FaultEnvelopes]
    ) -> None:
        self.app = app
        self.faults = faults
        self.expected_auth = f"Bearer {admin_token}".encode() if admin_token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = dict(scope["headers"])

        if self.expected_auth is not None and _needs_admin_token(path):
            given = headers.get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected_auth):
                response = admin_error_response(
                    401, "unauthorized", "this endpoint needs Authorization: Bearer <admin token>"
                )
                await _send_response(response, send)
                return

        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await _send_response(_too_large(self.faults, path), send)
            return

        if length is None and b"transfer-encoding" in headers:
            # A chunked body is read here, whole, so that one over the limit is refused before
            # any endpoint sees it (an endpoint's own error frame would swallow the refusal).
            body = await _read_body(receive)
            if body is None:
                await _send_response(_too_large(self.faults, path), send)
                return
            receive = _replay(body, receive)

        started = False
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise _BodyTooLarge
            return message

        async def send_with_version(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-sandbox-version", __version__.encode()),
                ]
            await send(message)

        cause = change_cause.set(f"{scope['method']} {path}")
        try:
            await self.app(scope, counting_receive, send_with_version)
        except _BodyTooLarge:
            if not started:
                await _send_response(_too_large(self.faults, path), send)
        finally:
            change_cause.reset(cause)


class _BodyTooLarge(Exception):
    pass


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None once it passes the limit."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` that hands over the body read already, then waits on the connection again."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _needs_admin_token(path: str) -> bool:
    if not path.startswith(ADMIN_PREFIX):
        return False
    if path in DASHBOARD_PATHS or path.startswith(DASHBOARD_PREFIX):
        return False
    return path not in OPEN_ADMIN_PATHS and not path.startswith(OPEN_ADMIN_PREFIXES)


def _too_large(served: Sequence[FaultEnvelopes], path: str) -> Response:
    faults = fault_envelopes_for(served, path)
    if faults is not None:
        return JSONResponse(faults.too_large, status_code=413)
    return admin_error_response(
        413, "payload_too_large", f"request body too large (limit {MAX_BODY_BYTES} bytes, 1 MiB)"
    )


async def _send_response(response: Response, send: Send) -> None:
    response.headers["x-sandbox-version"] = __version__
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": response.body})
