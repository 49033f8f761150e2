"""The sandbox's security model for a server reachable by others (e.g. a container on 0.0.0.0).

One pure ASGI layer enforces, on every request:

- **allowed hosts**: the `Host` header must name one of `allowed_hosts` (default: the local
  names plus the bound address when it is not a wildcard), so a web page cannot reach the
  sandbox through DNS rebinding. Refused with 421 and a JSON error naming the header;
- **JSON-only admin bodies**: a POST/PUT/PATCH/DELETE body to `/_sandbox/*` (hosted pages
  aside) must be `application/json` (a scenario upload may also be YAML), else 415. A browser
  cannot send those types cross-site without a CORS preflight, which the sandbox never grants;
- **no cross-site admin calls**: a state-changing admin request that a browser marks as coming
  from another site (`Origin` not an allowed host, or `Sec-Fetch-Site: cross-site`) gets 403,
  which covers body-less POSTs such as `reset`;
- **no cross-site hosted-page actions**: a POST to a hosted payment page (`/_sandbox/pay/*`)
  from another site's page gets 403 (the page's own form posts from its own origin);
- **dashboard actions**: a POST to `/_sandbox/ui/*` from another site's page (or a sibling
  site's) gets 403; the dashboard itself also requires its per-session CSRF token;
- **HTML pages** carry `Content-Security-Policy`, `X-Frame-Options: DENY` and
  `X-Content-Type-Options: nosniff`.

The admin token (`admin_token_for`) is generated at start-up when the server listens on a
non-loopback address without one; `SANDBOX_ADMIN_TOKEN=off` turns it off on purpose.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from collections.abc import Iterable
from dataclasses import replace

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.settings import Settings

LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
WILDCARDS = ("0.0.0.0", "::", "")
TOKEN_OFF = "off"
ADMIN_PREFIX = "/_sandbox/"
PAGE_PREFIX = "/_sandbox/pay/"
DASHBOARD_PREFIX = "/_sandbox/ui/"
UPLOAD_PATH = "/_sandbox/scenarios"
JSON_TYPES = (b"application/json",)
YAML_TYPES = (b"application/yaml", b"application/x-yaml", b"text/yaml", b"text/x-yaml")
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
HTML_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
]


# -- settings -------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def admin_token_for(settings: Settings) -> str | None:
    """The token the admin API requires: the configured one, none when `off`."""
    token = settings.admin_token
    return None if token is None or token.lower() == TOKEN_OFF else token


def with_generated_token(settings: Settings) -> tuple[Settings, bool]:
    """`settings` with a random admin token when it listens beyond loopback without one; and
    whether one was generated (the banner prints it)."""
    if settings.admin_token is not None or is_loopback(settings.host):
        return settings, False
    return replace(settings, admin_token=secrets.token_urlsafe(24)), True


def allowed_host_names(settings: Settings) -> tuple[str, ...]:
    if settings.allowed_hosts:
        return settings.allowed_hosts
    bound = settings.host
    if bound in WILDCARDS or bound in LOCAL_HOSTS:
        return LOCAL_HOSTS
    return (*LOCAL_HOSTS, f"[{bound}]" if ":" in bound and not bound.startswith("[") else bound)


class HostRule:
    """Host header names with or without a port; `*` allows any."""

    def __init__(self, names: Iterable[str]) -> None:
        self.any = False
        self.names: set[str] = set()  # any port
        self.with_port: set[str] = set()  # exactly "name:port"
        for raw in names:
            name = raw.strip().lower()
            if name == "*":
                self.any = True
            elif _split_port(name)[1] is not None:
                self.with_port.add(name)
            elif name:
                self.names.add(name)

    def allows(self, host: str) -> bool:
        if self.any:
            return True
        host = host.lower()
        return host in self.with_port or _split_port(host)[0] in self.names


def _split_port(host: str) -> tuple[str, str | None]:
    if host.startswith("["):
        end = host.find("]")
        rest = host[end + 1 :]
        return host[: end + 1], rest[1:] if rest.startswith(":") else None
    if host.count(":") == 1:
        name, port = host.split(":")
        return name, port
    return host, None


def _origin_host(origin: str) -> str | None:
    scheme, sep, rest = origin.partition("://")
    if not sep or scheme not in ("http", "https"):
        return None
    return rest.split("/")[0]


# -- middleware ------------------------------------------------------------------------------------


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hosts = HostRule(allowed_host_names(settings))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        host = headers.get(b"host", b"").decode("latin-1")
        if not self.hosts.allows(host):
            shown = host or "(none)"
            await _refuse(
                send,
                421,
                "host_not_allowed",
                f"Host header {shown!r} is not an allowed host: add it to SANDBOX_ALLOWED_HOSTS",
            )
            return
        path: str = scope["path"]
        if scope["method"] in UNSAFE_METHODS and path.startswith(ADMIN_PREFIX):
            if path.startswith(PAGE_PREFIX):
                refusal = self._page_refusal(headers)
            elif path.startswith(DASHBOARD_PREFIX):
                # Dashboard forms post HTML form bodies; their CSRF token is checked by the
                # dashboard, the browser's own word on where the post came from here.
                refusal = self._dashboard_refusal(headers)
            else:
                refusal = self._admin_refusal(path, headers)
            if refusal is not None:
                await _refuse(send, *refusal)
                return
        await self.app(scope, receive, _with_page_headers(send))

    def _cross_site(self, headers: dict[bytes, bytes]) -> bool:
        origin = headers.get(b"origin")
        return headers.get(b"sec-fetch-site") == b"cross-site" or (
            origin is not None and not self.hosts.allows(_origin_host(origin.decode()) or "")
        )

    def _page_refusal(self, headers: dict[bytes, bytes]) -> tuple[int, str, str] | None:
        # A hosted page's own form posts from the page's origin; a form on another site must
        # not pay or fail an order behind the payer's back.
        if self._cross_site(headers):
            return 403, "cross_site", "hosted-page actions from another site's page are refused"
        return None

    def _dashboard_refusal(self, headers: dict[bytes, bytes]) -> tuple[int, str, str] | None:
        if self._cross_site(headers) or headers.get(b"sec-fetch-site") == b"same-site":
            return 403, "cross_site", "dashboard actions from another site's page are refused"
        return None

    def _admin_refusal(self, path: str, headers: dict[bytes, bytes]) -> tuple[int, str, str] | None:
        if self._cross_site(headers):
            return 403, "cross_site", "admin requests from another site's page are refused"
        length = headers.get(b"content-length", b"0")
        has_body = b"transfer-encoding" in headers or length not in (b"0", b"")
        if not has_body:
            return None
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        allowed = JSON_TYPES + YAML_TYPES if path == UPLOAD_PATH else JSON_TYPES
        if kind in allowed:
            return None
        names = ", ".join(t.decode() for t in allowed)
        return 415, "unsupported_media_type", f"Content-Type must be {names}"


def _with_page_headers(send: Send) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = message.get("headers", [])
            if any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                message["headers"] = [*headers, *HTML_HEADERS]
        await send(message)

    return send_with_headers


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
