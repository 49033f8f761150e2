"""GET /_sandbox/openapi.json: every path the running app serves, as an OpenAPI 3.1 document.

Built from the app's own routing table on first request, so it lists exactly what is served: the
admin API, each gateway's endpoints at their real paths (the `/<gateway>/…` prefixed copies are
described once, in `info`), and the hosted pages. Summaries are the endpoints' first docstring
lines, or the route names the gateways give their endpoints; parameters and request bodies come
from `apispec`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from sandbox import __version__
from sandbox.admin.apispec import declare, with_gateway_names

if TYPE_CHECKING:
    from sandbox.gateways.plug import GatewayPlug


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _description(gateways: Sequence[GatewayPlug]) -> str:
    served = (
        f"A local stand-in for the {_and([g.title for g in gateways])} merchant APIs. Each gateway "
        f"is served at its real paths and again under {_and([f'/{g.name}' for g in gateways])}. "
        if gateways
        else "No gateway is served. "
    )
    return served + (
        "Admin endpoints under /_sandbox need `Authorization: Bearer <token>` when "
        "SANDBOX_ADMIN_TOKEN is set (except health, ready, the hosted pages and report downloads)."
    )


def walk(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from walk(route.routes, prefix + route.path)
        elif isinstance(route, Route) and route.include_in_schema:
            yield prefix + route.path, route


def tag_for(gateways: Sequence[GatewayPlug], path: str) -> str:
    if path.startswith("/_sandbox/pay/"):
        return "hosted pages"
    if path.startswith("/_sandbox/"):
        return "admin"
    for gateway in gateways:
        if path.startswith(gateway.real_prefixes):
            return gateway.name
    return "sandbox"


def summary_for(route: Route) -> str:
    doc = (route.endpoint.__doc__ or "").strip()
    if doc:
        return doc.splitlines()[0].strip()
    return route.name.replace("_", " ")


def build_document(routes: Iterable[BaseRoute], gateways: Sequence[GatewayPlug]) -> dict[str, Any]:
    copies = tuple(f"/{gateway.name}/" for gateway in gateways)
    paths: dict[str, dict[str, Any]] = {}
    for path, route in walk(routes):
        if path.startswith(copies) or path.endswith("/openapi.json"):
            continue
        methods = sorted(m.lower() for m in (route.methods or {"GET"}) if m != "HEAD")
        entry = paths.setdefault(path, {})
        tag = tag_for(gateways, path)
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
            declare(method, path, operation)
            entry[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Payment Gateway Sandbox",
            "version": __version__,
            "description": _description(gateways),
        },
        "paths": with_gateway_names(dict(sorted(paths.items())), [g.name for g in gateways]),
        "components": {"securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}}},
    }


def document_for(request: Request) -> dict[str, Any]:
    """The app's document, built on first use."""
    state = request.app.state
    document: dict[str, Any] | None = getattr(state, "openapi_document", None)
    if document is None:
        document = build_document(request.app.routes, state.sandbox.gateways)
        state.openapi_document = document
    return document


async def openapi(request: Request) -> JSONResponse:
    """This document: every path served, as OpenAPI 3.1."""
    return JSONResponse(document_for(request))


routes = [Route("/openapi.json", openapi, methods=["GET"])]
