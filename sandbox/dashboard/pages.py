"""Rendering and the rules every dashboard page and action shares: session, login, CSRF.

`page(view)` wraps a view that returns `(template, context)`; `action(handler)` wraps a form
POST that returns where to go next. Both find (or start) the visitor's session; with an admin
token configured, both send a visitor who has not logged in to the login form. An action is
refused (403) unless its `csrf` field matches the session's token. A handler's `AdminError`
(the same refusals the admin API answers) comes back as the page with the message, and the
admin API's status code.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from sandbox import __version__
from sandbox.admin.errors import AdminError
from sandbox.dashboard.session import Session, Sessions, csrf_matches, session_of, set_cookie
from sandbox.runtime import Sandbox
from sandbox.security import admin_token_for

HERE = Path(__file__).parent
ROOT = "/_sandbox/"
UI = "/_sandbox/ui"
LOGIN = f"{UI}/login"
PAGE_SIZE = 50

templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)

View = Callable[[Request], Awaitable[tuple[str, dict[str, Any]]]]
Handler = Callable[[Request, FormData], Awaitable[str]]


def sandbox_of(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def sessions_of(request: Request) -> Sessions:
    return sandbox_of(request).state("dashboard.sessions", Sessions)


def admin_token(request: Request) -> str | None:
    return admin_token_for(sandbox_of(request).settings)


def _visitor(request: Request) -> tuple[Session, bool]:
    """The visitor's session, and whether it is new (its cookie must be set)."""
    sessions = sessions_of(request)
    session = session_of(request, sessions)
    if session is not None:
        return session, False
    return sessions.new(authenticated=admin_token(request) is None), True


def _may_see(request: Request, session: Session) -> bool:
    return admin_token(request) is None or session.authenticated


def render(
    request: Request,
    session: Session,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    sandbox = sandbox_of(request)
    full = {
        "csrf": session.csrf,
        "logged_in": session.authenticated and admin_token(request) is not None,
        "clock": sandbox.clock.snapshot(),
        "version": __version__,
        "ui": UI,
        "root": ROOT,
        "flash": request.query_params.get("done", ""),
        **context,
    }
    return templates.TemplateResponse(request, template, full, status_code=status)


def page(view: View) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        # Wall time on purpose (how long rendering took, not sandbox time): `Server-Timing`.
        started = time.perf_counter()
        session, new = _visitor(request)
        if not _may_see(request, session):
            response: Response = RedirectResponse(LOGIN, status_code=303)
        else:
            try:
                template, context = await view(request)
                response = render(request, session, template, context)
            except AdminError as exc:
                response = render(request, session, "error.html", {"error": exc}, exc.status)
        if new:
            set_cookie(response, session)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response.headers["server-timing"] = f"render;dur={elapsed_ms:.1f}"
        return response

    return endpoint


def action(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        session = session_of(request, sessions_of(request))
        form = await request.form()
        if admin_token(request) is not None and (session is None or not session.authenticated):
            return RedirectResponse(LOGIN, status_code=303)
        if session is None or not csrf_matches(session, _text(form, "csrf")):
            shown = session or Session(id="", csrf="")  # not stored: a refusal starts nothing
            error = AdminError(403, "csrf", "this action needs the CSRF token of your session")
            return render(request, shown, "error.html", {"error": error}, 403)
        try:
            target = await handler(request, form)
        except AdminError as exc:
            return render(request, session, "error.html", {"error": exc}, exc.status)
        return RedirectResponse(target, status_code=303)

    return endpoint


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def field(form: FormData, name: str) -> str:
    """A form field's text, stripped; '' when absent."""
    return (_text(form, name) or "").strip()


def back(form: FormData, default: str, done: str = "") -> str:
    """Where an action returns to: its `back` field when it is a dashboard URL."""
    target = field(form, "back")
    if not target.startswith(ROOT) or target.startswith("//"):
        target = default
    if not done:
        return target
    joiner = "&" if "?" in target else "?"
    return f"{target}{joiner}{urlencode({'done': done})}"


def page_number(request: Request) -> int:
    text = request.query_params.get("page") or "1"
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise AdminError(400, "bad_request", f"page: {text!r} is not a whole number 1-1000000")
    return int(text)


def pager(request: Request, page_no: int, total: int, size: int = PAGE_SIZE) -> dict[str, Any]:
    """Links to the previous and next page, the query's filters kept."""
    last = max(1, -(-total // size))

    def link(number: int) -> str:
        query = {k: v for k, v in request.query_params.items() if k not in ("page", "done")}
        query["page"] = str(number)
        return f"{request.url.path}?{urlencode(query)}"

    return {
        "page": page_no,
        "last": last,
        "total": total,
        "previous": link(page_no - 1) if page_no > 1 else None,
        "next": link(page_no + 1) if page_no < last else None,
    }
