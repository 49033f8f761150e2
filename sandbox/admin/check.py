"""POST /_sandbox/check: `sandbox check` from the admin API, answered with its JSON report."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.admin.errors import AdminError, read_json_object, reject_unknown_fields
from sandbox.check.lookup import conformance_of, merchant_of, url_problem
from sandbox.check.runner import CheckOptions, run_check, selected
from sandbox.runtime import Sandbox

FIELDS = {"gateway", "notify_url", "merchant", "only", "kinds", "state_url"}
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["gateway", "notify_url"],
    "additionalProperties": False,
    "properties": {
        "gateway": {"type": "string", "description": "trustpay, ezpay or goldenpay"},
        "notify_url": {"type": "string", "description": "the merchant's callback handler"},
        "merchant": {
            "type": ["string", "integer"],
            "description": "merchant id (default: the gateway's first merchant)",
        },
        "only": {
            "type": "array",
            "items": {"type": "string"},
            "description": "case ids (`duplicate`) or KIND.CASE (`payin.duplicate`)",
        },
        "kinds": {
            "type": "array",
            "items": {"type": "string"},
            "description": "check only these callback kinds (payin, payout, refund)",
        },
        "state_url": {
            "type": "string",
            "description": "the merchant's test-only order state URL, with {order_no}",
        },
    },
}


def _bad(message: str) -> AdminError:
    return AdminError(400, "bad_request", message)


def _url(body: dict[str, Any], name: str, *, template: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    problem = url_problem(value, template=template)
    if problem is not None:
        raise _bad(f"{name}: {problem}")
    return str(value)


def _options(body: dict[str, Any], sandbox: Sandbox) -> CheckOptions:
    notify_url = _url(body, "notify_url")
    if notify_url is None:
        raise _bad("notify_url: required")
    state_url = _url(body, "state_url", template=True)
    return CheckOptions(
        notify_url,
        _names(body, "only", "case ids"),
        state_url,
        now=sandbox.clock.now(),
        kinds=_names(body, "kinds", "callback kinds"),
    )


def _names(body: dict[str, Any], name: str, what: str) -> tuple[str, ...]:
    names = body.get(name, [])
    if not isinstance(names, list) or not all(isinstance(item, str) for item in names):
        raise _bad(f"{name}: must be a list of {what}")
    return tuple(names)


async def check(request: Request) -> JSONResponse:
    """Run the conformance check of a merchant's callback handler; answer the JSON report."""
    sandbox: Sandbox = request.app.state.sandbox
    body = await read_json_object(request)
    reject_unknown_fields(body, FIELDS)
    gateway = body.get("gateway")
    if not isinstance(gateway, str):
        raise _bad("gateway: required, one of trustpay, ezpay, goldenpay")
    merchant_id = body.get("merchant")
    if merchant_id is not None and (
        isinstance(merchant_id, bool) or not isinstance(merchant_id, str | int)
    ):
        raise _bad("merchant: must be a merchant id")
    try:
        conformance = conformance_of(sandbox.gateways, gateway)
    except ValueError as exc:
        raise _bad(f"gateway: {exc}") from None
    options = _options(body, sandbox)
    try:
        selected(conformance, (), options.kinds)
    except ValueError as exc:
        raise _bad(f"kinds: {exc}") from None
    try:
        selected(conformance, options.only, options.kinds)
    except ValueError as exc:
        raise _bad(f"only: {exc}") from None
    try:
        merchant, found_id = merchant_of(
            sandbox.merchants, gateway, None if merchant_id is None else str(merchant_id)
        )
    except ValueError as exc:
        raise AdminError(422, "unprocessable", f"merchant: {exc}") from None
    report = await run_check(conformance, merchant, found_id, options)
    return JSONResponse(report.to_json())


routes = [Route("/check", check, methods=["POST"])]
