"""Matching and plans: per-block first match, neutral scenarios, cycling, amounts, headers."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from support.gateways import known_terms, vocabulary

from sandbox.scenarios.engine import Counters, RequestFacts, build_plan, paid_amount
from sandbox.scenarios.library import load_library
from sandbox.scenarios.loader import load_scenario_text
from sandbox.scenarios.matching import canonical_amount
from sandbox.scenarios.model import PaidAmount, Scenario
from sandbox.scenarios.selection import Selection
from sandbox.scenarios.service import Scenarios, SelectionError, skipped_rules
from sandbox.scenarios.vocabulary import Vocabulary


def scenario(text: str, file: str = "t.yaml") -> Scenario:
    return load_scenario_text(textwrap.dedent(text), file, known_terms())


def vocab(gateway: str) -> Vocabulary:
    return vocabulary(gateway)


TP = "trustpay"


def facts(**kwargs: Any) -> RequestFacts:
    base: dict[str, Any] = {"gateway": TP, "operation": "payin.card", "merchant": "m1"}
    base.update(kwargs)
    return RequestFacts(**base)


@pytest.fixture(scope="module")
def service() -> Scenarios:
    from sandbox.scenarios.selection import Selection

    return Scenarios(load_library(known_terms()), Selection(), known_terms())


def test_each_block_comes_from_the_first_rule_that_defines_it() -> None:
    first = scenario(
        """
        gateway: "*"
        rules:
          - callbacks: {copies: 3, spacing: 1s}
        """
    )
    default = scenario(
        """
        gateway: trustpay
        rules:
          - when: {card_number: "4000000000000002"}
            outcome: {status: failed, reason: "card declined"}
          - outcome: {status: success}
            callbacks: {copies: 1}
        """
    )
    plan = build_plan(facts(card_number="4000000000000002"), vocab(TP), [first, default], {})
    assert plan.outcome is not None and plan.outcome.status == "failed"
    assert plan.outcome.reason == "card declined"
    assert plan.callbacks is not None and plan.callbacks.copies == 3
    assert plan.respond is None and plan.delivery is None
    assert plan.sources["callbacks"].scenario == "t" and plan.sources["outcome"].rule == 0


@pytest.mark.parametrize(
    ("when", "matching", "other"),
    [
        ("{amount: {gte: '10.00', lt: 20}}", {"amount": Decimal("10")}, {"amount": Decimal("20")}),
        ("{amount: '5.99'}", {"amount": Decimal("5.990")}, {"amount": Decimal("5.98")}),
        ("{amount: {in: [1, 2.50]}}", {"amount": Decimal("2.5")}, {"amount": Decimal("3")}),
        ("{amount: {suffix: '.99'}}", {"amount": Decimal("100.99")}, {"amount": Decimal("99")}),
        ("{amount: {suffix: '.90'}}", {"amount": Decimal("5.9")}, {"amount": Decimal("5.09")}),
        ("{amount: {prefix: '12'}}", {"amount": Decimal("123.00")}, {"amount": Decimal("2.12")}),
        ("{amount: {regex: '^1+\\.00$'}}", {"amount": Decimal("111")}, {"amount": Decimal("1.01")}),
        ("{currency: usd}", {"currency": "USD"}, {"currency": "INR"}),
        ("{order_no: E880005-1}", {"order_no": "E880005-1"}, {"order_no": "E880005-12"}),
        ("{order_no: {prefix: A-, suffix: -Z}}", {"order_no": "A-1-Z"}, {"order_no": "A-1"}),
        ("{order_no: {regex: '^[0-9]+$'}}", {"order_no": "123"}, {"order_no": "12a"}),
        ("{channel: '5'}", {"channel": "5"}, {"channel": "9"}),
        ("{merchant: m1}", {"merchant": "m1"}, {"merchant": "m2"}),
        ("{header: {X-Case: dup}}", {"headers": {"x-case": "dup"}}, {"headers": {}}),
        ("{operation: payin}", {"operation": "payin.cashier"}, {"operation": "payout"}),
        ("{operation: payout}", {"operation": "payout"}, {"operation": "payin.card"}),
    ],
)
def test_each_condition(when: str, matching: dict[str, object], other: dict[str, object]) -> None:
    rules = scenario(f"gateway: trustpay\nrules:\n  - when: {when}\n    respond: {{drop: true}}\n")
    assert build_plan(facts(**matching), vocab(TP), [rules], {}).respond is not None
    assert build_plan(facts(**other), vocab(TP), [rules], {}).respond is None


def test_a_condition_on_a_value_the_request_lacks_does_not_match() -> None:
    rules = scenario(
        "gateway: trustpay\nrules:\n  - when: {order_no: x}\n    respond: {drop: true}\n"
    )
    assert build_plan(facts(), vocab(TP), [rules], {}).respond is None


def test_ezpay_amounts_match_in_minor_units_and_neutral_ones_in_major() -> None:
    ez = vocab("ezpay")
    own = scenario(
        "gateway: ezpay\nrules:\n  - when: {amount: {suffix: '99'}}\n    respond: {drop: true}\n"
    )
    neutral = scenario(
        "gateway: '*'\nrules:\n  - when: {amount: {gte: 100.99}}\n    respond: {drop: true}\n"
    )
    php = RequestFacts("ezpay", "payment.create", "m", amount=Decimal(10099), currency="PHP")
    idr = RequestFacts("ezpay", "payment.create", "m", amount=Decimal(20099), currency="IDR")
    assert build_plan(php, ez, [own], {}).respond is not None
    assert build_plan(idr, ez, [own], {}).respond is not None
    assert build_plan(php, ez, [neutral], {}).respond is not None  # 100.99 PHP
    low = RequestFacts("ezpay", "payment.create", "m", amount=Decimal(10098), currency="PHP")
    assert build_plan(low, ez, [neutral], {}).respond is None


def test_canonical_amount_text() -> None:
    assert canonical_amount(Decimal("5.9"), 2) == "5.90"
    assert canonical_amount(Decimal("20099"), 0) == "20099"
    assert canonical_amount(Decimal("1E+2"), 2) == "100.00"


def test_paid_amount_expressions() -> None:
    tp, ez = vocab(TP), vocab("ezpay")
    order = Decimal("10.01")
    assert paid_amount(PaidAmount("order"), order, "USD", tp, False) == order
    assert paid_amount(PaidAmount("offset", Decimal("-1.00")), order, "USD", tp, False) == Decimal(
        "9.01"
    )
    assert paid_amount(PaidAmount("percent", Decimal(50)), order, "USD", tp, False) == Decimal(
        "5.01"
    )
    assert paid_amount(PaidAmount("offset", Decimal(-20)), order, "USD", tp, False) == 0
    assert paid_amount(PaidAmount("fixed", Decimal("3")), order, "USD", tp, False) == 3
    # neutral amounts are major units: PHP 1.00 = 100 minor units on EzPay, IDR has no decimals
    php = paid_amount(PaidAmount("offset", Decimal("-1.00")), Decimal(10001), "PHP", ez, True)
    assert php == Decimal(9901)
    idr = paid_amount(PaidAmount("offset", Decimal("-1.00")), Decimal(20000), "IDR", ez, True)
    assert idr == Decimal(19999)
    assert paid_amount(PaidAmount("percent", Decimal(50)), Decimal(101), "PHP", ez, True) == 51
    for value in (php, idr):
        assert isinstance(value, Decimal)


def test_list_errors_cycle_per_merchant() -> None:
    rules = scenario("gateway: trustpay\nrules:\n  - respond: {error: [880005, 880013, 880022]}\n")
    counters: Counters = {}

    def code(merchant: str) -> str:
        plan = build_plan(facts(merchant=merchant), vocab(TP), [rules], counters)
        assert plan.respond is not None and plan.respond.error is not None
        return plan.respond.error.code

    assert [code("a") for _ in range(4)] == ["880005", "880013", "880022", "880005"]
    assert code("b") == "880005"


def test_error_message_comes_from_the_table_or_the_override() -> None:
    rules = scenario(
        "gateway: trustpay\nrules:\n  - when: {merchant: a}\n    respond: {error: 880005}\n"
        "  - respond: {error: insufficient_balance, message: custom}\n"
    )
    first = build_plan(facts(merchant="a"), vocab(TP), [rules], {}).respond
    second = build_plan(facts(merchant="b"), vocab(TP), [rules], {}).respond
    assert first is not None and first.message == "insufficient_balance" and not first.processes
    assert second is not None and second.message == "custom" and second.error is not None
    assert second.error.value == 880005


def test_commit_and_delay_process_the_request() -> None:
    rules = scenario(
        "gateway: '*'\nrules:\n  - when: {merchant: a}\n    respond: {drop: true, commit: true}\n"
        "  - respond: {delay: 6s}\n"
    )
    committed = build_plan(facts(merchant="a"), vocab(TP), [rules], {}).respond
    late = build_plan(facts(merchant="b"), vocab(TP), [rules], {}).respond
    assert committed is not None and committed.drop and committed.processes
    assert late is not None and late.delay == timedelta(seconds=6) and late.processes


def test_neutral_rules_a_gateway_cannot_use_are_skipped_and_listed() -> None:
    neutral = scenario(
        """
        gateway: "*"
        rules:
          - when: {operation: refund}
            outcome: {status: success}
          - outcome: {status: failed, code: -10004}
          - callbacks: {tamper: {paid_amount: "1.00"}}
        """
    )
    skips = skipped_rules(neutral, known_terms())
    assert [s["rule"] for s in skips["goldenpay"]] == [0, 1]
    assert skips["trustpay"] == []  # TrustPay takes any failure code (prefixed to the reason)
    assert skips["ezpay"] == []
    gp = RequestFacts("goldenpay", "payout.create", "10001")
    plan = build_plan(gp, vocab("goldenpay"), [neutral], {})
    assert plan.outcome is None and plan.callbacks is not None
    assert dict(plan.callbacks.tamper) == {"payed_amount": "1.00"}
    ez = RequestFacts("ezpay", "payout.create", "m", currency="PHP")
    ez_plan = build_plan(ez, vocab("ezpay"), [neutral], {})
    assert ez_plan.outcome is not None and ez_plan.outcome.code == -10004
    # Neutral amounts are major units: PHP 1.00 is 100 minor units on EzPay, IDR 1 is 1.
    assert ez_plan.callbacks is not None and dict(ez_plan.callbacks.tamper) == {"amount": 100}
    idr = RequestFacts("ezpay", "payout.create", "m", currency="IDR")
    idr_plan = build_plan(idr, vocab("ezpay"), [neutral], {})
    assert idr_plan.callbacks is not None and dict(idr_plan.callbacks.tamper) == {"amount": 1}


def test_a_rule_whose_outcome_the_operation_cannot_take_does_not_apply() -> None:
    neutral = scenario("gateway: '*'\nrules:\n  - outcome: {status: expired}\n")
    payout = RequestFacts("ezpay", "payout.create", "m")
    payment = RequestFacts("ezpay", "payment.create", "m")
    assert build_plan(payout, vocab("ezpay"), [neutral], {}).outcome is None
    assert build_plan(payment, vocab("ezpay"), [neutral], {}).outcome is not None
    query = facts(operation="query")
    assert build_plan(query, vocab(TP), [neutral], {}).outcome is None


def test_default_magic_values(service: Scenarios) -> None:
    declined = service.plan(facts(card_number="4000000000000002", order_no="o1"))
    assert declined.outcome is not None and declined.outcome.reason == "card declined"
    forced = service.plan(facts(order_no="E880005-1"))
    assert forced.respond is not None and forced.respond.error is not None
    assert (
        forced.respond.error.code == "880005" and forced.respond.message == "insufficient_balance"
    )
    backend = service.plan(facts(order_no="E880010-1"))
    assert backend.respond is not None and backend.respond.processes
    ninety_nine = service.plan(
        RequestFacts("ezpay", "payment.create", "m", amount=Decimal(10099), currency="PHP")
    )
    assert ninety_nine.outcome is not None and ninety_nine.outcome.status == "success"
    failing = service.plan(RequestFacts("ezpay", "payout.create", "m", order_no="F10003-PO-1"))
    assert failing.outcome is not None and failing.outcome.code == -10003
    short = service.plan(
        RequestFacts(
            "goldenpay",
            "collect.create",
            "10001",
            amount=Decimal("100.02"),
            channel="mock",
            currency="PHP",
        )
    )
    assert short.outcome is not None and short.outcome.paid_amount == Decimal("99.02")


def test_sandbox_code_header_forces_an_error_or_names_the_header(service: Scenarios) -> None:
    plan = service.plan(facts(headers={"x-sandbox-code": "880013"}))
    assert plan.respond is not None and plan.respond.error is not None
    assert plan.respond.error.code == "880013" and plan.respond.source.scenario == "X-Sandbox-Code"
    by_name = service.plan(
        RequestFacts("goldenpay", "balance", "10001", headers={"x-sandbox-code": "order_not_found"})
    )
    assert by_name.respond is not None and by_name.respond.message == "Order not found"
    bad = service.plan(facts(headers={"x-sandbox-code": "99"}))
    assert bad.bad_request is not None and bad.bad_request.header == "X-Sandbox-Code"
    assert bad.bad_request.reason == "'99' is not a TrustPay error code that can be forced"
    assert bad.respond is None


def test_unknown_scenario_header_is_a_bad_request(service: Scenarios) -> None:
    bad = service.plan(facts(headers={"x-sandbox-scenario": "nope"}))
    assert bad.bad_request is not None
    assert bad.bad_request.text == "X-Sandbox-Scenario: no TrustPay scenario 'nope'"


def test_selection_precedence() -> None:
    library = load_library(known_terms())
    service = Scenarios(library, Selection(startup=("slow-gateway",)), known_terms())
    service.activate(("gateway-down",), "trustpay", "m1")

    def respond_of(merchant: str, header: str | None = None) -> str:
        headers = {"x-sandbox-scenario": header} if header else {}
        plan = service.plan(facts(merchant=merchant, headers=headers))
        assert plan.respond is not None
        return plan.respond.source.scenario

    assert respond_of("m1", "connection-drop") == "connection-drop"  # header
    assert respond_of("m1") == "gateway-down"  # merchant
    assert respond_of("m2") == "slow-gateway"  # global
    header_only = service.plan(facts(merchant="m2", headers={"x-sandbox-scenario": "autopay"}))
    assert header_only.respond is None  # the header replaces the global selection
    assert header_only.scenarios == ("autopay", "default")
    service.selection.set_global(())
    plan = service.plan(facts(merchant="m2", order_no="E880005-x"))
    assert plan.respond is not None and plan.respond.source.scenario == "default"
    service.after_reset("trustpay", "m1")
    assert service.selection.names_for("trustpay", "m1") == ()
    service.after_reset(None, None)
    assert service.selection.active == ("slow-gateway",)


def test_reset_rewinds_cycles_for_everyone_or_one_merchant() -> None:
    service = Scenarios(
        load_library(known_terms()), Selection(startup=("error-sweep",)), known_terms()
    )

    def code(merchant: str) -> str:
        plan = service.plan(facts(merchant=merchant))
        assert plan.respond is not None and plan.respond.error is not None
        return plan.respond.error.code

    assert [code("a"), code("a"), code("b")] == ["880002", "880003", "880002"]
    service.after_reset("trustpay", "a")
    assert [code("a"), code("b")] == ["880002", "880003"]
    service.after_reset(None, None)
    assert code("b") == "880002"


def test_activation_checks_names() -> None:
    service = Scenarios(load_library(known_terms()), Selection(), known_terms())
    with pytest.raises(SelectionError, match="no scenario 'nope'"):
        service.activate(("nope",))
    with pytest.raises(SelectionError, match="no ezpay scenario"):
        service.activate(("nope",), "ezpay", "m")


def test_success_without_paid_amount_does_not_apply_to_ezpay_static_codes() -> None:
    # Spec ezpay.3: a static code has no order amount, so `success` needs `paid_amount`.
    neutral = scenario("gateway: '*'\nrules:\n  - outcome: {status: success}\n")
    static = RequestFacts("ezpay", "static.create", "m", currency="PHP")
    assert build_plan(static, vocab("ezpay"), [neutral], {}).outcome is None
    payment = RequestFacts("ezpay", "payment.create", "m", currency="PHP", amount=Decimal(500))
    planned = build_plan(payment, vocab("ezpay"), [neutral], {}).outcome
    assert planned is not None and planned.status == "success"
    paid = scenario("gateway: '*'\nrules:\n  - outcome: {status: success, paid_amount: 5}\n")
    planned = build_plan(static, vocab("ezpay"), [paid], {}).outcome
    assert planned is not None and planned.paid_amount == Decimal(500)
