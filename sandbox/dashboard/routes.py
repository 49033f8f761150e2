"""The dashboard's routes, mounted under `/_sandbox` next to the admin API: the overview at
`/_sandbox/`, everything else under `/_sandbox/ui/` (so no path collides with an admin one)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from sandbox.dashboard import login, stream, views
from sandbox.dashboard.pages import HERE

ui_routes: list[BaseRoute] = [
    Route("/login", login.login_form, methods=["GET"]),
    Route("/login", login.login, methods=["POST"]),
    Route("/logout", login.logout, methods=["POST"]),
    Route("/events", stream.events, methods=["GET"]),
    Route("/orders", views.orders_page, methods=["GET"]),
    Route("/orders/{gateway}/{order_id}", views.order_page, methods=["GET"]),
    Route("/orders/{gateway}/{order_id}/complete", views.complete_action, methods=["POST"]),
    Route("/trigger", views.trigger_action, methods=["POST"]),
    Route("/callbacks", views.callbacks_page, methods=["GET"]),
    Route("/callbacks/resend-failed", views.resend_failed_action, methods=["POST"]),
    Route("/callbacks/{id}", views.callback_page, methods=["GET"]),
    Route("/callbacks/{id}/resend", views.resend_action, methods=["POST"]),
    Route("/requests", views.requests_page, methods=["GET"]),
    Route("/scenarios", views.scenarios_page, methods=["GET"]),
    Route("/scenarios/activate", views.activate_action, methods=["POST"]),
    Route("/scenarios/upload", views.upload_action, methods=["POST"]),
    Route("/clock", views.clock_page, methods=["GET"]),
    Route("/clock/advance", views.advance_action, methods=["POST"]),
    Route("/clock/set", views.set_clock_action, methods=["POST"]),
    Mount("/static", app=StaticFiles(directory=HERE / "static"), name="dashboard-static"),
]

routes: list[BaseRoute] = [
    Route("/", views.overview_page, methods=["GET"]),
    Mount("/ui", routes=ui_routes),
]
