"""The dashboard's routes, mounted under `/_sandbox` next to the admin API: the overview at
`/_sandbox/`, everything else under `/_sandbox/ui/` (so no path collides with an admin one).
HTML pages and form posts, not API: left out of the OpenAPI document.

The page modules (Jinja2, sse-starlette) are imported on the first dashboard request, not when
the app is built: a sandbox that only serves gateways never loads them."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

HERE = Path(__file__).parent
Endpoint = Callable[[Request], Awaitable[Response]]


def _lazy(module: str, name: str) -> Endpoint:
    """`sandbox.dashboard.<module>.<name>`, imported when first called."""

    found: list[Endpoint] = []

    async def endpoint(request: Request) -> Response:
        if not found:
            found.append(getattr(importlib.import_module(f"sandbox.dashboard.{module}"), name))
        return await found[0](request)

    endpoint.__name__ = name
    return endpoint


ui_routes: list[BaseRoute] = [
    Route("/login", _lazy("login", "login_form"), methods=["GET"], include_in_schema=False),
    Route("/login", _lazy("login", "login"), methods=["POST"], include_in_schema=False),
    Route("/logout", _lazy("login", "logout"), methods=["POST"], include_in_schema=False),
    Route("/events", _lazy("stream", "events"), methods=["GET"], include_in_schema=False),
    Route("/orders", _lazy("views", "orders_page"), methods=["GET"], include_in_schema=False),
    Route(
        "/orders/{gateway}/{order_id}",
        _lazy("views", "order_page"),
        methods=["GET"],
        include_in_schema=False,
    ),
    Route(
        "/orders/{gateway}/{order_id}/complete",
        _lazy("views", "complete_action"),
        methods=["POST"],
        include_in_schema=False,
    ),
    Route("/trigger", _lazy("views", "trigger_action"), methods=["POST"], include_in_schema=False),
    Route("/callbacks", _lazy("views", "callbacks_page"), methods=["GET"], include_in_schema=False),
    Route(
        "/callbacks/resend-failed",
        _lazy("views", "resend_failed_action"),
        methods=["POST"],
        include_in_schema=False,
    ),
    Route(
        "/callbacks/{id}", _lazy("views", "callback_page"), methods=["GET"], include_in_schema=False
    ),
    Route(
        "/callbacks/{id}/resend",
        _lazy("views", "resend_action"),
        methods=["POST"],
        include_in_schema=False,
    ),
    Route("/requests", _lazy("views", "requests_page"), methods=["GET"], include_in_schema=False),
    Route(
        "/requests/{id}", _lazy("views", "request_page"), methods=["GET"], include_in_schema=False
    ),
    Route("/scenarios", _lazy("views", "scenarios_page"), methods=["GET"], include_in_schema=False),
    Route(
        "/scenarios/activate",
        _lazy("views", "activate_action"),
        methods=["POST"],
        include_in_schema=False,
    ),
    Route(
        "/scenarios/upload",
        _lazy("views", "upload_action"),
        methods=["POST"],
        include_in_schema=False,
    ),
    Route("/clock", _lazy("views", "clock_page"), methods=["GET"], include_in_schema=False),
    Route(
        "/clock/advance",
        _lazy("views", "advance_action"),
        methods=["POST"],
        include_in_schema=False,
    ),
    Route(
        "/clock/set", _lazy("views", "set_clock_action"), methods=["POST"], include_in_schema=False
    ),
    Mount("/static", app=StaticFiles(directory=HERE / "static"), name="dashboard-static"),
]

routes: list[BaseRoute] = [
    Route("/", _lazy("views", "overview_page"), methods=["GET"], include_in_schema=False),
    Mount("/ui", routes=ui_routes),
]
