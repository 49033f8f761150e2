"""GET /_sandbox/requests: the journal of gateway API calls, newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.admin.errors import gateway_query, query_int
from sandbox.runtime import Sandbox


async def list_requests(request: Request) -> JSONResponse:
    sandbox: Sandbox = request.app.state.sandbox
    query = request.query_params
    gateway = gateway_query(request)
    page = query_int(request, "page", 1, 1, 1_000_000)
    size = query_int(request, "page_size", 50, 1, 500)
    records, total = sandbox.journal.find(
        gateway=gateway,
        merchant=query.get("merchant") or None,
        operation=query.get("operation") or None,
        limit=size,
        offset=(page - 1) * size,
    )
    return JSONResponse({"items": [r.to_json() for r in records], "total": total})


routes = [Route("/requests", list_requests, methods=["GET"])]
