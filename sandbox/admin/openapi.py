"""GET /_sandbox/openapi.json: every path the running app serves, as an OpenAPI 3.1 document.

Built from the app's own routing table on first request, so it lists exactly what is served: the
admin API, each gateway's endpoints at their real paths (the `/<gateway>/…` prefixed copies are
described once, in `info`), and the hosted pages. Summaries are the endpoints' first docstring
lines, or the route names the gateways give their endpoints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from sandbox import __version__

GATEWAY_PREFIXES = {
    "/v2/": "trustpay",
    "/v3/": "trustpay",
    "/v4/": "trustpay",
    "/open-api/": "ezpay",
    "/api/v1/mch/": "goldenpay",
}
PREFIX_COPIES = ("/trustpay/", "/ezpay/", "/goldenpay/")

_DESCRIPTION = (
    "A local stand-in for the TrustPay, EzPay and GoldenPay merchant APIs. Each gateway is served "
    "at its real paths and again under /trustpay, /ezpay and /goldenpay. Admin endpoints under "
    "/_sandbox need `Authorization: Bearer <token>` when SANDBOX_ADMIN_TOKEN is set (except "
    "health, ready, the hosted pages and report downloads)."
)


def walk(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from walk(route.routes, prefix + route.path)
        elif isinstance(route, Route) and route.include_in_schema:
            yield prefix + route.path, route


def tag_for(path: str) -> str:
    if path.startswith("/_sandbox/pay/"):
        return "hosted pages"
    if path.startswith("/_sandbox/"):
        return "admin"
    for prefix, gateway in GATEWAY_PREFIXES.items():
        if path.startswith(prefix):
            return gateway
    return "sandbox"


def summary_for(route: Route) -> str:
    doc = (route.endpoint.__doc__ or "").strip()
    if doc:
        return doc.splitlines()[0].strip()
    return route.name.replace("_", " ")


def build_document(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, route in walk(routes):
        if path.startswith(PREFIX_COPIES) or path.endswith("/openapi.json"):
            continue
        methods = sorted(m.lower() for m in (route.methods or {"GET"}) if m != "HEAD")
        entry = paths.setdefault(path, {})
        tag = tag_for(path)
        for method in methods:
            operation: dict[str, Any] = {
                "summary": summary_for(route),
                "tags": [tag],
                "operationId": f"{method}_{route.name}_{len(paths)}",
                "responses": {
                    "default": {
                        "description": "described in docs/admin-api.md and the gateway pages"
                    }
                },
            }
            if tag == "admin" and not path.startswith(("/_sandbox/health", "/_sandbox/ready")):
                operation["security"] = [{"adminToken": []}, {}]
            entry[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Payment Gateway Sandbox",
            "version": __version__,
            "description": _DESCRIPTION,
        },
        "paths": dict(sorted(paths.items())),
        "components": {"securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}}},
    }


async def openapi(request: Request) -> JSONResponse:
    """This document: every path served, as OpenAPI 3.1."""
    state = request.app.state
    document = getattr(state, "openapi_document", None)
    if document is None:
        document = build_document(request.app.routes)
        state.openapi_document = document
    return JSONResponse(document)


routes = [Route("/openapi.json", openapi, methods=["GET"])]
