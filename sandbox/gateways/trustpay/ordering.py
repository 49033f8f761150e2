"""Small pieces every TrustPay order-creating endpoint needs.

- `new_platform_order_no`: 24 characters `[A-Za-z0-9]` from the seeded generator (D25);
- `order_no_taken`: the merchant's pay-ins and payouts share one order-number space (§4.1 rule 1);
- `limit_for`: a risk limit for a currency, with the per-currency override when configured;
- `outcome_reason`: a scenario outcome's reason text, `<code>: <reason>` when it has a code (§5.8);
- `plan_blocks` / `plan_from_blocks`: a plan's `callbacks` and `delivery` blocks as JSON, so a
  timer (stored, restart-proof) can send a later callback the way the scenario asked.
"""

from __future__ import annotations

import string
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sandbox.gateways.orders import find_order
from sandbox.gateways.trustpay.merchant import TrustPayMerchant
from sandbox.runtime import Sandbox
from sandbox.scenarios.engine import Plan, PlannedOutcome
from sandbox.scenarios.model import Callbacks, Delivery, TamperValue
from sandbox.store import Store

GATEWAY = "trustpay"
PLATFORM_ORDER_NO_LENGTH = 24
_ALPHABET = string.ascii_letters + string.digits


def new_platform_order_no(sandbox: Sandbox) -> str:
    return "".join(sandbox.rng.choices(_ALPHABET, k=PLATFORM_ORDER_NO_LENGTH))


def order_no_taken(store: Store, merchant_id: str, order_no: str) -> bool:
    """Is `order_no` already a pay-in or payout of this merchant (any status)?"""
    found = find_order(
        store, GATEWAY, merchant_id, merchant_order_id=order_no, kind=("payin", "payout")
    )
    return found is not None


def limit_for(merchant: TrustPayMerchant, currency: str, name: str) -> Any:
    """`limits.<name>` for `currency`: the per-currency value when configured, else the default."""
    override = merchant.limits.currencies.get(currency)
    value = getattr(override, name, None) if override is not None else None
    return getattr(merchant.limits, name) if value is None else value


def outcome_reason(outcome: PlannedOutcome | None, default: str) -> str:
    """The reason a scenario outcome gives (else `default`), prefixed `<code>: ` when it has one."""
    reason = default if outcome is None or outcome.reason is None else outcome.reason
    if outcome is not None and outcome.code is not None:
        return f"{outcome.code}: {reason}"
    return reason


# -- plan blocks for later callbacks ---------------------------------------------------------


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _delta(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


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
            "ack": delivery.ack,
            "profile": delivery.profile,
        }
    return blocks


def plan_from_blocks(blocks: dict[str, Any] | None) -> Plan | None:
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
            ack=d["ack"],
            profile=d["profile"],
        )
    return Plan(callbacks=callbacks, delivery=delivery)
