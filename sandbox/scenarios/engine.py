"""The `Plan` a gateway applies: which rule decides each block for one request.

For each request the rules of the selected scenarios are read in order, then those of the
gateway's `default`; each block (`respond`, `outcome`, `callbacks`, `delivery`) is taken from the
first matching rule that defines it. The engine never builds a gateway body: the plan says what to
do in neutral terms and the gateway renders it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

from sandbox.scenarios.matching import (
    RequestFacts,
    RuleIndex,
    applies,
    skip_reason,
    when_matches,
)
from sandbox.scenarios.model import Callbacks, Delivery, PaidAmount, Rule, Scenario, TamperValue
from sandbox.scenarios.vocabulary import ErrorCode, Vocabulary

__all__ = [
    "CODE_HEADER",
    "SCENARIO_HEADER",
    "BadHeader",
    "Counters",
    "Plan",
    "PlannedOutcome",
    "PlannedResponse",
    "RequestFacts",
    "RuleCandidates",
    "Source",
    "build_plan",
    "forced_response",
    "paid_amount",
]

SCENARIO_HEADER = "x-sandbox-scenario"
CODE_HEADER = "x-sandbox-code"


@dataclass(frozen=True)
class Source:
    """Where a block came from: a scenario rule, or the `X-Sandbox-Code` header."""

    scenario: str
    gateway: str
    rule: int | None = None
    file: str = ""
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "gateway": self.gateway,
            "rule": self.rule,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True)
class PlannedResponse:
    """How to answer. `error` set: answer with that error (message already chosen). `http_status`
    set: a raw HTTP fault with `body`. `drop`: close the connection without an answer. `delay`:
    answer this late. `commit`: process the request normally first, then spoil the answer."""

    source: Source
    error: ErrorCode | None = None
    message: str | None = None
    http_status: int | None = None
    body: str | None = None
    delay: timedelta | None = None
    drop: bool = False
    commit: bool = False

    @property
    def processes(self) -> bool:
        """Is the request processed (order created, state changed) before answering?"""
        spoiled = self.error is not None or self.http_status is not None or self.drop
        return self.commit or not spoiled


@dataclass(frozen=True)
class PlannedOutcome:
    """What happens to the order: neutral `status` after `after` (None: the gateway's default).
    `paid_amount` is already computed, in the API's units (None: the gateway's default)."""

    source: Source
    status: str
    after: timedelta | None = None
    paid_amount: Decimal | None = None
    reason: str | None = None
    code: int | None = None


@dataclass(frozen=True)
class BadHeader:
    """An unusable `X-Sandbox-Code` / `X-Sandbox-Scenario` value: the gateway answers its own
    bad-request error naming `header` (e.g. EzPay `21002 Request param error: <text>`)."""

    header: str  # as documented: "X-Sandbox-Code"
    reason: str

    @property
    def text(self) -> str:
        return f"{self.header}: {self.reason}"


@dataclass(frozen=True)
class Plan:
    """Each block None when no rule defined it: the gateway's built-in behaviour applies.

    `bad_request` set: a scenario header was unusable; the gateway answers its own bad-request
    error naming the header and does nothing else. `callbacks.tamper` keys are gateway field names.
    """

    respond: PlannedResponse | None = None
    outcome: PlannedOutcome | None = None
    callbacks: Callbacks | None = None
    delivery: Delivery | None = None
    sources: Mapping[str, Source] = field(default_factory=dict)  # block → where it came from
    scenarios: tuple[str, ...] = ()  # the scenarios read, in order
    bad_request: BadHeader | None = None

    def to_json(self) -> dict[str, Any]:
        """A summary for the request journal: which scenario and rule decided each block."""
        return {
            "scenarios": list(self.scenarios),
            "blocks": {block: source.to_json() for block, source in self.sources.items()},
            "bad_request": self.bad_request.text if self.bad_request is not None else None,
        }


# -- the plan -------------------------------------------------------------------------------


CounterKey = tuple[str, str, int, str, str]


class TurnCounter(Protocol):
    """Cycle positions kept elsewhere (replicas share them through the store)."""

    def take_turn(self, key: CounterKey) -> int: ...


Counters = dict[CounterKey, int] | TurnCounter


def take_turn(counters: Counters, key: CounterKey) -> int:
    """The position this request gets in a cycling list (0 first), counting it."""
    if isinstance(counters, dict):
        turn = counters.get(key, 0)
        counters[key] = turn + 1
        return turn
    return counters.take_turn(key)


def build_plan(
    facts: RequestFacts,
    vocab: Vocabulary,
    scenarios: Sequence[Scenario],
    counters: Counters,
    candidates: RuleCandidates | None = None,
) -> Plan:
    """The plan for one request from the scenarios in order (the `default` last).

    `counters` holds the cycle position of list-valued `respond.error` per rule and merchant and
    is advanced here. `candidates` is the sandbox's memo of which rules can apply to an
    operation (a fresh one, worked out anew, when not given).
    """
    if candidates is None:
        candidates = RuleCandidates()
    decided: dict[str, tuple[Scenario, Rule]] = {}
    for scenario in scenarios:
        neutral = scenario.neutral
        for rule in candidates.index(scenario, facts.operation, vocab).candidates(facts):
            if not when_matches(rule.when, facts, vocab, neutral):
                continue
            for block in ("respond", "outcome", "callbacks", "delivery"):
                if block not in decided and getattr(rule, block) is not None:
                    decided[block] = (scenario, rule)
            if len(decided) == 4:
                break
        if len(decided) == 4:
            break
    return _plan_from(facts, vocab, decided, counters, tuple(s.name for s in scenarios))


class RuleCandidates:
    """Per scenario object and operation, the rules that can apply at all (what depends on the
    request's operation only, worked out once), indexed by the field each tests (`RuleIndex`).
    One per sandbox; scenario objects are replaced, never changed, when a file is uploaded
    again, so an entry is valid while its object lives."""

    LIMIT = 4096  # scenarios uploaded over a long run: start afresh past this many entries

    def __init__(self) -> None:
        self._found: dict[tuple[int, str, str], tuple[Scenario, RuleIndex]] = {}

    def index(self, scenario: Scenario, operation: str, vocab: Vocabulary) -> RuleIndex:
        key = (id(scenario), operation, vocab.gateway)
        found = self._found.get(key)
        if found is not None and found[0] is scenario:
            return found[1]
        index = RuleIndex(_candidates(scenario, operation, vocab))
        if len(self._found) >= self.LIMIT:
            self._found.clear()
        self._found[key] = (scenario, index)
        return index

    def rules(self, scenario: Scenario, operation: str, vocab: Vocabulary) -> tuple[Rule, ...]:
        """Every rule that can apply to the operation, in order (what the index files)."""
        return self.index(scenario, operation, vocab).rules

    def clear(self) -> None:
        self._found.clear()


def _candidates(scenario: Scenario, operation: str, vocab: Vocabulary) -> tuple[Rule, ...]:
    kinds = vocab.operation_kinds(operation)
    return tuple(
        rule
        for rule in scenario.rules
        if not (scenario.neutral and skip_reason(scenario, rule, vocab) is not None)
        and applies(rule, operation, vocab)
        and (
            rule.when.operation is None
            or rule.when.operation == operation
            or rule.when.operation in kinds
        )
    )


def _source(scenario: Scenario, rule: Rule) -> Source:
    return Source(scenario.name, scenario.gateway, rule.index, scenario.file, rule.line)


def _plan_from(
    facts: RequestFacts,
    vocab: Vocabulary,
    decided: Mapping[str, tuple[Scenario, Rule]],
    counters: Counters,
    names: tuple[str, ...],
) -> Plan:
    sources = {block: _source(*pair) for block, pair in decided.items()}
    respond = None
    if "respond" in decided:
        scenario, rule = decided["respond"]
        assert rule.respond is not None
        error = None
        errors = rule.respond.errors
        if errors:
            key = (scenario.gateway, scenario.name, rule.index, facts.gateway, facts.merchant)
            turn = take_turn(counters, key)
            error = vocab.find_error(errors[turn % len(errors)])
        respond = PlannedResponse(
            source=sources["respond"],
            error=error,
            message=(rule.respond.message or error.message) if error is not None else None,
            http_status=rule.respond.http_status,
            body=rule.respond.body,
            delay=rule.respond.delay,
            drop=rule.respond.drop,
            commit=rule.respond.commit,
        )
    outcome = None
    if "outcome" in decided:
        scenario, rule = decided["outcome"]
        assert rule.outcome is not None
        paid = None
        expr = rule.outcome.paid_amount
        # A fixed amount needs no order amount (EzPay static codes have none).
        if expr is not None and (facts.amount is not None or expr.kind == "fixed"):
            order_amount = facts.amount if facts.amount is not None else Decimal(0)
            paid = paid_amount(expr, order_amount, facts.currency, vocab, scenario.neutral)
        outcome = PlannedOutcome(
            source=sources["outcome"],
            status=rule.outcome.status,
            after=rule.outcome.after,
            paid_amount=paid,
            reason=rule.outcome.reason,
            code=rule.outcome.code,
        )
    callbacks = None
    if "callbacks" in decided:
        scenario, rule = decided["callbacks"]
        assert rule.callbacks is not None
        callbacks = rule.callbacks
        if scenario.neutral and callbacks.tamper:
            tamper = {
                vocab.tamper_keys[key]: tamper_in_api_units(key, value, vocab, facts.currency)
                for key, value in callbacks.tamper.items()
            }
            callbacks = replace(callbacks, tamper=tamper)
    delivery = decided["delivery"][1].delivery if "delivery" in decided else None
    return Plan(respond, outcome, callbacks, delivery, sources, names)


def tamper_in_api_units(
    key: str, value: TamperValue, vocab: Vocabulary, currency: str | None
) -> TamperValue:
    """A neutral tamper value as the gateway carries it: neutral amounts are major units, so on a
    minor-unit API (EzPay) `paid_amount: "1.00"` becomes 100 (PHP) or 1 (IDR)."""
    if key not in ("order_amount", "paid_amount") or vocab.amount_unit == "major":
        return value
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        return value
    try:
        amount = vocab.from_major(Decimal(str(value)), currency)
    except InvalidOperation:
        return value
    return int(amount) if amount == amount.to_integral_value() else amount


def paid_amount(
    expr: PaidAmount, order_amount: Decimal, currency: str | None, vocab: Vocabulary, neutral: bool
) -> Decimal:
    """The paid amount in the API's units; neutral numbers are major units, converted here.
    Percentages round half-up to the currency's minor unit; the result is never negative."""
    quantum = Decimal(1).scaleb(-vocab.api_places(currency))
    if expr.kind == "order":
        return order_amount
    if expr.kind == "percent":
        value = order_amount * expr.value / Decimal(100)
        return max(Decimal(0), value.quantize(quantum, rounding=ROUND_HALF_UP))
    number = vocab.from_major(expr.value, currency) if neutral else expr.value
    if expr.kind == "offset":
        return max(Decimal(0), order_amount + number)
    return number


def forced_response(value: str, vocab: Vocabulary) -> PlannedResponse | BadHeader:
    """`X-Sandbox-Code: <value>` as a response, or the bad header."""
    error = vocab.find_error(value)
    if error is None or not error.forcible:
        reason = f"{value!r} is not {vocab.a_title} error code that can be forced"
        return BadHeader("X-Sandbox-Code", reason)
    source = Source("X-Sandbox-Code", vocab.gateway)
    return PlannedResponse(source=source, error=error, message=error.message)
