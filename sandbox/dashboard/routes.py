"""The dashboard's routes, mounted under `/_sandbox` next to the admin API: the overview at
`/_sandbox/`, everything else under `/_sandbox/ui/` (so no path collides with an admin one).
HTML pages and form posts, not API: left out of the OpenAPI document."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from sandbox.dashboard import login, stream, views
from sandbox.dashboard.pages import HERE

ui_routes: list[BaseRoute] = [
    Route("/login", login.login_form, methods=["GET"], include_in_schema=False),
    Route("/login", login.login, methods=["POST"], include_in_schema=False),
    Route("/logout", login.logout, methods=["POST"], include_in_schema=False),
    Route("/events", stream.events, methods=["GET"], include_in_schema=False),
    Route("/orders", views.orders_page, methods=["GET"], include_in_schema=False),
    Route(
        "/orders/{gateway}/{order_id}", views.order_page, methods=["GET"], include_in_schema=False
    ),
    Route(
        "/orders/{gateway}/{order_id}/complete",
        views.complete_action,
        methods=["POST"],
        include_in_schema=False,
    ),
    Route("/trigger", views.trigger_action, methods=["POST"], include_in_schema=False),
    Route("/callbacks", views.callbacks_page, methods=["GET"], include_in_schema=False),
    Route(
        "/callbacks/resend-failed",
        views.resend_failed_action,
        methods=["POST"],
        include_in_schema=False,
    ),
    Route("/callbacks/{id}", views.callback_page, methods=["GET"], include_in_schema=False),
    Route("/callbacks/{id}/resend", views.resend_action, methods=["POST"], include_in_schema=False),
    Route("/requests", views.requests_page, methods=["GET"], include_in_schema=False),
    Route("/requests/{id}", views.request_page, methods=["GET"], include_in_schema=False),
    Route("/scenarios", views.scenarios_page, methods=["GET"], include_in_schema=False),
    Route("/scenarios/activate", views.activate_action, methods=["POST"], include_in_schema=False),
    Route("/scenarios/upload", views.upload_action, methods=["POST"], include_in_schema=False),
    Route("/clock", views.clock_page, methods=["GET"], include_in_schema=False),
    Route("/clock/advance", views.advance_action, methods=["POST"], include_in_schema=False),
    Route("/clock/set", views.set_clock_action, methods=["POST"], include_in_schema=False),
    Mount("/static", app=StaticFiles(directory=HERE / "static"), name="dashboard-static"),
]

routes: list[BaseRoute] = [
    Route("/", views.overview_page, methods=["GET"], include_in_schema=False),
    Mount("/ui", routes=ui_routes),
]
