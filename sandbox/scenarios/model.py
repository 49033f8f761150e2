"""The parsed, validated form of a scenario file; immutable once loaded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from sandbox.scenarios.patterns import TextPattern

if TYPE_CHECKING:
    from sandbox.delivery.policy import RetryPolicy

NEUTRAL = "*"
OUTCOME_STATUSES = ("success", "failed", "pending", "expired", "canceled")
SIGNATURES = ("valid", "invalid", "missing")
ACKS = ("gateway", "any-2xx")

TamperValue = str | int | Decimal | bool | None


@dataclass(frozen=True)
class AmountMatch:
    """Numeric tests on the Decimal amount; text tests on its canonical text."""

    eq: Decimal | None = None
    gte: Decimal | None = None
    lte: Decimal | None = None
    gt: Decimal | None = None
    lt: Decimal | None = None
    in_: tuple[Decimal, ...] | None = None
    prefix: str | None = None
    suffix: str | None = None
    regex: TextPattern | None = None


@dataclass(frozen=True)
class TextMatch:
    exact: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    regex: TextPattern | None = None


@dataclass(frozen=True)
class When:
    operation: str | None = None
    amount: AmountMatch | None = None
    currency: str | None = None  # upper-case
    channel: str | None = None
    order_no: TextMatch | None = None
    card_number: str | None = None
    header: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    merchant: str | None = None


@dataclass(frozen=True)
class Respond:
    errors: tuple[str, ...] = ()  # error codes/names as text; several = cycled per merchant
    message: str | None = None
    delay: timedelta | None = None
    http_status: int | None = None
    body: str | None = None
    drop: bool = False
    commit: bool = False


@dataclass(frozen=True)
class PaidAmount:
    """`order_amount`, `order_amount - X` / `+ X`, `N%`, or a fixed number."""

    kind: Literal["order", "offset", "percent", "fixed"]
    value: Decimal = Decimal(0)
    text: str = ""


@dataclass(frozen=True)
class Outcome:
    status: str
    after: timedelta | None = None
    paid_amount: PaidAmount | None = None
    reason: str | None = None
    code: int | None = None


@dataclass(frozen=True)
class Callbacks:
    send: bool = True
    delay: timedelta | None = None
    copies: int = 1
    spacing: timedelta | None = None
    sequence: tuple[str, ...] = ()
    signature: str = "valid"
    tamper: Mapping[str, TamperValue] = field(default_factory=dict)
    redeliver_after: timedelta | None = None


AckValue = str | int | bool | None  # a JSON field value a custom ack rule requires


@dataclass(frozen=True)
class CustomAck:
    """`ack: {status: [200], json: {code: 1000}}` or `ack: {status: [200], body: "ok"}`."""

    statuses: tuple[int, ...]
    json: tuple[tuple[str, AckValue], ...] = ()
    body: str | None = None


@dataclass(frozen=True)
class Delivery:
    timeout: timedelta | None = None
    retries: tuple[timedelta, ...] | None = None
    ack: str | CustomAck | None = None  # "gateway" | "any-2xx" | a custom rule
    # A named policy of one of the gateways (`delivery.profile`), found when the file is checked.
    profile: RetryPolicy | None = None


@dataclass(frozen=True)
class Rule:
    index: int
    line: int | None
    when: When = field(default_factory=When)
    respond: Respond | None = None
    outcome: Outcome | None = None
    callbacks: Callbacks | None = None
    delivery: Delivery | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    gateway: str  # a gateway name or "*"
    description: str
    file: str
    rules: tuple[Rule, ...]

    @property
    def neutral(self) -> bool:
        return self.gateway == NEUTRAL

    @property
    def key(self) -> tuple[str, str]:
        return (self.gateway, self.name)


BLOCKS = ("respond", "outcome", "callbacks", "delivery")
