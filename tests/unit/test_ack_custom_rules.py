"""A scenario's own acknowledgement rule: `delivery.ack: {status: [...], json: {...} | body: ...}`,
applied by the gateway-neutral ack function and validated with file:line errors."""

from __future__ import annotations

import textwrap

import pytest
from support.gateways import known_terms

from sandbox.delivery import AckRule, acknowledged, body_equals_text, custom_ack
from sandbox.gateways.directives import ack_rule, plan_blocks, plan_from_blocks
from sandbox.scenarios.engine import Plan
from sandbox.scenarios.loader import ScenarioError, load_scenario_text
from sandbox.scenarios.model import CustomAck, Delivery


def test_json_rule_needs_the_status_and_every_field_type_exact() -> None:
    rule = custom_ack((200,), (("code", 1000),))
    assert acknowledged(rule, 200, b'{"code":1000}')
    assert acknowledged(rule, 200, b'{"code":1000,"message":"ok"}')
    assert not acknowledged(rule, 200, b'{"code":10000}')  # the v1 docs' reply
    assert not acknowledged(rule, 200, b'{"code":"1000"}')  # a string is not the number
    assert not acknowledged(rule, 201, b'{"code":1000}')
    assert not acknowledged(rule, 200, b"not json")
    assert not acknowledged(rule, None, b"")
    both = custom_ack((200,), (("code", 0), ("ok", True)))
    assert acknowledged(both, 200, b'{"ok":true,"code":0}')
    assert not acknowledged(both, 200, b'{"ok":1,"code":0}')


def test_body_rule_and_several_statuses() -> None:
    rule = custom_ack((200, 201), body="ok")
    assert acknowledged(rule, 201, b"  ok\n")
    assert not acknowledged(rule, 202, b"ok")
    assert not acknowledged(rule, 200, b"OK")
    status_only = custom_ack((204,))
    assert acknowledged(status_only, 204, b"")
    assert not acknowledged(status_only, 200, b"")


def test_rule_survives_the_outbox_round_trip_and_describes_itself() -> None:
    rule = custom_ack((200, 201), (("code", 1000), ("msg", None)))
    assert AckRule.from_json(rule.to_json()) == rule
    assert rule.describe() == "HTTP 200 or 201 and JSON code == 1000 and JSON msg == null"
    assert custom_ack((200,), body="ok").describe() == "HTTP 200 and body 'ok' (trimmed)"
    # rules stored before custom rules existed still load
    assert AckRule.from_json(
        {"kind": "body_equals_text", "field": "", "values": [], "text": "success"}
    ) == body_equals_text("success")


def test_scenario_block_becomes_the_rule_and_is_kept_on_the_order() -> None:
    scenario = load_scenario_text(
        textwrap.dedent(
            """\
            gateway: ezpay
            rules:
              - delivery:
                  ack: {status: [200], json: {code: 1000}}
            """
        ),
        "paycools.yaml",
        known_terms(),
    )
    delivery = scenario.rules[0].delivery
    assert delivery == Delivery(ack=CustomAck((200,), (("code", 1000),)))
    plan = Plan(delivery=delivery)
    assert ack_rule(plan, body_equals_text("x")) == custom_ack((200,), (("code", 1000),))
    assert plan_from_blocks(plan_blocks(plan)) == plan  # across a restart, via the order
    assert ack_rule(Plan(delivery=Delivery(ack="gateway")), body_equals_text("x")) == (
        body_equals_text("x")
    )


@pytest.mark.parametrize(
    ("ack", "expected"),
    [
        ("{json: {code: 1000}}", "x.yaml:4 rules[0].delivery.ack.status: must be a list"),
        ("{status: []}", "x.yaml:4 rules[0].delivery.ack.status: must be a list"),
        ("{status: [700]}", "x.yaml:4 rules[0].delivery.ack.status[0]: 700 is not a whole"),
        (
            "{status: [200], json: {code: 1}, body: ok}",
            "x.yaml:4 rules[0].delivery.ack: give json or body, not both",
        ),
        ("{status: [200], json: []}", "x.yaml:4 rules[0].delivery.ack.json: must be a mapping"),
        (
            "{status: [200], json: {code: 1.5}}",
            "x.yaml:4 rules[0].delivery.ack.json.code: must be text, an integer",
        ),
        ("{status: [200], body: 5}", "x.yaml:4 rules[0].delivery.ack.body: must be text"),
        ("{status: [200], text: ok}", "x.yaml:4 rules[0].delivery.ack.text: unknown key"),
        ("maybe", "x.yaml:4 rules[0].delivery.ack: 'maybe' is not one of: gateway, any-2xx"),
    ],
)
def test_bad_custom_rules_are_refused_with_file_and_line(ack: str, expected: str) -> None:
    text = f"gateway: ezpay\nrules:\n  - delivery:\n      ack: {ack}\n"
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, "x.yaml", known_terms())
    messages = caught.value.messages
    assert any(m.startswith(expected) for m in messages), messages
