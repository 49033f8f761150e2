"""GET /_sandbox/requests: the journal of gateway API calls, newest first; GET requests/{id}:
one entry with the request and the answer (secrets and card numbers masked) and, for a refused
signature, what the sandbox expected and why it might differ."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.admin.errors import AdminError, gateway_query, query_int
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


def entry_detail(sandbox: Sandbox, given: str) -> dict[str, Any]:
    """Journal entry `given` (its id, as text) with the request, the answer and the explanation;
    404 when there is no such entry."""
    entry_id = int(given) if given.isascii() and given.isdigit() and len(given) < 19 else None
    record = None if entry_id is None else sandbox.journal.get(entry_id)
    if record is None:
        raise AdminError(404, "not_found", f"no journal entry {given!r} (it may have been dropped)")
    return record.to_json(detail=True)


async def show_request(request: Request) -> JSONResponse:
    return JSONResponse(entry_detail(request.app.state.sandbox, request.path_params["id"]))


routes = [
    Route("/requests", list_requests, methods=["GET"]),
    Route("/requests/{id}", show_request, methods=["GET"]),
]
