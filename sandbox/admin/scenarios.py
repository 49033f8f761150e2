"""Scenario admin: list, activate (globally or per merchant), upload YAML."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.admin.errors import (
    AdminError,
    admin_error_response,
    paginate,
    read_json_object,
    reject_unknown_fields,
    require_merchant,
)
from sandbox.runtime import Sandbox
from sandbox.scenarios.loader import ScenarioError
from sandbox.scenarios.service import SelectionError

UPLOAD_NAME = "upload.yaml"


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


async def list_scenarios(request: Request) -> JSONResponse:
    scenarios = _sandbox(request).scenarios
    gateway = request.query_params.get("gateway")
    items = scenarios.describe()
    if gateway is not None:
        items = [item for item in items if item["gateway"] in (gateway, "*")]
    body = paginate(request, items)
    body["selection"] = scenarios.selection.to_json()
    return JSONResponse(body)


async def set_active(request: Request) -> JSONResponse:
    body = await read_json_object(request)
    return JSONResponse(set_selection(_sandbox(request), body))


def set_selection(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """Activate `names` globally or for one merchant (`null` clears a merchant's); the selection."""
    reject_unknown_fields(body, {"names", "merchant", "gateway"})
    names = _names(body)
    gateway, merchant = body.get("gateway"), body.get("merchant")
    if merchant is not None and gateway is None:
        raise AdminError(400, "bad_request", "merchant needs gateway: a merchant id is per gateway")
    if gateway is not None and merchant is None:
        raise AdminError(400, "bad_request", "gateway only goes with merchant")
    if gateway is not None:
        merchant = require_merchant(sandbox.merchants, gateway, merchant)
    if names is None:
        if merchant is None:
            raise AdminError(400, "bad_request", "names: null only clears a merchant's selection")
        sandbox.scenarios.selection.set_merchant(str(gateway), merchant, None)
        sandbox.scenarios.changed()
    else:
        try:
            sandbox.scenarios.activate(names, gateway, merchant)
        except SelectionError as exc:
            raise AdminError(404, "not_found", str(exc)) from None
    selection: dict[str, Any] = sandbox.scenarios.selection.to_json()
    return selection


def _names(body: dict[str, Any]) -> tuple[str, ...] | None:
    if "names" not in body:
        raise AdminError(400, "bad_request", "names: required (a list of scenario names)")
    names = body["names"]
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise AdminError(400, "bad_request", "names: must be a list of scenario names")
    return tuple(dict.fromkeys(names))


async def upload(request: Request) -> JSONResponse:
    sandbox = _sandbox(request)
    file = request.query_params.get("file") or UPLOAD_NAME
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise AdminError(400, "bad_request", "the body must be UTF-8 YAML text") from None
    try:
        body = upload_scenario(sandbox, text, file)
    except ScenarioError as exc:
        return admin_error_response(
            422,
            "invalid_scenario",
            f"{len(exc.errors)} error(s) in {file}",
            errors=exc.messages,
        )
    return JSONResponse(body, status_code=201)


def upload_scenario(sandbox: Sandbox, text: str, file: str) -> dict[str, Any]:
    """Add a scenario from YAML text; `ScenarioError` (with file:line messages) when refused."""
    scenario = sandbox.scenarios.upload(text, file)
    return {
        "name": scenario.name,
        "gateway": scenario.gateway,
        "description": scenario.description,
        "file": scenario.file,
        "rules": len(scenario.rules),
        "status": "ok",
    }


routes = [
    Route("/scenarios", list_scenarios, methods=["GET"]),
    Route("/scenarios", upload, methods=["POST"]),
    Route("/scenarios/active", set_active, methods=["PUT"]),
]
