"""Ack rules, retry policies and target overrides: pure functions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.gateways import known_terms, profile

from sandbox.delivery import (
    AckRule,
    RetryPolicy,
    acknowledged,
    any_2xx,
    body_equals_text,
    custom_policy,
    json_field_equals,
)
from sandbox.delivery.targets import resolve_target
from sandbox.scenarios.loader import ScenarioError, load_scenario_text

EZPAY = json_field_equals("code", 10000, "10000")
GOLDEN = body_equals_text("success")


@pytest.mark.parametrize(
    ("status", "expected"), [(200, True), (204, True), (299, True), (302, False), (500, False)]
)
def test_any_2xx(status: int, expected: bool) -> None:
    assert acknowledged(any_2xx(), status, b"whatever") is expected


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, b'{"code":10000,"message":"Success"}', True),
        (200, b'{"code":"10000"}', True),
        (200, b'{"code":1}', False),
        (200, b'{"code":10000.5}', False),
        (201, b'{"code":10000}', False),
        (200, b"[10000]", False),
        (200, b"not json", False),
        (200, b"\xff\xfe", False),
        (200, b'{"message":"Success"}', False),
    ],
)
def test_ezpay_json_code(status: int, body: bytes, expected: bool) -> None:
    assert acknowledged(EZPAY, status, body) is expected


def test_json_field_equals_is_type_exact() -> None:
    assert acknowledged(json_field_equals("ok", 1), 200, b'{"ok":true}') is False
    assert acknowledged(json_field_equals("ok", True), 200, b'{"ok":true}') is True


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, b"success", True),
        (200, b"  success\r\n", True),
        (200, b"SUCCESS", False),
        (200, b'"success"', False),
        (200, b'{"success":true}', False),
        (201, b"success", False),
        (200, b"\xff", False),
    ],
)
def test_goldenpay_success_text(status: int, body: bytes, expected: bool) -> None:
    assert acknowledged(GOLDEN, status, body) is expected


def test_no_status_is_never_an_ack() -> None:
    assert acknowledged(any_2xx(), None, b"") is False


@given(st.sampled_from([any_2xx(), EZPAY, GOLDEN]), st.integers(0, 999), st.binary(max_size=64))
def test_rules_never_raise_and_round_trip(rule: AckRule, status: int, body: bytes) -> None:
    acknowledged(rule, status, body)
    assert AckRule.from_json(rule.to_json()) == rule


def test_default_policies_per_design() -> None:
    minutes = [1, 5, 15, 30, 60]
    for name in ("trustpay", "ezpay"):
        policy = profile(name)
        assert policy.timeout == 10
        assert [d / timedelta(minutes=1) for d in policy.delays] == minutes
        assert policy.max_attempts == 6
    golden = profile("goldenpay")
    assert (golden.timeout, golden.delays, golden.max_attempts) == (5, (timedelta(seconds=60),), 2)
    legacy = profile("goldenpay-legacy")
    assert legacy.timeout == 10 and legacy.max_attempts == 5
    assert set(legacy.delays) == {timedelta(seconds=30)}


def test_delay_after_counts_failures_then_gives_up() -> None:
    golden = profile("goldenpay")
    assert golden.delay_after(1) == timedelta(seconds=60)
    assert golden.delay_after(2) is None
    assert golden.delay_after(0) is None


def test_policy_round_trip_and_validation() -> None:
    policy = custom_policy(0.5, [1.5, 60])
    assert RetryPolicy.from_json(policy.to_json()) == policy
    with pytest.raises(ValueError):
        custom_policy(0, [1])
    with pytest.raises(ValueError):
        custom_policy(1, [-1])
    # A scenario naming a profile no gateway publishes is refused, naming those that exist.
    text = "gateway: goldenpay\nrules:\n  - delivery: {profile: nope}\n"
    with pytest.raises(ScenarioError, match="goldenpay-legacy"):
        load_scenario_text(text, "x.yaml", known_terms())


@pytest.mark.parametrize(
    ("url", "full", "origin", "expected"),
    [
        ("http://m.example/cb", None, None, "http://m.example/cb"),
        ("http://m.example/cb", "http://127.0.0.1:9/all", None, "http://127.0.0.1:9/all"),
        (None, "http://127.0.0.1:9/all", None, "http://127.0.0.1:9/all"),
        (
            "https://m.example:8443/a/b?x=1",
            None,
            "http://host.docker.internal:3000",
            "http://host.docker.internal:3000/a/b?x=1",
        ),
        ("http://m.example/cb", "http://u.example/x", "http://o.example", "http://u.example/x"),
        (None, None, "http://o.example", None),
        ("", None, None, None),
    ],
)
def test_target_overrides(
    url: str | None, full: str | None, origin: str | None, expected: str | None
) -> None:
    assert resolve_target(url, full, origin) == expected
