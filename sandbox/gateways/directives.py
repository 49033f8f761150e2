"""Applying a scenario `Plan` the same way in every gateway.

- `answer_as_planned`: the synchronous answer — processed or not, late, dropped, a raw HTTP
  fault, or the gateway's own error envelope (built by the gateway's `error_answer`).
- `submit_callbacks`: the `callbacks` block (send, delay, copies, spacing, sequence, signature,
  tamper, redeliver_after) turned into delivery-engine requests; the gateway only renders bodies.
- `delivery_policy` / `ack_rule`: the `delivery` block over the gateway's own policy and ack.
- `plan_blocks` / `plan_from_blocks`: the `callbacks` and `delivery` blocks kept with an order.

Gateways stay in charge of what only they know: field names, status values, signing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from sandbox.connection import drop_connection
from sandbox.delivery import (
    AckRule,
    CallbackRequest,
    DeliveryEngine,
    RetryPolicy,
    any_2xx,
    custom_ack,
    custom_policy,
)
from sandbox.gateways.orders import Order
from sandbox.scenarios.engine import Plan, PlannedResponse
from sandbox.scenarios.model import Callbacks, CustomAck, Delivery, TamperValue

SignatureMode = Literal["valid", "invalid", "missing"]


def processes(plan: Plan) -> bool:
    """Is the request processed (state changed) before the answer? False: answer only."""
    return plan.respond is None or plan.respond.processes


async def answer_as_planned(
    request: Request,
    plan: Plan,
    normal: Callable[[], Response | Awaitable[Response]],
    error_answer: Callable[[PlannedResponse], Response],
) -> Response:
    """The answer `plan.respond` asks for. Call it after processing (when `processes(plan)`).

    `normal` builds the ordinary answer; `error_answer` the gateway's envelope for
    `respond.error` (with `respond.message`). `delay` waits in wall time before answering.
    """
    respond = plan.respond
    if respond is not None and respond.delay is not None:
        await asyncio.sleep(respond.delay.total_seconds())
    if respond is not None:
        if respond.drop:
            return drop_connection(request)
        if respond.http_status is not None:
            return Response(
                respond.body or "", status_code=respond.http_status, media_type="text/plain"
            )
        if respond.error is not None:
            return error_answer(respond)
    result = normal()
    if isinstance(result, Response):
        return result
    return await result


@dataclass(frozen=True)
class RenderedCallback:
    """What a gateway renders for one status: the exact body bytes and headers to send."""

    body: bytes
    headers: Mapping[str, str]
    event: str  # e.g. "payin.success"; shown and filtered on in the admin API


# (gateway status to render, signature mode, tamper in gateway field names) → rendered callback
CallbackRenderer = Callable[[str, SignatureMode, Mapping[str, TamperValue]], RenderedCallback]


@dataclass(frozen=True)
class CallbackTarget:
    gateway: str
    merchant: str
    order_id: str  # platform id
    merchant_order_id: str
    url: str | None
    tag: str = ""


def submit_callbacks(
    engine: DeliveryEngine,
    plan: Plan | None,
    target: CallbackTarget,
    final_status: str,
    render: CallbackRenderer,
    ack: AckRule,
    policy: RetryPolicy,
    sequence_status: Callable[[str], str | None] = lambda status: status,
    extra_delay: timedelta = timedelta(0),
) -> list[str]:
    """Hand the callbacks for `final_status` (a gateway status) to the delivery engine.

    `callbacks.sequence` lists neutral statuses; `sequence_status` maps each to the gateway status
    to render (None: that status means nothing here and is skipped). Returns the message ids; none
    when the plan says `send: false` or there is no URL and no override.
    """
    cb = plan.callbacks if plan is not None else None
    if cb is not None and not cb.send:
        return []
    if engine.target_for(target.url) is None:
        return []
    statuses: Sequence[str] = [final_status]
    if cb is not None and cb.sequence:
        statuses = [s for s in (sequence_status(n) for n in cb.sequence) if s is not None]
    delay = extra_delay + (cb.delay if cb is not None and cb.delay is not None else timedelta(0))
    spacing = cb.spacing if cb is not None and cb.spacing is not None else timedelta(0)
    signature: SignatureMode = "valid"
    if cb is not None and cb.signature in ("invalid", "missing"):
        signature = "invalid" if cb.signature == "invalid" else "missing"
    tamper: Mapping[str, TamperValue] = cb.tamper if cb is not None else {}
    single = len(statuses) == 1
    ids: list[str] = []
    for index, status in enumerate(statuses):
        rendered = render(status, signature, tamper)
        ids += engine.submit(
            CallbackRequest(
                gateway=target.gateway,
                merchant=target.merchant,
                order_id=target.order_id,
                merchant_order_id=target.merchant_order_id,
                event=rendered.event,
                url=target.url,
                body=rendered.body,
                headers=rendered.headers,
                ack=ack,
                policy=policy,
                tag=target.tag,
                delay=delay if single else delay + spacing * index,
                copies=cb.copies if cb is not None and single else 1,
                spacing=spacing,
                redeliver_after=cb.redeliver_after if cb is not None else None,
            )
        )
    return ids


def submit_order_callbacks(
    engine: DeliveryEngine,
    plan: Plan | None,
    order: Order,
    url: str | None,
    render: CallbackRenderer,
    *,
    ack: AckRule,
    policy: RetryPolicy,
    sequence_status: Callable[[str], str | None] = lambda status: status,
) -> list[str]:
    """`submit_callbacks` for `order`'s current status, the plan's `delivery` block over the
    gateway's own ack rule and retry policy."""
    target = CallbackTarget(
        gateway=order.gateway,
        merchant=order.merchant,
        order_id=order.platform_id,
        merchant_order_id=order.merchant_order_id,
        url=url,
    )
    return submit_callbacks(
        engine,
        plan,
        target,
        order.status,
        render,
        ack=ack_rule(plan, ack),
        policy=delivery_policy(plan, policy),
        sequence_status=sequence_status,
    )


def delivery_policy(plan: Plan | None, default: RetryPolicy) -> RetryPolicy:
    """The gateway's policy, or the plan's `delivery` block (profile, timeout, retries)."""
    delivery = plan.delivery if plan is not None else None
    if delivery is None:
        return default
    if delivery.profile is not None:
        return delivery.profile
    if delivery.timeout is None and delivery.retries is None:
        return default
    timeout = delivery.timeout.total_seconds() if delivery.timeout is not None else default.timeout
    retries = delivery.retries if delivery.retries is not None else default.delays
    return custom_policy(timeout, [d.total_seconds() for d in retries], name="scenario")


def ack_rule(plan: Plan | None, default: AckRule) -> AckRule:
    """The gateway's ack rule, or the plan's `delivery.ack`: any 2xx, or a custom rule."""
    wanted = plan.delivery.ack if plan is not None and plan.delivery is not None else None
    if wanted == "any-2xx":
        return any_2xx()
    if isinstance(wanted, CustomAck):
        return custom_ack(wanted.statuses, wanted.json, wanted.body)
    return default


# -- blocks kept with an order ------------------------------------------------------------
# A callback sent later (a timer, the hosted page, admin complete) follows the `callbacks` and
# `delivery` blocks of the request that created the order, also after a restart: they are
# stored in `order.data` as JSON under one key, `PLAN_KEY`.

PLAN_KEY = "scenario_blocks"
# Where older versions kept the same blocks (TrustPay pay-ins and refunds, EzPay and GoldenPay
# orders, TrustPay cards): still read, so a file database keeps working after an upgrade.
_OLD_PLAN_KEYS = ("scenario", "directives", "delivery_plan")


def keep_plan(data: dict[str, Any], plan: Plan | None) -> dict[str, Any]:
    """`data` with the plan's `callbacks`/`delivery` blocks kept under `PLAN_KEY` (if any)."""
    blocks = plan_blocks(plan)
    if blocks:
        data[PLAN_KEY] = blocks
    return data


def kept_blocks(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The blocks `keep_plan` kept in an order's data (or an older version's key)."""
    for key in (PLAN_KEY, *_OLD_PLAN_KEYS):
        blocks = data.get(key)
        if blocks:
            return blocks  # type: ignore[no-any-return]
    return None


def kept_plan(data: Mapping[str, Any]) -> Plan | None:
    """A plan holding the blocks kept in an order's data (None when there are none)."""
    return plan_from_blocks(kept_blocks(data))


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _delta(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def _ack_json(ack: str | CustomAck | None) -> Any:
    if not isinstance(ack, CustomAck):
        return ack
    return {"status": list(ack.statuses), "json": [list(f) for f in ack.json], "body": ack.body}


def _ack_value(data: Any) -> str | CustomAck | None:
    if not isinstance(data, dict):
        return data  # type: ignore[no-any-return]
    fields = tuple((str(name), value) for name, value in data["json"])
    return CustomAck(tuple(data["status"]), fields, data["body"])


def _profile_value(data: Any) -> RetryPolicy | None:
    # Older versions kept only the profile's name: such an order falls back to its gateway's
    # own policy (a name alone no longer says which gateway list it came from).
    return RetryPolicy.from_json(data) if isinstance(data, dict) else None


def _tamper_json(value: TamperValue) -> list[Any]:
    if isinstance(value, Decimal):
        return ["decimal", str(value)]
    return ["value", value]


def _tamper_value(item: list[Any]) -> TamperValue:
    kind, value = item
    if kind == "decimal":
        return Decimal(value)
    assert value is None or isinstance(value, str | int | bool)
    return value


def plan_blocks(plan: Plan | None) -> dict[str, Any]:
    """The `callbacks` and `delivery` blocks of `plan` as JSON (empty when neither is set)."""
    blocks: dict[str, Any] = {}
    if plan is None:
        return blocks
    cb = plan.callbacks
    if cb is not None:
        blocks["callbacks"] = {
            "send": cb.send,
            "delay": _seconds(cb.delay),
            "copies": cb.copies,
            "spacing": _seconds(cb.spacing),
            "sequence": list(cb.sequence),
            "signature": cb.signature,
            "tamper": {key: _tamper_json(value) for key, value in cb.tamper.items()},
            "redeliver_after": _seconds(cb.redeliver_after),
        }
    delivery = plan.delivery
    if delivery is not None:
        blocks["delivery"] = {
            "timeout": _seconds(delivery.timeout),
            "retries": None
            if delivery.retries is None
            else [d.total_seconds() for d in delivery.retries],
            "ack": _ack_json(delivery.ack),
            "profile": None if delivery.profile is None else delivery.profile.to_json(),
        }
    return blocks


def plan_from_blocks(blocks: Mapping[str, Any] | None) -> Plan | None:
    """A plan holding only the stored `callbacks`/`delivery` blocks (None when there are none)."""
    if not blocks:
        return None
    callbacks = None
    if "callbacks" in blocks:
        cb = blocks["callbacks"]
        callbacks = Callbacks(
            send=cb["send"],
            delay=_delta(cb["delay"]),
            copies=cb["copies"],
            spacing=_delta(cb["spacing"]),
            sequence=tuple(cb["sequence"]),
            signature=cb["signature"],
            tamper={key: _tamper_value(item) for key, item in cb["tamper"].items()},
            redeliver_after=_delta(cb["redeliver_after"]),
        )
    delivery = None
    if "delivery" in blocks:
        d = blocks["delivery"]
        retries = d["retries"]
        delivery = Delivery(
            timeout=_delta(d["timeout"]),
            retries=None if retries is None else tuple(timedelta(seconds=s) for s in retries),
            ack=_ack_value(d["ack"]),
            profile=_profile_value(d["profile"]),
        )
    return Plan(callbacks=callbacks, delivery=delivery)
