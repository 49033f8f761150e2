"""Health, readiness, merchants and reset."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox import __version__
from sandbox.admin.errors import (
    AdminError,
    gateway_query,
    paginate,
    read_json_object,
    reject_unknown_fields,
    require_merchant,
)
from sandbox.runtime import ResetScope, Sandbox


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
    gateway = gateway_query(request)
    items = [
        kind.describe(merchant)
        for kind, merchant in sandbox.merchants.all()
        if gateway is None or kind.gateway == gateway
    ]
    return JSONResponse(paginate(request, items))


async def reset(request: Request) -> JSONResponse:
    sandbox = _sandbox(request)
    body = await read_json_object(request, required=False)
    reject_unknown_fields(body, {"gateway", "merchant", "clock"})
    gateway, merchant, clock = body.get("gateway"), body.get("merchant"), body.get("clock", False)
    if not isinstance(clock, bool):
        raise AdminError(400, "bad_request", "clock: must be true or false")
    if (gateway is None) != (merchant is None):
        raise AdminError(400, "bad_request", "gateway and merchant go together")
    if gateway is not None:
        merchant = require_merchant(sandbox.merchants, gateway, merchant)
    sandbox.reset(ResetScope(gateway=gateway, merchant=merchant, clock=clock))
    return JSONResponse({"reset": True, "gateway": gateway, "merchant": merchant, "clock": clock})


routes = [
    Route("/health", health, methods=["GET"]),
    Route("/ready", ready, methods=["GET"]),
    Route("/merchants", list_merchants, methods=["GET"]),
    Route("/reset", reset, methods=["POST"]),
]
