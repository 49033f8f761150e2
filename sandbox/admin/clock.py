"""GET/PUT /_sandbox/clock and POST /_sandbox/clock/advance."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.admin.errors import AdminError, read_json_object, reject_unknown_fields
from sandbox.runtime import Sandbox

MAX_ADVANCE_S = Decimal(10 * 365 * 24 * 3600)


def describe(sandbox: Sandbox) -> dict[str, Any]:
    return {**sandbox.clock.snapshot(), "pending_timers": sandbox.clock.pending_timers()}


def _number(body: dict[str, Any], name: str, limit: Decimal, *, zero_ok: bool = False) -> Decimal:
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise AdminError(400, "bad_request", f"{name}: must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise AdminError(400, "bad_request", f"{name}: {value!r} is not a number") from None
    # NaN cannot even be compared, so finiteness is checked first.
    finite = number.is_finite()
    low_ok = finite and (number >= 0 if zero_ok else number > 0)
    if not low_ok or number > limit:
        low = "0 or more" if zero_ok else "greater than 0"
        raise AdminError(400, "bad_request", f"{name}: must be {low} and at most {limit}")
    return number


async def get_clock(request: Request) -> JSONResponse:
    return JSONResponse(describe(request.app.state.sandbox))


async def put_clock(request: Request) -> JSONResponse:
    body = await read_json_object(request)
    return JSONResponse(set_clock(request.app.state.sandbox, body))


def set_clock(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """Switch the clock's mode and/or scale (`{"mode", "scale"}`); the clock after."""
    reject_unknown_fields(body, {"mode", "scale"})
    mode = body.get("mode")
    if mode is not None and mode not in ("real", "manual"):
        raise AdminError(400, "bad_request", f"mode: {mode!r} is not 'real' or 'manual'")
    scale = None
    if "scale" in body:
        scale = float(_number(body, "scale", Decimal(1_000_000)))
    sandbox.clock.set_mode(mode, scale)
    return describe(sandbox)


async def advance_clock(request: Request) -> JSONResponse:
    body = await read_json_object(request)
    return JSONResponse(await advance(request.app.state.sandbox, body))


async def advance(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """Move the clock by `{"seconds": N}` and run what fell due; the clock after."""
    unknown = set(body) - {"seconds"}
    if unknown or "seconds" not in body:
        raise AdminError(400, "bad_request", 'body must be {"seconds": N}')
    # 0 moves nothing but returns once everything due now has run (a settle, no sleeping).
    seconds = _number(body, "seconds", MAX_ADVANCE_S, zero_ok=True)
    await sandbox.clock.advance(float(seconds))
    return describe(sandbox)


routes = [
    Route("/clock", get_clock, methods=["GET"]),
    Route("/clock", put_clock, methods=["PUT"]),
    Route("/clock/advance", advance_clock, methods=["POST"]),
]
