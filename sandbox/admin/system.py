"""Health, readiness, merchants and reset."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox import __version__
from sandbox.admin.errors import AdminError, paginate, read_json_object
from sandbox.runtime import ResetScope, Sandbox, known_gateway


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__})


async def ready(request: Request) -> JSONResponse:
    sandbox = _sandbox(request)
    store_ok = sandbox.store.ping()
    checks = {
        "store": "ok" if store_ok else "failed",
        "background": "running" if sandbox.running else "stopped",
        "dispatcher": "running" if sandbox.delivery.running else "stopped",
    }
    files = sandbox.scenarios.file_status()
    checks["scenarios"] = "ok" if all(f["status"] == "ok" for f in files) else "invalid"
    is_ready = store_ok and sandbox.running and sandbox.delivery.running
    body = {"ready": is_ready, "checks": checks, "version": __version__, "scenario_files": files}
    return JSONResponse(body, status_code=200 if is_ready else 503)


async def list_merchants(request: Request) -> JSONResponse:
    sandbox = _sandbox(request)
    gateway = request.query_params.get("gateway")
    if gateway is not None and not known_gateway(gateway):
        raise AdminError(400, "bad_request", f"gateway: unknown gateway {gateway!r}")
    items = [
        kind.describe(merchant)
        for kind, merchant in sandbox.merchants.all()
        if gateway is None or kind.gateway == gateway
    ]
    return JSONResponse(paginate(request, items))


async def reset(request: Request) -> JSONResponse:
    sandbox = _sandbox(request)
    body = await read_json_object(request, required=False)
    unknown = set(body) - {"gateway", "merchant", "clock"}
    if unknown:
        raise AdminError(400, "bad_request", f"unknown field(s): {', '.join(sorted(unknown))}")
    gateway, merchant, clock = body.get("gateway"), body.get("merchant"), body.get("clock", False)
    if not isinstance(clock, bool):
        raise AdminError(400, "bad_request", "clock: must be true or false")
    if (gateway is None) != (merchant is None):
        raise AdminError(400, "bad_request", "gateway and merchant go together")
    if gateway is not None:
        if not isinstance(gateway, str) or not known_gateway(gateway):
            raise AdminError(400, "bad_request", f"gateway: unknown gateway {gateway!r}")
        merchant = str(merchant)
        if sandbox.merchants.find(gateway, merchant) is None:
            raise AdminError(404, "not_found", f"merchant: no {gateway} merchant {merchant}")
    sandbox.reset(ResetScope(gateway=gateway, merchant=merchant, clock=clock))
    return JSONResponse({"reset": True, "gateway": gateway, "merchant": merchant, "clock": clock})


routes = [
    Route("/health", health, methods=["GET"]),
    Route("/ready", ready, methods=["GET"]),
    Route("/merchants", list_merchants, methods=["GET"]),
    Route("/reset", reset, methods=["POST"]),
]
