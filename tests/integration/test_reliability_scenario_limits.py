"""Scenario uploads that used to exhaust the server: a YAML alias bomb and a backtracking regex."""

from __future__ import annotations

import time

import pytest
from support.server import RunningSandbox
from support.tpclient import MERCHANT_ID, num, ok, post

from sandbox.yamlsource import YamlError, load_yaml

pytestmark = pytest.mark.postgres

BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(8)]
)


def test_alias_bomb_is_refused_with_a_reason() -> None:
    started = time.monotonic()
    try:
        load_yaml(BOMB, "bomb.yaml")
    except YamlError as exc:
        assert "expands to more than" in str(exc)
    else:
        raise AssertionError("the alias bomb was accepted")
    assert time.monotonic() - started < 2


def test_alias_bomb_upload_is_422(server: RunningSandbox) -> None:
    assert len(BOMB) < 500
    response = server.client.post(
        "/_sandbox/scenarios", content=BOMB, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 422, response.text
    assert "expands to more than" in response.text


def test_a_self_containing_alias_is_refused() -> None:
    try:
        load_yaml("a: &a [*a]", "loop.yaml")
    except YamlError:
        return
    raise AssertionError("accepted")


BACKTRACKING = """
name: backtrack
gateway: trustpay
rules:
  - when: {order_no: {regex: "(a+)+$"}}
    respond: {error: 880005}
"""


def test_a_backtracking_pattern_runs_in_linear_time(server: RunningSandbox) -> None:
    created = server.client.post(
        "/_sandbox/scenarios", content=BACKTRACKING, headers={"Content-Type": "application/yaml"}
    )
    assert created.status_code == 201, created.text
    body = {
        "merchant_id": num(MERCHANT_ID),
        "order_no": "a" * 60 + "!",
        "order_amount": num("5.00"),
        "currency": "USD",
        "notify_url": "http://127.0.0.1:9/n",
    }
    started = time.monotonic()
    response = post(
        server, "/v4/payin/create/order", body, headers={"X-Sandbox-Scenario": "backtrack"}
    )
    assert time.monotonic() - started < 1
    ok(response)


def test_a_look_around_is_refused_naming_the_engine(server: RunningSandbox) -> None:
    text = BACKTRACKING.replace("(a+)+$", "(?=a)b").replace("backtrack", "lookahead")
    refused = server.client.post(
        "/_sandbox/scenarios", content=text, headers={"Content-Type": "application/yaml"}
    )
    assert refused.status_code == 422
    assert "RE2" in refused.text


def test_a_five_thousand_digit_integer_is_a_validation_error(server: RunningSandbox) -> None:
    response = server.client.post("/_sandbox/scenarios", content='{"name": 1' + "0" * 5000 + "}")
    assert response.status_code == 422, response.text
    assert "not a usable value" in response.text
