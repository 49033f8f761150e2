"""What each gateway's plug declares so scenarios can be checked and applied without gateway code.

A gateway declares its operations (with the neutral kinds they belong to and the outcome statuses
they accept), its error table, its channels, the units its API uses for amounts and the field
names neutral `tamper` keys stand for. The scenario engine only ever reads these tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sandbox.delivery.policy import RetryPolicy

NEUTRAL_KINDS = ("payin", "payin.hosted", "payout", "refund", "query", "account")
NEUTRAL_TAMPER_KEYS = ("order_amount", "paid_amount", "status")
ALL_OUTCOMES = frozenset({"success", "failed", "pending", "expired", "canceled"})


@dataclass(frozen=True)
class Operation:
    id: str
    kinds: frozenset[str]  # neutral kinds (NEUTRAL_KINDS) this operation belongs to
    outcomes: frozenset[str] = frozenset()  # outcome statuses it accepts; empty = none (sync)
    # Outcome statuses that need `paid_amount` here (EzPay static codes have no order amount).
    needs_paid_amount: frozenset[str] = frozenset()


def operation(
    op_id: str,
    *kinds: str,
    outcomes: frozenset[str] = frozenset(),
    needs_paid_amount: frozenset[str] = frozenset(),
) -> Operation:
    unknown = set(kinds) - set(NEUTRAL_KINDS)
    if unknown:
        raise ValueError(f"{op_id}: unknown neutral kind(s) {sorted(unknown)}")
    return Operation(op_id, frozenset(kinds), outcomes, needs_paid_amount)


@dataclass(frozen=True)
class ErrorCode:
    code: str  # as a scenario writes it: "880005", "too_many_requests"
    message: str
    name: str = ""  # the documented name, when the code is numeric
    forcible: bool = True  # may a scenario or X-Sandbox-Code force it?
    http_status: int = 200  # HTTP status the gateway answers it with

    @property
    def value(self) -> int | str:
        """The code as the gateway's envelope carries it."""
        return int(self.code) if self.code.lstrip("-").isdigit() else self.code


@dataclass(frozen=True)
class Vocabulary:
    gateway: str
    title: str  # "TrustPay", for messages
    operations: Mapping[str, Operation]
    errors: Mapping[str, ErrorCode]  # by code text; numeric gateways also reach them by name
    amount_unit: Literal["major", "minor"] = "major"
    exponents: Mapping[str, int] = field(default_factory=dict)  # per currency; default 2
    channels: frozenset[str] | None = None  # None: any text (e.g. TrustPay's routed channel ids)
    failure_codes: frozenset[int] | None = None  # outcome.code allowed; None: any integer
    outcome_code: bool = True  # False: outcome.code is refused (GoldenPay)
    tamper_keys: Mapping[str, str] = field(default_factory=dict)  # neutral name → field
    has_cards: bool = True
    # The error a gateway answers when a scenario header is bad (its "bad request" code).
    bad_request: str = ""

    @property
    def a_title(self) -> str:
        """The title with its article, for messages: "a TrustPay", "an EzPay"."""
        article = "an" if self.title[:1].lower() in "aeiou" else "a"
        return f"{article} {self.title}"

    def exponent(self, currency: str | None) -> int:
        return self.exponents.get((currency or "").upper(), 2)

    def find_error(self, value: object) -> ErrorCode | None:
        """The error `value` names: a code (int or text) or a documented name."""
        if isinstance(value, bool) or value is None:
            return None
        text = str(value).strip()
        if text in self.errors:
            return self.errors[text]
        for error in self.errors.values():
            if error.name and error.name == text:
                return error
        return None

    def operation_kinds(self, op_id: str) -> frozenset[str]:
        found = self.operations.get(op_id)
        return found.kinds if found is not None else frozenset()

    def operations_for(self, wanted: str) -> list[Operation]:
        """The operations an id or neutral kind names."""
        if wanted in self.operations:
            return [self.operations[wanted]]
        return [op for op in self.operations.values() if wanted in op.kinds]

    def to_major(self, amount: Decimal, currency: str | None) -> Decimal:
        if self.amount_unit == "major":
            return amount
        return amount.scaleb(-self.exponent(currency))

    def from_major(self, amount: Decimal, currency: str | None) -> Decimal:
        if self.amount_unit == "major":
            return amount
        return amount.scaleb(self.exponent(currency))

    def api_places(self, currency: str | None) -> int:
        """Decimal places of amounts in the API's own units (0 for minor units)."""
        return 0 if self.amount_unit == "minor" else self.exponent(currency)


@dataclass(frozen=True)
class Vocabularies:
    """What scenario files are checked against: the vocabularies of the gateways one sandbox (or
    one `sandbox scenarios` command) serves, and the delivery profiles those gateways publish.
    Built from the gateway list (`sandbox.runtime.scenario_terms`) and handed down."""

    by_gateway: Mapping[str, Vocabulary] = field(default_factory=dict)
    profiles: Mapping[str, RetryPolicy] = field(default_factory=dict)

    @staticmethod
    def of(vocabularies: Iterable[Vocabulary], policies: Iterable[RetryPolicy]) -> Vocabularies:
        return Vocabularies(
            {v.gateway: v for v in vocabularies}, {policy.name: policy for policy in policies}
        )

    def get(self, gateway: str) -> Vocabulary | None:
        return self.by_gateway.get(gateway)

    def all(self) -> list[Vocabulary]:
        return list(self.by_gateway.values())

    @property
    def gateways(self) -> list[str]:
        return sorted(self.by_gateway)
