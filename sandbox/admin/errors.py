"""Admin API errors: `{"error": {"code", "message"}}` with a 4xx status, and body/query parsing."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.gateways.plug import AdminError
from sandbox.jsontext import has_lone_surrogate, may_hold_surrogates
from sandbox.merchants import MerchantBook

__all__ = [
    "AdminError",
    "admin_error_response",
    "gateway_query",
    "paginate",
    "query_int",
    "read_json_object",
    "reject_unknown_fields",
    "require_merchant",
]


def admin_error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}, **extra}, status_code=status)


async def read_json_object(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is `{}` when not `required`."""
    body = await request.body()
    if not body.strip():
        if required:
            raise AdminError(400, "bad_request", "a JSON object body is required")
        return {}
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AdminError(400, "bad_request", f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise AdminError(400, "bad_request", "body is not valid JSON: nested too deeply") from None
    if may_hold_surrogates(body) and has_lone_surrogate(data):
        raise AdminError(400, "bad_request", "body is not valid JSON: a lone surrogate escape")
    if not isinstance(data, dict):
        raise AdminError(400, "bad_request", "body must be a JSON object")
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise AdminError(400, "bad_request", f"{name}: {text!r} is not a whole number {low}-{high}")
    return int(text)


def paginate(request: Request, items: list[Any]) -> dict[str, Any]:
    """`{"items", "total"}` of one page (`page` from 1, `page_size` default 50, max 500)."""
    page = query_int(request, "page", 1, 1, 1_000_000)
    size = query_int(request, "page_size", 50, 1, 500)
    start = (page - 1) * size
    return {"items": items[start : start + size], "total": len(items)}


def reject_unknown_fields(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(body) - allowed
    if unknown:
        raise AdminError(400, "bad_request", f"unknown field(s): {', '.join(sorted(unknown))}")


def gateway_query(request: Request) -> str | None:
    """The `gateway` query filter, if given, checked against the served gateways."""
    gateway = request.query_params.get("gateway") or None
    if gateway is not None and gateway not in request.app.state.sandbox.merchants.kinds:
        raise AdminError(400, "bad_request", f"gateway: unknown gateway {gateway!r}")
    return gateway


def require_merchant(merchants: MerchantBook, gateway: Any, merchant: Any) -> str:
    """A merchant named in a body as `{"gateway", "merchant"}`: its id, or 400/404."""
    if not isinstance(gateway, str) or gateway not in merchants.kinds:
        raise AdminError(400, "bad_request", f"gateway: unknown gateway {gateway!r}")
    merchant_id = str(merchant)
    if merchants.find(gateway, merchant_id) is None:
        raise AdminError(404, "not_found", f"merchant: no {gateway} merchant {merchant_id}")
    return merchant_id
