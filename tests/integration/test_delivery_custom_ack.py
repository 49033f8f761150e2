"""`delivery.ack` with a custom rule, end to end: a PayCools-style merchant that answers
`{"code":1000}` is acknowledged only when a scenario says so (the documented rule stays the
default)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.ezpay import EzPayClient, payment
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox

pytestmark = pytest.mark.postgres

PAYCOOLS = """\
name: paycools-ack
gateway: ezpay
rules:
  - delivery:
      ack: {status: [200], json: {code: 1000}}
"""
PLAIN_OK = """\
name: plain-ok
gateway: ezpay
rules:
  - delivery:
      ack: {status: [200, 201], body: "ok"}
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with run_receiver(Reply(200, b'{"code":1000}')) as running:
        yield running


@pytest.fixture
def server() -> Iterator[RunningSandbox]:
    with run_sandbox({"clock": "manual"}) as running:
        for text in (PAYCOOLS, PLAIN_OK):
            assert running.admin("POST", "scenarios", content=text).status_code == 201
        yield running


def paid(server: RunningSandbox, receiver: Receiver, order_no: str, scenario: str = "") -> str:
    client = EzPayClient(server.client)
    headers = {"X-Sandbox-Scenario": scenario} if scenario else {}
    param = payment(order_no, notifyUrl=receiver.url + "/notify")
    created = client.call("/open-api/philippines/payment/generate", param, headers)
    assert created["code"] == 10000, created
    ident = created["data"]["transactionId"]
    done = server.admin("POST", f"orders/{ident}/complete", json={"status": "success"})
    assert done.status_code == 200, done.text
    server.advance(0)
    # The message is there once the completion returns; its first attempt ran at `advance(0)`.
    [message] = server.admin("GET", "callbacks", params={"order": ident}).json()["items"]
    return str(message["id"])


def state(server: RunningSandbox, message_id: str) -> tuple[str, str]:
    message = server.admin("GET", f"callbacks/{message_id}").json()
    return message["state"], message["ack_rule"]["description"]


def test_documented_rule_is_the_default(server: RunningSandbox, receiver: Receiver) -> None:
    mid = paid(server, receiver, "ACK-DEFAULT")
    assert state(server, mid)[0] == "pending"  # {"code":1000} is not the v1 docs' 10000


def test_custom_json_rule_acknowledges_code_1000(
    server: RunningSandbox, receiver: Receiver
) -> None:
    mid = paid(server, receiver, "ACK-PAYCOOLS", "paycools-ack")
    assert state(server, mid) == ("acked", "HTTP 200 and JSON code == 1000")


def test_custom_body_rule_is_stricter_or_looser(server: RunningSandbox, receiver: Receiver) -> None:
    receiver.reply(Reply(201, b" ok\n"))
    mid = paid(server, receiver, "ACK-BODY", "plain-ok")
    assert state(server, mid) == ("acked", "HTTP 200 or 201 and body 'ok' (trimmed)")
    mid = paid(server, receiver, "ACK-BODY-2", "plain-ok")  # {"code":1000} is not "ok"
    assert state(server, mid)[0] == "pending"
