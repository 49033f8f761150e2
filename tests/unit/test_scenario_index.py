"""The rule index picks what reading the rules one by one picks.

`RuleIndex` files each rule under one test it must pass (an exact card number, merchant, channel
or currency, an exact order number or its prefix), so a request reads only the rules that can
match it. These properties compare it with the plain reading, on generated rules and requests and
on the packaged scenario library.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from support.gateways import known_terms, vocabulary

from sandbox.scenarios.engine import RequestFacts, RuleCandidates, build_plan
from sandbox.scenarios.library import load_library
from sandbox.scenarios.matching import RuleIndex, when_matches
from sandbox.scenarios.model import (
    NEUTRAL,
    AmountMatch,
    Outcome,
    Respond,
    Rule,
    Scenario,
    TextMatch,
    When,
)
from sandbox.scenarios.patterns import compile_pattern
from sandbox.scenarios.vocabulary import Vocabulary

TEXT = st.text(alphabet="AB-1", max_size=4)


def vocab(gateway: str) -> Vocabulary:
    return vocabulary(gateway)


def order_tests() -> st.SearchStrategy[TextMatch | None]:
    return st.one_of(
        st.none(),
        st.builds(TextMatch, exact=TEXT),
        st.builds(TextMatch, prefix=TEXT),
        st.builds(TextMatch, prefix=TEXT, suffix=TEXT),
        st.builds(TextMatch, suffix=TEXT),
        st.builds(TextMatch, exact=TEXT, prefix=TEXT),
        st.just(TextMatch(regex=compile_pattern("^A+-"))),
    )


def sometimes(*values: Any) -> st.SearchStrategy[Any]:
    """Mostly no test at all, so that generated rules do match generated requests."""
    return st.one_of(st.none(), st.none(), st.none(), st.sampled_from(values))


whens = st.builds(
    When,
    amount=sometimes(AmountMatch(gte=Decimal(1))),
    currency=sometimes("USD", "PHP", ""),
    channel=sometimes("c1", "c2"),
    order_no=st.one_of(st.none(), order_tests()),
    card_number=sometimes("4111", "4242", ""),
    header=st.one_of(st.just({}), st.just({}), st.just({"x-k": "v"})),
    merchant=sometimes("m1", "m2"),
)

requests = st.builds(
    RequestFacts,
    gateway=st.just("trustpay"),
    operation=st.just("payin.cashier"),
    merchant=st.sampled_from(["m1", "m2", "m3"]),
    amount=st.sampled_from([None, Decimal("0.50"), Decimal("5.00")]),
    currency=st.sampled_from([None, "usd", "USD", "PHP", ""]),
    channel=st.sampled_from([None, "c1", "c3"]),
    order_no=st.one_of(st.none(), TEXT),
    card_number=st.sampled_from([None, "4111", "4242", "9", ""]),
    headers=st.sampled_from([{}, {"x-k": "v"}, {"x-k": "w"}]),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(whens, max_size=12), requests)
def test_the_index_lists_the_matching_rules_in_rule_order(
    tests: list[When], facts: RequestFacts
) -> None:
    rules = tuple(Rule(index=n, line=None, when=when) for n, when in enumerate(tests))
    trustpay = vocab("trustpay")
    linear = [rule for rule in rules if when_matches(rule.when, facts, trustpay, False)]
    assert RuleIndex(rules).matching_order(facts, trustpay, False) == linear
    read = [rule.index for rule in RuleIndex(rules).candidates(facts)]
    assert read == sorted(set(read))  # each rule read once, in order


def linear_sources(
    scenarios: list[Scenario], facts: RequestFacts, gw: Vocabulary
) -> dict[str, Any]:
    """Which scenario and rule decides each block, reading every candidate rule in order."""
    candidates = RuleCandidates()
    decided: dict[str, tuple[str, int]] = {}
    for scenario in scenarios:
        for rule in candidates.rules(scenario, facts.operation, gw):
            if when_matches(rule.when, facts, gw, scenario.neutral):
                for block in ("respond", "outcome", "callbacks", "delivery"):
                    if block not in decided and getattr(rule, block) is not None:
                        decided[block] = (scenario.name, rule.index)
    return decided


def library_values() -> dict[str, list[Any]]:
    """The values the packaged rules test, so generated requests hit them."""
    values: dict[str, set[Any]] = {"order_no": set(), "card_number": set(), "merchant": set()}
    for scenario in load_library(known_terms()).all():
        for rule in scenario.rules:
            when = rule.when
            if when.order_no is not None:
                values["order_no"].update(
                    text for text in (when.order_no.exact, when.order_no.prefix) if text
                )
            if when.card_number is not None:
                values["card_number"].add(when.card_number)
            if when.merchant is not None:
                values["merchant"].add(when.merchant)
    return {key: sorted(found) for key, found in values.items()}


LIBRARY = load_library(known_terms())
VALUES = library_values()


@st.composite
def library_requests(draw: st.DrawFn) -> tuple[str, RequestFacts]:
    gateway = draw(st.sampled_from(["trustpay", "ezpay", "goldenpay"]))
    gw = vocab(gateway)
    stem = draw(st.sampled_from(["", *VALUES["order_no"]]))
    facts = RequestFacts(
        gateway=gateway,
        operation=draw(st.sampled_from(sorted(gw.operations))),
        merchant=draw(st.sampled_from(["m1", *VALUES["merchant"]])),
        amount=draw(st.sampled_from([None, Decimal("1.00"), Decimal("20099"), Decimal("5.01")])),
        currency=draw(st.sampled_from([None, "USD", "PHP", "THB", "idr"])),
        channel=draw(st.sampled_from([None, *(sorted(gw.channels or ()))[:4]])),
        order_no=draw(st.one_of(st.none(), st.just(stem + draw(TEXT)))),
        card_number=draw(st.sampled_from([None, "4111111111111112", *VALUES["card_number"]])),
    )
    return gateway, facts


@settings(max_examples=300, deadline=None)
@given(library_requests(), st.sampled_from(sorted({key[1] for key in LIBRARY.scenarios})))
def test_plans_from_the_packaged_library_are_those_of_the_plain_reading(
    drawn: tuple[str, RequestFacts], name: str
) -> None:
    gateway, facts = drawn
    gw = vocab(gateway)
    scenarios = [s for s in (LIBRARY.resolve(name, gateway), LIBRARY.default(gateway)) if s]
    plan = build_plan(facts, gw, scenarios, {}, RuleCandidates())
    indexed = {block: (source.scenario, source.rule) for block, source in plan.sources.items()}
    assert indexed == linear_sources(scenarios, facts, gw)


def test_a_cashier_request_reads_no_card_number_rule() -> None:
    default = LIBRARY.default("trustpay")
    assert default is not None
    index = RuleCandidates().index(default, "payin.cashier", vocab("trustpay"))
    facts = RequestFacts("trustpay", "payin.cashier", "8820250900009", order_no="BENCH-1-2")
    read = index.candidates(facts)
    assert len(read) < len(index.rules)
    assert not any(rule.when.card_number is not None for rule in read)
    assert not any(
        rule.when.order_no is not None and rule.when.order_no.prefix == "E880002-" for rule in read
    )


def test_rules_carry_their_blocks_through_the_index() -> None:
    rules = (
        Rule(0, None, When(card_number="4111"), outcome=Outcome(status="success")),
        Rule(1, None, When(order_no=TextMatch(prefix="E-")), respond=Respond(errors=("x",))),
        Rule(2, None, When(), outcome=Outcome(status="failed")),
    )
    scenario = Scenario("t", NEUTRAL, "", "t.yaml", rules)
    assert scenario.rules == RuleIndex(rules).rules
    facts = RequestFacts("trustpay", "payin.card", "m1", card_number="4111", order_no="E-1")
    assert [r.index for r in RuleIndex(rules).candidates(facts)] == [0, 1, 2]
