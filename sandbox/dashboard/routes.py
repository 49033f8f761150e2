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


def _page(path: str, module: str, name: str, method: str = "GET") -> Route:
    """A dashboard page or form post, its module imported lazily, left out of the OpenAPI."""
    return Route(path, _lazy(module, name), methods=[method], include_in_schema=False)


ui_routes: list[BaseRoute] = [
    _page("/login", "login", "login_form"),
    _page("/login", "login", "login", "POST"),
    _page("/logout", "login", "logout", "POST"),
    _page("/events", "stream", "events"),
    _page("/orders", "views", "orders_page"),
    _page("/orders/{gateway}/{order_id}", "views", "order_page"),
    _page("/orders/{gateway}/{order_id}/complete", "views", "complete_action", "POST"),
    _page("/trigger", "views", "trigger_action", "POST"),
    _page("/callbacks", "views", "callbacks_page"),
    _page("/callbacks/resend-failed", "views", "resend_failed_action", "POST"),
    _page("/callbacks/{id}", "views", "callback_page"),
    _page("/callbacks/{id}/resend", "views", "resend_action", "POST"),
    _page("/requests", "views", "requests_page"),
    _page("/requests/{id}", "views", "request_page"),
    _page("/scenarios", "views", "scenarios_page"),
    _page("/scenarios/activate", "views", "activate_action", "POST"),
    _page("/scenarios/upload", "views", "upload_action", "POST"),
    _page("/clock", "views", "clock_page"),
    _page("/clock/advance", "views", "advance_action", "POST"),
    _page("/clock/set", "views", "set_clock_action", "POST"),
    Mount("/static", app=StaticFiles(directory=HERE / "static"), name="dashboard-static"),
]

routes: list[BaseRoute] = [
    _page("/", "views", "overview_page"),
    Mount("/ui", routes=ui_routes),
]
