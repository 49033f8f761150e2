"""Scenario files: every kind of mistake is refused with `file:line path: reason`."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from support.gateways import known_terms

from sandbox.scenarios.durations import format_duration, parse_duration
from sandbox.scenarios.library import library_dirs, load_library, packaged_root, scenario_files
from sandbox.scenarios.loader import ScenarioError, load_scenario_file, load_scenario_text
from sandbox.scenarios.model import Scenario


def load(text: str, file: str = "x.yaml") -> Scenario:
    return load_scenario_text(textwrap.dedent(text), file, known_terms())


def errors_of(text: str, file: str = "x.yaml") -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load(text, file)
    return caught.value.messages


def test_a_full_rule_loads_with_decimal_amounts_and_durations() -> None:
    scenario = load(
        """
        name: example
        description: every key
        gateway: trustpay
        rules:
          - when:
              operation: payin.cashier
              amount: {gte: "10.00", lt: 100, suffix: ".99"}
              currency: usd
              order_no: {prefix: "dup-"}
              channel: "5"
              card_number: 4000000000000002
              header: {X-Test-Case: dup}
              merchant: 8820250900009
            respond: {error: 880005, message: "custom text", delay: 250ms}
            outcome: {status: success, after: 3s, paid_amount: "order_amount - 1.00",
                      reason: "r", code: -1}
            callbacks: {copies: 3, spacing: 1s, sequence: [success, pending],
                        signature: invalid, tamper: {paid_amount: "1.00"}, redeliver_after: 60s}
            delivery: {timeout: 5s, retries: [60s, 2m], ack: any-2xx}
        """
    )
    rule = scenario.rules[0]
    assert scenario.name == "example" and scenario.gateway == "trustpay"
    assert rule.when.amount is not None
    assert rule.when.amount.gte == Decimal("10.00") and isinstance(rule.when.amount.lt, Decimal)
    assert rule.when.currency == "USD"
    assert rule.when.card_number == "4000000000000002"
    assert rule.when.merchant == "8820250900009"
    assert rule.when.header == {"x-test-case": "dup"}
    assert rule.respond is not None and rule.respond.errors == ("880005",)
    assert rule.respond.delay == timedelta(milliseconds=250)
    assert rule.outcome is not None and rule.outcome.paid_amount is not None
    assert rule.outcome.paid_amount.value == Decimal("-1.00")
    assert rule.callbacks is not None and rule.callbacks.redeliver_after == timedelta(seconds=60)
    assert rule.delivery is not None and rule.delivery.retries == (
        timedelta(seconds=60),
        timedelta(minutes=2),
    )
    assert rule.line == 6


def test_name_defaults_to_the_file_stem(tmp_path: Path) -> None:
    path = tmp_path / "my-case.yaml"
    path.write_text("gateway: ezpay\nrules: []\n")
    assert load_scenario_file(path, known_terms()).name == "my-case"


def test_an_unknown_error_code_names_the_file_line_and_gateway() -> None:
    messages = errors_of(
        """\
        gateway: trustpay
        rules:
          - when: {operation: payin.card}
            respond: {error: 99}
        """,
        "scenarios/x.yaml",
    )
    assert messages == [
        "scenarios/x.yaml:4 rules[0].respond.error: 99 is not a TrustPay error code"
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("gateway: paypal\nrules: []\n", "x.yaml:1 gateway: 'paypal' is not a gateway"),
        ("rules: []\n", "x.yaml:1: missing required key 'gateway'"),
        ("gateway: ezpay\n", "x.yaml:1: missing required key 'rules'"),
        ("gateway: ezpay\nrules: {}\n", "x.yaml:2 rules: must be a list of rules"),
        ("gateway: ezpay\nrules: []\nextra: 1\n", "x.yaml:3 extra: unknown key 'extra'"),
        ("gateway: ezpay\nname: 'a b'\nrules: []\n", "x.yaml:2 name: 'a b' is not a scenario name"),
        (
            "gateway: ezpay\nrules:\n  - when: {operation: payin.card}\n"
            "    outcome: {status: failed}\n",
            "x.yaml:3 rules[0].when.operation: 'payin.card' is not an EzPay operation",
        ),
        (
            "gateway: ezpay\nrules:\n  - when: {channel: NOPE}\n    respond: {drop: true}\n",
            "x.yaml:3 rules[0].when.channel: 'NOPE' is not an EzPay channel",
        ),
        (
            "gateway: ezpay\nrules:\n  - when: {amount: 100.5}\n    respond: {drop: true}\n",
            "x.yaml:3 rules[0].when.amount: 100.5 is not a whole number: EzPay amounts are in "
            "minor units",
        ),
        (
            "gateway: ezpay\nrules:\n  - when: {operation: payout.create}\n"
            "    outcome: {status: expired}\n",
            "x.yaml:4 rules[0].outcome.status: EzPay payout.create does not accept outcome "
            "'expired'",
        ),
        (
            "gateway: ezpay\nrules:\n  - when: {operation: static.create}\n"
            "    outcome: {status: success}\n",
            "x.yaml:4 rules[0].outcome: EzPay static.create needs paid_amount with outcome "
            "'success'",
        ),
        (
            "gateway: ezpay\nrules:\n  - outcome: {status: failed, code: -99}\n",
            "x.yaml:3 rules[0].outcome.code: -99 is not an EzPay failure code",
        ),
        (
            "gateway: goldenpay\nrules:\n  - outcome: {status: failed, code: 1}\n",
            "x.yaml:3 rules[0].outcome.code: GoldenPay outcomes carry no code",
        ),
        (
            "gateway: goldenpay\nrules:\n  - respond: {error: missing_param}\n",
            "x.yaml:3 rules[0].respond.error: missing_param is not forcible in GoldenPay",
        ),
        (
            "gateway: goldenpay\nrules:\n  - respond: {error: nope}\n",
            "x.yaml:3 rules[0].respond.error: nope is not a GoldenPay error name",
        ),
        (
            "gateway: trustpay\nrules:\n  - respond: {error: 880001}\n",
            "x.yaml:3 rules[0].respond.error: 880001 is success, not an error in TrustPay",
        ),
        (
            "gateway: trustpay\nrules:\n  - respond:\n"
            "      error:\n        - 880005\n        - 12\n",
            "x.yaml:6 rules[0].respond.error[1]: 12 is not a TrustPay error code",
        ),
        (
            "gateway: trustpay\nrules:\n  - respond: {error: 880005, drop: true}\n",
            "x.yaml:3 rules[0].respond: error and drop exclude each other",
        ),
        (
            "gateway: trustpay\nrules:\n  - respond: {commit: true}\n",
            "x.yaml:3 rules[0].respond.commit: needs error, http_status or drop",
        ),
        (
            "gateway: trustpay\nrules:\n  - respond: {http_status: 700}\n",
            "x.yaml:3 rules[0].respond.http_status: 700 is not a whole number from 100 to 599",
        ),
        (
            "gateway: trustpay\nrules:\n  - when: {operation: balance}\n",
            "x.yaml:3 rules[0]: a rule must define at least one of respond, outcome",
        ),
        (
            "gateway: trustpay\nrules:\n  - outcome: {status: done}\n",
            "x.yaml:3 rules[0].outcome.status: 'done' is not an outcome status",
        ),
        (
            "gateway: trustpay\nrules:\n  - outcome: {status: success, paid_amount: lots}\n",
            "x.yaml:3 rules[0].outcome.paid_amount: 'lots' is not a paid amount",
        ),
        (
            "gateway: trustpay\nrules:\n  - callbacks: {copies: 0}\n",
            "x.yaml:3 rules[0].callbacks.copies: 0 is not a whole number from 1 to 100",
        ),
        (
            "gateway: trustpay\nrules:\n  - callbacks: {signature: wrong}\n",
            "x.yaml:3 rules[0].callbacks.signature: 'wrong' is not one of: valid, invalid, missing",
        ),
        (
            "gateway: trustpay\nrules:\n  - callbacks:\n      sequence: [success, maybe]\n",
            "x.yaml:4 rules[0].callbacks.sequence[1]: 'maybe' is not an outcome status",
        ),
        (
            "gateway: trustpay\nrules:\n  - callbacks: {delay: 5}\n",
            "x.yaml:3 rules[0].callbacks.delay: 5 is not a duration like 250ms, 5s, 2m, 1h or 1d",
        ),
        (
            "gateway: trustpay\nrules:\n  - delivery: {profile: fast}\n",
            "x.yaml:3 rules[0].delivery.profile: 'fast' is not a delivery profile",
        ),
        (
            "gateway: trustpay\nrules:\n  - delivery: {profile: trustpay, timeout: 1s}\n",
            "x.yaml:3 rules[0].delivery.profile: a profile replaces timeout and retries",
        ),
        (
            "gateway: trustpay\nrules:\n  - delivery: {ack: maybe}\n",
            "x.yaml:3 rules[0].delivery.ack: 'maybe' is not one of: gateway, any-2xx",
        ),
        (
            "gateway: trustpay\nrules:\n  - when: {order_no: {regex: '('}}\n"
            "    respond: {drop: true}\n",
            "x.yaml:3 rules[0].when.order_no.regex: not a valid regular expression",
        ),
        (
            "gateway: trustpay\nrules:\n  - when: {amount: {suffix: .99}}\n"
            "    respond: {drop: true}\n",
            "x.yaml:3 rules[0].when.amount.suffix: must be quoted text, not the number 0.99",
        ),
        (
            "gateway: trustpay\nrules:\n  - when: {colour: red}\n    respond: {drop: true}\n",
            "x.yaml:3 rules[0].when.colour: unknown key 'colour'",
        ),
        (
            "gateway: '*'\nrules:\n  - when: {operation: payin.card2}\n    respond: {drop: true}\n",
            "x.yaml:3 rules[0].when.operation: 'payin.card2' is not an operation kind",
        ),
        (
            "gateway: '*'\nrules:\n  - callbacks: {tamper: {fee: 1}}\n",
            "x.yaml:3 rules[0].callbacks.tamper.fee: 'fee' is not a neutral field name",
        ),
        ("gateway: ezpay\nrules: [\n", "x.yaml:3: not valid YAML"),
        ("gateway: ezpay\ngateway: ezpay\nrules: []\n", "x.yaml:2: duplicate key 'gateway'"),
        ("- 1\n- 2\n", "x.yaml:1: a scenario must be a mapping"),
    ],
)
def test_each_mistake_is_reported_with_file_line_path_and_reason(body: str, expected: str) -> None:
    messages = errors_of(body)
    assert any(m.startswith(expected) for m in messages), messages


def test_every_error_is_reported_not_only_the_first() -> None:
    messages = errors_of(
        "gateway: trustpay\nrules:\n  - respond: {error: 1}\n  - callbacks: {copies: -1}\n"
    )
    assert [m.split(" ")[0] for m in messages] == ["x.yaml:3", "x.yaml:4"]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("250ms", 0.25), ("5s", 5), ("2m", 120), ("1h", 3600), ("1d", 86400), ("1.5s", 1.5), (0, 0)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["5", "5x", "-1s", "", "s", True, None, "400d", 1.5])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match=r"duration|366 days"):
        parse_duration(text)


def test_format_duration_round_trips() -> None:
    for text in ("250ms", "5s", "2m", "1h", "1d", "90s"):
        assert format_duration(parse_duration(text)) == text


def test_every_library_file_validates() -> None:
    root = packaged_root()
    assert root is not None and root in library_dirs()
    files = scenario_files(root)
    assert len(files) >= 21
    for path in files:
        scenario = load_scenario_file(path, known_terms())
        assert scenario.description.strip(), f"{path} needs a description for QA"
    library = load_library(known_terms())
    assert all(status.ok for status in library.files)
    for gateway in ("trustpay", "ezpay", "goldenpay"):
        assert library.default(gateway) is not None
        assert library.resolve("error-sweep", gateway) is not None
    for name in [
        "happy-path",
        "duplicate-callbacks",
        "redelivery-after-60s",
        "slow-gateway",
        "gateway-timeout",
        "gateway-down",
        "connection-drop",
        "forged-signature",
        "tampered-amount",
        "out-of-order",
        "no-callback",
        "late-callback",
        "partial-payment",
        "all-fail",
        "autopay",
    ]:
        assert library.scenarios[("*", name)].neutral


def test_a_broken_extra_file_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("gateway: goldenpay\nrules:\n  - respond: {error: 880005}\n")
    with pytest.raises(ScenarioError) as caught:
        load_library(known_terms(), (str(path),))
    assert caught.value.messages == [
        f"{path}:3 rules[0].respond.error: 880005 is not a GoldenPay error name"
    ]


def test_a_broken_file_in_an_extra_folder_is_listed_as_invalid(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("gateway: '*'\nrules:\n  - respond: {drop: true}\n")
    (tmp_path / "bad.yml").write_text("gateway: '*'\nrules: 3\n")
    library = load_library(known_terms(), (str(tmp_path),))
    status = {s.file.rsplit("/", 1)[-1]: s for s in library.files if s.origin == "extra"}
    assert status["good.yaml"].ok and not status["bad.yml"].ok
    assert (
        status["bad.yml"]
        .errors[0]
        .endswith("bad.yml:2 rules: must be a list of rules, not the number 3")
    )
    assert library.resolve("good", "ezpay") is not None


# -- property: arbitrary YAML never crashes the validator ------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.text(max_size=12),
    st.sampled_from(
        ["trustpay", "ezpay", "goldenpay", "*", "payin", "success", "5s", "880005", "order_amount"]
    ),
)
keys = st.one_of(
    st.sampled_from(
        [
            "name",
            "gateway",
            "rules",
            "when",
            "respond",
            "outcome",
            "callbacks",
            "delivery",
            "operation",
            "amount",
            "error",
            "status",
            "paid_amount",
            "copies",
            "tamper",
            "retries",
            "order_no",
            "header",
            "suffix",
            "regex",
            "in",
            "sequence",
            "profile",
            "drop",
        ]
    ),
    st.text(max_size=6),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        keys,
        values,
        max_size=5,
    )
    | values
)
def test_arbitrary_yaml_documents_never_crash_the_validator(data: object) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        load_scenario_text(text, "prop.yaml", known_terms())
    except ScenarioError as exc:
        assert exc.errors
        assert all(str(e).startswith("prop.yaml") for e in exc.errors)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes_the_validator(text: str) -> None:
    try:
        load_scenario_text(text, "prop.yaml", known_terms())
    except ScenarioError as exc:
        assert exc.errors
