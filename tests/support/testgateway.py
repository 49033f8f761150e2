"""A minimal stand-in gateway, mounted only in tests, that applies a scenario `Plan` end to end.

It borrows a real gateway's vocabulary and merchants (its path names the gateway) so the admin
API's per-merchant selection works, asks the engine for a plan, and applies every directive the
way a real gateway will: `respond` (error, message, http_status + body, delay, drop, commit),
`outcome` (status after a delay on the sandbox clock, paid amount), `callbacks` (send, delay,
copies, spacing, sequence, signature, tamper, redeliver_after) and `delivery` (timeout, retries,
ack, profile), through the real delivery engine.

    POST /testgw/{gateway}/create  {"merchant", "order_no", "amount", "currency"?, "channel"?,
                                    "card_number"?, "operation"?, "notify_url"?}
    GET  /testgw/{gateway}/orders/{order_no}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.delivery import custom_policy, json_field_equals
from sandbox.gateways.directives import (
    CallbackTarget,
    RenderedCallback,
    SignatureMode,
    ack_rule,
    answer_as_planned,
    delivery_policy,
    processes,
    submit_callbacks,
)
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan, PlannedResponse, RequestFacts
from sandbox.scenarios.model import TamperValue

SECRET = "testgw-secret"
DEFAULT_OPERATION = "payin.card"


def sign(fields: dict[str, Any]) -> str:
    text = "&".join(f"{k}={fields[k]}" for k in sorted(fields)) + SECRET
    return hashlib.md5(text.encode()).hexdigest()


def _orders(request: Request) -> dict[tuple[str, str], dict[str, Any]]:
    state = request.app.state
    if not hasattr(state, "testgw_orders"):
        state.testgw_orders = {}
    orders: dict[tuple[str, str], dict[str, Any]] = state.testgw_orders
    return orders


async def create(request: Request) -> Response:
    sandbox: Sandbox = request.app.state.sandbox
    gateway = request.path_params["gateway"]
    vocab = sandbox.scenarios.known.get(gateway)
    if vocab is None:
        return JSONResponse({"code": "not_found", "message": gateway}, status_code=404)
    body = await request.json()
    amount = Decimal(str(body["amount"]))
    facts = RequestFacts(
        gateway=gateway,
        operation=body.get("operation", DEFAULT_OPERATION),
        merchant=str(body["merchant"]),
        amount=amount,
        currency=body.get("currency", "USD"),
        channel=body.get("channel"),
        order_no=body["order_no"],
        card_number=body.get("card_number"),
        headers=dict(request.headers),
    )
    plan = sandbox.scenarios.plan(facts)
    if plan.bad_request is not None:
        answer = {"code": vocab.bad_request, "message": plan.bad_request.text}
        return JSONResponse(answer, 400)
    order: dict[str, Any] | None = None
    if processes(plan):  # processed first: a late or spoiled answer still went through
        order = _process(request, sandbox, facts, plan, body.get("notify_url"))

    def normal() -> Response:
        assert order is not None
        return JSONResponse({"code": "ok", "order_no": facts.order_no, "status": order["status"]})

    def error_answer(respond: PlannedResponse) -> Response:
        assert respond.error is not None
        answer = {"code": respond.error.value, "message": respond.message}
        return JSONResponse(answer, status_code=respond.error.http_status)

    return await answer_as_planned(request, plan, normal, error_answer)


def _process(
    request: Request, sandbox: Sandbox, facts: RequestFacts, plan: Plan, notify_url: str | None
) -> dict[str, Any]:
    order: dict[str, Any] = {
        "order_no": facts.order_no,
        "merchant": facts.merchant,
        "amount": str(facts.amount),
        "paid_amount": None,
        "status": "pending",
        "plan": plan.to_json(),
    }
    _orders(request)[(facts.merchant, str(facts.order_no))] = order
    outcome = plan.outcome
    if outcome is None or outcome.status == "pending":
        return order

    def finish() -> None:
        order["status"] = outcome.status
        if outcome.paid_amount is not None:
            order["paid_amount"] = str(outcome.paid_amount)
        elif outcome.status == "success":
            order["paid_amount"] = order["amount"]
        _send_callbacks(sandbox, facts, plan, order, notify_url)

    async def finish_later() -> None:
        finish()

    after = outcome.after or timedelta(0)
    if after > timedelta(0):
        sandbox.clock.call_later(after, finish_later)
    else:
        finish()  # the result is in the answer, like a card pay-in
    return order


def _send_callbacks(
    sandbox: Sandbox, facts: RequestFacts, plan: Plan, order: dict[str, Any], url: str | None
) -> None:
    def render(
        status: str, signature: SignatureMode, tamper: Mapping[str, TamperValue]
    ) -> RenderedCallback:
        fields = {
            "order_no": order["order_no"],
            "order_amount": order["amount"],
            "paid_amount": order["paid_amount"] or "0",
            "status": status,
        }
        payload: dict[str, Any] = dict(fields)
        if signature == "valid":
            payload["sign"] = sign(fields)
        elif signature == "invalid":
            payload["sign"] = "0" * 32
        for key, value in tamper.items():
            payload[key] = str(value)
        body = json.dumps(payload).encode()
        return RenderedCallback(body, {"Content-Type": "application/json"}, f"testgw.{status}")

    target = CallbackTarget(
        gateway=facts.gateway,
        merchant=facts.merchant,
        order_id=str(order["order_no"]),
        merchant_order_id=str(order["order_no"]),
        url=url,
    )
    if url is None:
        return
    submit_callbacks(
        sandbox.delivery,
        plan,
        target,
        order["status"],
        render,
        ack=ack_rule(plan, json_field_equals("code", "ok")),  # this gateway's own rule
        policy=delivery_policy(plan, custom_policy(2.0, [60.0])),
    )


async def query(request: Request) -> Response:
    key = (request.query_params.get("merchant", ""), request.path_params["order_no"])
    order = _orders(request).get(key)
    if order is None:
        return JSONResponse({"code": "not_found"}, status_code=404)
    return JSONResponse(order)


def routes() -> list[Route]:
    return [
        Route("/testgw/{gateway}/create", create, methods=["POST"]),
        Route("/testgw/{gateway}/orders/{order_no}", query, methods=["GET"]),
    ]
