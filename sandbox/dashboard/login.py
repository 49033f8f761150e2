"""The login form shown when an admin token is configured, and logging out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sandbox.admin.errors import AdminError
from sandbox.dashboard.pages import ROOT, admin_token, field, render, sessions_of
from sandbox.dashboard.session import csrf_matches, session_of, set_cookie, token_matches


async def login_form(request: Request) -> Response:
    sessions = sessions_of(request)
    session = session_of(request, sessions)
    token = admin_token(request)
    if token is None:
        return RedirectResponse(ROOT, status_code=303)
    new = session is None
    if session is None:
        session = sessions.new()
    response = render(request, session, "login.html", {})
    if new:
        set_cookie(response, session)
    return response


async def login(request: Request) -> Response:
    sessions = sessions_of(request)
    session = session_of(request, sessions)
    form = await request.form()
    token = admin_token(request)
    if token is None:
        return RedirectResponse(ROOT, status_code=303)
    if session is None or not csrf_matches(session, field(form, "csrf")):
        fresh = session or sessions.new()
        error = AdminError(403, "csrf", "the login form expired: load it again")
        response = render(request, fresh, "login.html", {"error": error}, 403)
        set_cookie(response, fresh)
        return response
    if not token_matches(token, field(form, "token")):
        error = AdminError(401, "unauthorized", "that is not the admin token")
        return render(request, session, "login.html", {"error": error}, 401)
    # A new session id at login: an id planted in the browser before it is worth nothing.
    sessions.drop(session)
    signed_in = sessions.new(authenticated=True)
    response = RedirectResponse(ROOT, status_code=303)
    set_cookie(response, signed_in)
    return response


async def logout(request: Request) -> Response:
    sessions = sessions_of(request)
    session = session_of(request, sessions)
    form = await request.form()
    if session is not None and csrf_matches(session, field(form, "csrf")):
        sessions.drop(session)
    return RedirectResponse(ROOT, status_code=303)
