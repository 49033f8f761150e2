"""The dashboard's pages and actions. Each calls the same plain functions as the admin API's
endpoints (`sandbox.admin.*`), so a page shows what `GET /_sandbox/...` answers and an action
does what the matching admin call does."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request

from sandbox.admin import callbacks as admin_callbacks
from sandbox.admin import clock as admin_clock
from sandbox.admin import orders as admin_orders
from sandbox.admin import requests as admin_requests
from sandbox.admin import scenarios as admin_scenarios
from sandbox.admin.errors import AdminError
from sandbox.dashboard.pages import (
    PAGE_SIZE,
    UI,
    action,
    back,
    field,
    page,
    page_number,
    pager,
    sandbox_of,
)
from sandbox.delivery.model import STATES
from sandbox.delivery.outbox import MessageFilter
from sandbox.gateways.orders import OrderFilter, list_orders
from sandbox.scenarios.loader import ScenarioError
from sandbox.store.balances import list_balances
from sandbox.store.orders import status_history

CLOCK_PRESETS = (("1 min", 60), ("5 min", 300), ("1 hour", 3600), ("1 day", 86400))
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _gateways(request: Request) -> list[str]:
    return sorted({kind.gateway for kind, _merchant in sandbox_of(request).merchants.all()})


def _choice(request: Request, name: str, allowed: list[str]) -> str | None:
    value = request.query_params.get(name) or None
    if value is not None and value not in allowed:
        raise AdminError(400, "bad_request", f"{name}: {value!r} is not one of {allowed}")
    return value


# -- overview -------------------------------------------------------------------------------------


async def overview(request: Request) -> tuple[str, dict[str, Any]]:
    sandbox = sandbox_of(request)
    merchants = [kind.describe(m) for kind, m in sandbox.merchants.all()]
    _orders, order_count = list_orders(sandbox.store, OrderFilter(), limit=0)
    counts = {"orders": order_count}
    for state in STATES:
        _items, counts[f"callbacks {state}"] = sandbox.delivery.outbox.find(
            MessageFilter(states=(state,)), limit=0
        )
    _records, counts["requests"] = sandbox.journal.find(limit=0)
    context = {
        "gateways": _gateways(request),
        "merchants": merchants,
        "counts": counts,
        "selection": sandbox.scenarios.selection.to_json(),
    }
    return "overview.html", context


# -- orders ---------------------------------------------------------------------------------------


async def orders(request: Request) -> tuple[str, dict[str, Any]]:
    sandbox = sandbox_of(request)
    query = request.query_params
    page_no = page_number(request)
    where = OrderFilter(
        gateway=_choice(request, "gateway", _gateways(request)),
        merchant=query.get("merchant") or None,
        status=query.get("status") or None,
        order=query.get("order") or None,
    )
    found, total = list_orders(
        sandbox.store, where, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE
    )
    context = {
        "orders": found,
        "pager": pager(request, page_no, total),
        "filters": {k: query.get(k, "") for k in ("gateway", "merchant", "status", "order")},
        "gateways": _gateways(request),
        "live": "order",
    }
    return "orders.html", context


async def order_detail(request: Request) -> tuple[str, dict[str, Any]]:
    sandbox = sandbox_of(request)
    gateway = request.path_params["gateway"]
    if gateway not in _gateways(request):
        raise AdminError(404, "not_found", f"no gateway {gateway!r}")
    order = admin_orders.find_named(sandbox, request.path_params["order_id"], {"gateway": gateway})
    messages, _total = sandbox.delivery.outbox.find(
        MessageFilter(gateway=order.gateway, order=order.platform_id), limit=PAGE_SIZE
    )
    context = {
        "order": order,
        "described": admin_orders.describe(sandbox, order),
        "history": status_history(sandbox.store, order.gateway, order.platform_id),
        "balances": list_balances(sandbox.store, order.gateway, order.merchant),
        "callbacks": messages,
        "live": "order attempt",
    }
    return "order.html", context


async def complete_order(request: Request, form: FormData) -> str:
    sandbox = sandbox_of(request)
    gateway, order_id = request.path_params["gateway"], request.path_params["order_id"]
    order = admin_orders.find_named(sandbox, order_id, {"gateway": gateway})
    body: dict[str, Any] = {"status": field(form, "status") or "success"}
    if field(form, "paid_amount"):
        body["paid_amount"] = field(form, "paid_amount")
    await admin_orders.complete_order(sandbox, order, body)
    return back(form, f"{UI}/orders/{gateway}/{order.platform_id}", "completed")


async def trigger(request: Request, form: FormData) -> str:
    """The admin trigger: gateway and merchant, plus the gateway's own fields as a JSON object."""
    try:
        extra = json.loads(field(form, "fields") or "{}")
    except ValueError as exc:
        raise AdminError(400, "bad_request", f"fields: not a JSON object: {exc}") from None
    if not isinstance(extra, dict):
        raise AdminError(400, "bad_request", "fields: must be a JSON object")
    body = {**extra, "gateway": field(form, "gateway"), "merchant": field(form, "merchant")}
    result = await admin_orders.trigger_event(sandbox_of(request), body)
    made = result.get("order_id") or result.get("platform_id") or ""
    return back(form, f"{UI}/orders", f"triggered {made}".strip())


# -- callbacks ------------------------------------------------------------------------------------


def _message_filter(request: Request) -> MessageFilter:
    query = request.query_params
    state = _choice(request, "state", list(STATES))
    return MessageFilter(
        gateway=_choice(request, "gateway", _gateways(request)),
        merchant=query.get("merchant") or None,
        order=query.get("order") or None,
        states=(state,) if state else (),
    )


async def callbacks(request: Request) -> tuple[str, dict[str, Any]]:
    engine = sandbox_of(request).delivery
    page_no = page_number(request)
    messages, total = engine.outbox.find(
        _message_filter(request), limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE
    )
    context = {
        "callbacks": [admin_callbacks.summary(m) for m in messages],
        "pager": pager(request, page_no, total),
        "filters": {k: request.query_params.get(k, "") for k in ("gateway", "state", "order")},
        "gateways": _gateways(request),
        "states": STATES,
        "live": "order attempt",
    }
    return "callbacks.html", context


async def callback_detail(request: Request) -> tuple[str, dict[str, Any]]:
    engine = sandbox_of(request).delivery
    message = engine.outbox.get(request.path_params["id"])
    if message is None:
        raise AdminError(404, "not_found", f"no callback {request.path_params['id']!r}")
    described = admin_callbacks.detail(message, engine.outbox.attempts(message.id))
    return "callback.html", {"callback": described, "live": "attempt"}


async def resend_callback(request: Request, form: FormData) -> str:
    result = await admin_callbacks.resend(sandbox_of(request).delivery, request.path_params["id"])
    message_id = result["callback"]["id"]
    return back(form, f"{UI}/callbacks/{message_id}", f"resent {message_id}")


async def resend_failed(request: Request, form: FormData) -> str:
    engine = sandbox_of(request).delivery
    if not engine.running:
        raise AdminError(409, "conflict", "the dispatcher is not running")
    done = await admin_callbacks.resend_failed(engine, MessageFilter())
    return back(form, f"{UI}/callbacks", f"resent {len(done)} failed callback(s)")


# -- requests -------------------------------------------------------------------------------------


async def requests(request: Request) -> tuple[str, dict[str, Any]]:
    sandbox = sandbox_of(request)
    query = request.query_params
    page_no = page_number(request)
    records, total = sandbox.journal.find(
        gateway=_choice(request, "gateway", _gateways(request)),
        merchant=query.get("merchant") or None,
        operation=query.get("operation") or None,
        limit=PAGE_SIZE,
        offset=(page_no - 1) * PAGE_SIZE,
    )
    context = {
        "records": [r.to_json() for r in records],
        "pager": pager(request, page_no, total),
        "filters": {k: query.get(k, "") for k in ("gateway", "merchant", "operation")},
        "gateways": _gateways(request),
        "live": "request",
    }
    return "requests.html", context


async def request_detail(request: Request) -> tuple[str, dict[str, Any]]:
    """One journal entry: the request and the answer as the journal keeps them (credentials and
    card numbers already masked there) and, for a refused signature, its explanation."""
    described = admin_requests.entry_detail(sandbox_of(request), request.path_params["id"])
    shown = {
        part: None if described[part] is None else json.dumps(described[part], indent=2)
        for part in ("request", "response", "explanation")
    }
    return "request.html", {"entry": described, "shown": shown}


# -- scenarios ------------------------------------------------------------------------------------


async def scenarios(request: Request) -> tuple[str, dict[str, Any]]:
    return "scenarios.html", _scenarios_context(request)


def _scenarios_context(request: Request, **extra: Any) -> dict[str, Any]:
    sandbox = sandbox_of(request)
    shown = request.query_params.get("file")
    return {
        "scenarios": sandbox.scenarios.describe(),
        "files": sandbox.scenarios.file_status(),
        "selection": sandbox.scenarios.selection.to_json(),
        "gateways": _gateways(request),
        "shown_file": shown,
        "shown_source": sandbox.scenarios.source(shown) if shown else None,
        **extra,
    }


async def activate(request: Request, form: FormData) -> str:
    names = [n for n in form.getlist("names") if isinstance(n, str) and n]
    body: dict[str, Any] = {"names": list(dict.fromkeys(names))}
    gateway, merchant = field(form, "gateway"), field(form, "merchant")
    if gateway or merchant:
        body.update(gateway=gateway or None, merchant=merchant or None)
    admin_scenarios.set_selection(sandbox_of(request), body)
    return back(form, f"{UI}/scenarios", "activated " + (", ".join(names) or "none"))


class UploadRefused(AdminError):
    """An uploaded file that did not load: its file:line errors, shown on the scenarios page."""

    def __init__(self, file: str, errors: list[str]) -> None:
        super().__init__(422, "invalid_scenario", f"{len(errors)} error(s) in {file}")
        self.errors = errors


async def upload(request: Request, form: FormData) -> str:
    file = form.get("file")
    if file is None or isinstance(file, str):
        raise AdminError(400, "bad_request", "file: choose a YAML file to upload")
    name = (file.filename or "upload.yaml").rsplit("/", 1)[-1]
    try:
        text = (await file.read()).decode("utf-8")
    except UnicodeDecodeError:
        raise AdminError(400, "bad_request", "file: must be UTF-8 YAML text") from None
    try:
        loaded = admin_scenarios.upload_scenario(sandbox_of(request), text, name)
    except ScenarioError as exc:
        raise UploadRefused(name, exc.messages) from None
    return back(form, f"{UI}/scenarios", f"uploaded {loaded['gateway']}/{loaded['name']}")


# -- clock ----------------------------------------------------------------------------------------


async def clock(request: Request) -> tuple[str, dict[str, Any]]:
    described = admin_clock.describe(sandbox_of(request))
    return "clock.html", {"state": described, "presets": CLOCK_PRESETS}


def duration_seconds(text: str) -> Decimal:
    """`90`, `90s`, `15m`, `2h`, `1d` as seconds."""
    text = text.strip().lower()
    unit = DURATION_UNITS.get(text[-1:], 0)
    number = text[:-1] if unit else text
    try:
        value = Decimal(number) * (unit or 1)
    except InvalidOperation:
        raise AdminError(
            400, "bad_request", f"duration: {text!r} is not like 90, 90s, 15m, 2h or 1d"
        ) from None
    return value


async def advance_clock(request: Request, form: FormData) -> str:
    seconds = duration_seconds(field(form, "duration"))
    state = await admin_clock.advance(sandbox_of(request), {"seconds": str(seconds)})
    return back(form, f"{UI}/clock", f"advanced {seconds} s to {state['now']}")


async def set_clock(request: Request, form: FormData) -> str:
    body: dict[str, Any] = {}
    if field(form, "mode"):
        body["mode"] = field(form, "mode")
    if field(form, "scale"):
        body["scale"] = field(form, "scale")
    state = admin_clock.set_clock(sandbox_of(request), body)
    return back(form, f"{UI}/clock", f"clock {state['mode']} x{state['scale']:g}")


overview_page = page(overview)
orders_page = page(orders)
order_page = page(order_detail)
callbacks_page = page(callbacks)
callback_page = page(callback_detail)
requests_page = page(requests)
request_page = page(request_detail)
scenarios_page = page(scenarios)
clock_page = page(clock)
complete_action = action(complete_order)
trigger_action = action(trigger)
resend_action = action(resend_callback)
resend_failed_action = action(resend_failed)
activate_action = action(activate)
upload_action = action(upload)
advance_action = action(advance_clock)
set_clock_action = action(set_clock)
