"""The parts of a scenario `Plan` a later transition still needs, stored as JSON.

A delayed outcome (3-D Secure card, `FAIL-` cashier, payout after 5 s, refund after 2 s) runs
from a persisted timer, possibly after a restart; its callbacks must still follow the request's
`callbacks` and `delivery` blocks. `stored_plan` keeps those two blocks (and the sources, for
the journal) as JSON; `restored_plan` rebuilds a `Plan` from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sandbox.scenarios.engine import Plan, Source
from sandbox.scenarios.model import Callbacks, Delivery, TamperValue


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _delta(value: Any) -> timedelta | None:
    return None if value is None else timedelta(seconds=float(value))


def _tamper_json(tamper: Mapping[str, TamperValue]) -> dict[str, Any]:
    return {
        key: {"decimal": str(value)} if isinstance(value, Decimal) else value
        for key, value in tamper.items()
    }


def _tamper_value(value: Any) -> TamperValue:
    if isinstance(value, dict):
        return Decimal(str(value.get("decimal", "0")))
    if isinstance(value, str | int | bool) or value is None:
        return value
    return str(value)


def stored_plan(plan: Plan | None) -> dict[str, Any] | None:
    """The `callbacks` and `delivery` blocks as JSON; None when neither was decided."""
    if plan is None or (plan.callbacks is None and plan.delivery is None):
        return None
    stored: dict[str, Any] = {}
    cb = plan.callbacks
    if cb is not None:
        stored["callbacks"] = {
            "send": cb.send,
            "delay": _seconds(cb.delay),
            "copies": cb.copies,
            "spacing": _seconds(cb.spacing),
            "sequence": list(cb.sequence),
            "signature": cb.signature,
            "tamper": _tamper_json(cb.tamper),
            "redeliver_after": _seconds(cb.redeliver_after),
        }
    delivery = plan.delivery
    if delivery is not None:
        stored["delivery"] = {
            "timeout": _seconds(delivery.timeout),
            "retries": None
            if delivery.retries is None
            else [d.total_seconds() for d in delivery.retries],
            "ack": delivery.ack,
            "profile": delivery.profile,
        }
    stored["sources"] = {
        block: source.to_json()
        for block, source in plan.sources.items()
        if block in ("callbacks", "delivery")
    }
    return stored


def restored_plan(stored: Mapping[str, Any] | None) -> Plan | None:
    """The plan `stored_plan` kept (callbacks and delivery blocks only)."""
    if not stored:
        return None
    callbacks: Callbacks | None = None
    raw = stored.get("callbacks")
    if isinstance(raw, dict):
        callbacks = Callbacks(
            send=bool(raw.get("send", True)),
            delay=_delta(raw.get("delay")),
            copies=int(raw.get("copies", 1)),
            spacing=_delta(raw.get("spacing")),
            sequence=tuple(str(s) for s in raw.get("sequence", ())),
            signature=str(raw.get("signature", "valid")),
            tamper={str(k): _tamper_value(v) for k, v in dict(raw.get("tamper", {})).items()},
            redeliver_after=_delta(raw.get("redeliver_after")),
        )
    delivery: Delivery | None = None
    raw = stored.get("delivery")
    if isinstance(raw, dict):
        retries = raw.get("retries")
        delivery = Delivery(
            timeout=_delta(raw.get("timeout")),
            retries=None if retries is None else tuple(timedelta(seconds=s) for s in retries),
            ack=raw.get("ack"),
            profile=raw.get("profile"),
        )
    sources: dict[str, Source] = {}
    for block, source in dict(stored.get("sources", {})).items():
        if isinstance(source, dict) and "scenario" in source:
            sources[block] = Source(
                scenario=str(source["scenario"]),
                gateway=str(source.get("gateway", "trustpay")),
                rule=source.get("rule"),
                file=str(source.get("file", "")),
                line=source.get("line"),
            )
    return Plan(callbacks=callbacks, delivery=delivery, sources=sources)
