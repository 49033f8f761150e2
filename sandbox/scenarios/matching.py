"""Does a rule match a request? The `when` conditions, and which neutral rules a gateway skips.

Amounts are Decimal. A gateway-specific rule reads amounts in the gateway API's own units; a
gateway-neutral one in major units (converted with the gateway's per-currency exponent). Text
tests (`prefix`, `suffix`, `regex`) read the amount's canonical text in those units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sandbox.scenarios.model import AmountMatch, Rule, Scenario, TextMatch, When
from sandbox.scenarios.vocabulary import Vocabulary


@dataclass(frozen=True)
class RequestFacts:
    """What a gateway read from a valid request, in its API's own units."""

    gateway: str
    operation: str  # one of the gateway's operation ids
    merchant: str
    amount: Decimal | None = None
    currency: str | None = None
    channel: str | None = None
    order_no: str | None = None
    card_number: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # names lower-case


def canonical_amount(amount: Decimal, places: int) -> str:
    """`5.9` with 2 places → `"5.90"`; `20099` with 0 places → `"20099"`."""
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):f}"


def amount_matches(test: AmountMatch, amount: Decimal, text: str) -> bool:
    checks = (
        test.eq is None or amount == test.eq,
        test.gte is None or amount >= test.gte,
        test.lte is None or amount <= test.lte,
        test.gt is None or amount > test.gt,
        test.lt is None or amount < test.lt,
        test.in_ is None or amount in test.in_,
        test.prefix is None or text.startswith(test.prefix),
        test.suffix is None or text.endswith(test.suffix),
        test.regex is None or test.regex.search(text) is not None,
    )
    return all(checks)


def text_matches(test: TextMatch, value: str) -> bool:
    return (
        (test.exact is None or value == test.exact)
        and (test.prefix is None or value.startswith(test.prefix))
        and (test.suffix is None or value.endswith(test.suffix))
        and (test.regex is None or test.regex.search(value) is not None)
    )


def when_matches(when: When, facts: RequestFacts, vocab: Vocabulary, neutral: bool) -> bool:
    wanted = when.operation
    if (
        wanted is not None
        and wanted != facts.operation
        and wanted not in vocab.operation_kinds(facts.operation)
    ):
        return False
    if when.merchant is not None and when.merchant != facts.merchant:
        return False
    if when.currency is not None and (facts.currency or "").upper() != when.currency:
        return False
    if when.channel is not None and when.channel != facts.channel:
        return False
    if when.card_number is not None and when.card_number != facts.card_number:
        return False
    if when.order_no is not None and (
        facts.order_no is None or not text_matches(when.order_no, facts.order_no)
    ):
        return False
    for name, value in when.header.items():
        if facts.headers.get(name) != value:
            return False
    if when.amount is not None:
        if facts.amount is None:
            return False
        amount = vocab.to_major(facts.amount, facts.currency) if neutral else facts.amount
        places = vocab.exponent(facts.currency) if neutral else vocab.api_places(facts.currency)
        if not amount_matches(when.amount, amount, canonical_amount(amount, places)):
            return False
    return True


def skip_reason(scenario: Scenario, rule: Rule, vocab: Vocabulary) -> str | None:
    """Why a gateway-neutral rule means nothing for this gateway (None: it applies)."""
    when = rule.when
    ops = (
        vocab.operations_for(when.operation) if when.operation else list(vocab.operations.values())
    )
    if when.operation is not None and not ops:
        return f"{vocab.title} has no {when.operation!r} operation"
    if (
        when.channel is not None
        and vocab.channels is not None
        and when.channel not in vocab.channels
    ):
        return f"{when.channel!r} is not {vocab.a_title} channel"
    if when.card_number is not None and not vocab.has_cards:
        return f"{vocab.title} has no cards"
    if rule.respond is not None:
        for named in rule.respond.errors:
            error = vocab.find_error(named)
            if error is None or not error.forcible:
                return f"{named} is not {vocab.a_title} error"
    if rule.outcome is not None:
        if not any(rule.outcome.status in op.outcomes for op in ops):
            return f"no {vocab.title} operation here accepts outcome {rule.outcome.status!r}"
        failure = rule.outcome.code
        if failure is not None and not vocab.outcome_code:
            return f"{vocab.title} outcomes carry no code"
        known = vocab.failure_codes
        if failure is not None and known is not None and failure not in known:
            return f"{failure} is not {vocab.a_title} failure code"
    if rule.callbacks is not None:
        for key in rule.callbacks.tamper:
            if key not in vocab.tamper_keys:
                return f"{vocab.title} has no field for {key!r}"
    return None


def applies(rule: Rule, operation: str, vocab: Vocabulary) -> bool:
    """A rule whose outcome the operation cannot take does not apply to it (e.g. a query)."""
    if rule.outcome is None:
        return True
    found = vocab.operations.get(operation)
    if found is None:
        return True
    if rule.outcome.paid_amount is None and rule.outcome.status in found.needs_paid_amount:
        return False
    return rule.outcome.status in found.outcomes


# -- the rule index -------------------------------------------------------------------------

# The exact-value tests an index can look up, in the order one is picked to file a rule under:
# a rule testing several is filed under the first (when_matches still checks them all).
_EXACT_FIELDS = ("card_number", "merchant", "channel", "currency")


def _exact_value(when: When, name: str) -> str | None:
    value: str | None = getattr(when, name)
    return value


def _fact_value(facts: RequestFacts, name: str) -> str | None:
    if name == "currency":
        return (facts.currency or "").upper()
    value: str | None = getattr(facts, name)
    return value


class RuleIndex:
    """The rules of one scenario for one operation, filed by a test each must pass, so that a
    request reads only the rules that can match it (in their order), never, say, a card-number
    rule when it has another card or none. `matching_order(facts)` lists the same rules that
    pass `when_matches`, in the same order, as reading `rules` one by one does."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        self._always: list[int] = []  # positions of rules with no test filed in an index
        self._exact: dict[str, dict[str, list[int]]] = {}
        self._order_exact: dict[str, list[int]] = {}
        self._prefixes: dict[int, dict[str, list[int]]] = {}  # length -> prefix -> positions
        for position, rule in enumerate(rules):
            self._file(position, rule.when)

    def _file(self, position: int, when: When) -> None:
        for name in _EXACT_FIELDS:
            value = _exact_value(when, name)
            if value is not None:
                self._exact.setdefault(name, {}).setdefault(value, []).append(position)
                return
        order_no = when.order_no
        if order_no is not None and order_no.exact is not None:
            self._order_exact.setdefault(order_no.exact, []).append(position)
        elif order_no is not None and order_no.prefix is not None:
            by_prefix = self._prefixes.setdefault(len(order_no.prefix), {})
            by_prefix.setdefault(order_no.prefix, []).append(position)
        else:
            self._always.append(position)

    def candidates(self, facts: RequestFacts) -> list[Rule]:
        """The rules that may match `facts`, in rule order (a superset of those that do)."""
        found = list(self._always)
        for name, filed in self._exact.items():
            value = _fact_value(facts, name)
            if value is not None:
                found += filed.get(value, ())
        order_no = facts.order_no
        if order_no is not None:
            found += self._order_exact.get(order_no, ())
            for length, filed in self._prefixes.items():
                found += filed.get(order_no[:length], ())
        found.sort()
        rules = self.rules
        return [rules[position] for position in found]

    def matching_order(self, facts: RequestFacts, vocab: Vocabulary, neutral: bool) -> list[Rule]:
        return [
            rule
            for rule in self.candidates(facts)
            if when_matches(rule.when, facts, vocab, neutral)
        ]
