"""What a gateway plugs into the check: its callback kinds, builder, ack rule and timeout."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sandbox.delivery import AckRule, RetryPolicy

# The neutral outcome a callback tells: the gateway maps it to its own status.
Outcome = Literal["success", "failed", "pending"]
# `other`: signed correctly, but with a secret/key that is not this merchant's.
Signing = Literal["valid", "invalid", "missing", "other"]
Tamper = Literal["amount", "status"]


@dataclass(frozen=True)
class CallbackSpec:
    """One callback to build: the order it is about and how it is signed or spoiled."""

    kind: str  # "payin", "payout" or "refund"
    order_no: str
    amount: Decimal  # the order amount, in the gateway's API units
    paid: Decimal  # the amount the payer paid (a short payment pays less)
    at: datetime  # when it happened (created, paid, refunded)
    outcome: Outcome = "success"
    signing: Signing = "valid"
    tamper: Tamper | None = None  # changed after signing


@dataclass(frozen=True)
class Conformance:
    """A gateway's part of the check.

    `build(merchant, spec)` returns the body bytes exactly as the gateway would send them.
    `short_payment_kinds`: the kinds whose callback carries a paid amount apart from the order
    amount. `order_amount` is in the gateway's API units (what the state URL reports).
    """

    gateway: str
    kinds: tuple[str, ...]
    build: Callable[[Any, CallbackSpec], bytes]
    ack: AckRule
    policy: RetryPolicy
    headers: Mapping[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    short_payment_kinds: tuple[str, ...] = ()
    order_amount: Decimal = Decimal("100.00")


def spoil_signature(body: bytes, name: str = "sign") -> bytes:
    """The same bytes with the signature text reversed: present and well-formed, but wrong."""
    import json
    import re

    sign = str(json.loads(body)[name])
    spoiled = sign[::-1] if sign[::-1] != sign else sign + "0"
    pattern = re.compile(rb'("' + name.encode() + rb'":")' + re.escape(sign.encode()) + rb'"')
    return pattern.sub(lambda match: match.group(1) + spoiled.encode() + b'"', body, count=1)
