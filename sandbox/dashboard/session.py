"""Dashboard sessions: a cookie naming a server-side session that holds its CSRF token.

Every visitor gets a session on the first page (so even without an admin token every action
carries a per-session CSRF token a page on another site cannot read). With an admin token
configured, a session is only `authenticated` after the login form took the token; the session
id changes at login, so an id planted before it is worth nothing afterwards.
"""

from __future__ import annotations

import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "sandbox_session"
COOKIE_PATH = "/_sandbox/"
MAX_SESSIONS = 1000


@dataclass
class Session:
    id: str
    csrf: str
    authenticated: bool = False


class Sessions:
    """In memory, bounded (the oldest forgotten first): a restart logs everyone out."""

    def __init__(self) -> None:
        self._by_id: OrderedDict[str, Session] = OrderedDict()

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        return self._by_id.get(session_id)

    def new(self, *, authenticated: bool = False) -> Session:
        session = Session(secrets.token_urlsafe(24), secrets.token_urlsafe(24), authenticated)
        self._by_id[session.id] = session
        while len(self._by_id) > MAX_SESSIONS:
            self._by_id.popitem(last=False)
        return session

    def drop(self, session: Session) -> None:
        self._by_id.pop(session.id, None)


def csrf_matches(session: Session | None, given: str | None) -> bool:
    if session is None or not given:
        return False
    return hmac.compare_digest(session.csrf.encode(), given.encode())


def token_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def session_of(request: Request, sessions: Sessions) -> Session | None:
    return sessions.get(request.cookies.get(COOKIE))


def set_cookie(response: Response, session: Session) -> None:
    response.set_cookie(
        COOKIE, session.id, path=COOKIE_PATH, httponly=True, samesite="strict", secure=False
    )
