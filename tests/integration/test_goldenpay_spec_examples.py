"""GoldenPay's published examples, reproduced byte for byte by the running sandbox.

One day of the demo merchant, on the manual clock from 2026-05-04 10:05:00 (+07:00), with every
callback sent to a local receiver (`callback_url` override): the published example responses
and callbacks of every endpoint (the signs of vectors V5-V9 and V11 in
tests/unit/test_signing_goldenpay.py, and the example response signs) come out exactly as
published. V10's `meta` is random (seeded), so only its shape is checked.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from support.goldenpay import BALANCE, COLLECT, INFO, PAYOUT, TOKEN, common, get, post
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox

from sandbox.signing.md5 import goldenpay_sign
from sandbox.signing.values import parse_json

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def receiver(store_backend: str) -> Iterator[Receiver]:
    with run_receiver(Reply(200, b"success")) as running:
        yield running


@pytest.fixture(scope="module")
def day(receiver: Receiver, module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    flags = {
        **module_db_flags,
        "clock": "manual",
        "clock_start": "2026-05-04T03:05:00Z",
        "public_url": "http://127.0.0.1:8080",
        "callback_url": receiver.url + "/notify",
    }
    with run_sandbox(flags) as running:
        hold = "name: gp-hold\ngateway: goldenpay\nrules:\n  - outcome: {status: pending}\n"
        assert running.admin("POST", "scenarios", content=hold).status_code == 201
        yield running


def last_callback(receiver: Receiver) -> str:
    return receiver.requests[-1].body.decode()


def complete(day: RunningSandbox, order_id: str, status: str) -> None:
    answer = day.admin("POST", f"orders/{order_id}/complete", json={"status": status})
    assert answer.status_code == 200, answer.text
    day.advance(0)


def test_one_day_of_spec_examples(day: RunningSandbox, receiver: Receiver) -> None:
    # 10:05:00 — the collect create example (V9)
    fields = {
        **common(),
        "trans_id": "ORDER-10001",
        "currency": "THB",
        "amount": "100.00",
        "channel": "bank",
        "callback_url": "https://merchant.example/goldenpay/collect",
    }
    assert post(day, COLLECT, fields).text == (
        '{"code":200,"payload":{"id":"C202605040001","trans_id":"ORDER-10001",'
        '"order_amount":"100.00","ratio":0.025,"currency":"THB","code":"bank","status":20,'
        '"created_at":"2026-05-04 10:05:00",'
        '"url":"http://127.0.0.1:8080/_sandbox/pay/goldenpay/C202605040001",'
        '"cashier_type":0,"meta":null,"sign":"883541e227a56e2f11c2987357583360"}}'
    )
    assert get(day, INFO, common()).text == (
        '{"code":200,"payload":{"id":"10001","name":"Demo Merchant",'
        '"created_at":"2026-05-04 10:00:00","sign":"5fd4120f0b0f223a12eaa96d90cb53b2"}}'
    )
    assert get(day, BALANCE, {**common(), "currency": "THB"}).text == (
        '{"code":200,"payload":{"balance":1000000,"sign":"11358d6a6f469d8527d97b12ec9c4e70"}}'
    )

    # 10:06:10 — paid: the V5 callback and the collect query example
    day.advance(70)
    complete(day, "C202605040001", "success")
    assert last_callback(receiver) == (
        '{"id":"C202605040001","trans_id":"ORDER-10001","mch_id":10001,"order_amount":"100.00",'
        '"payed_amount":"100.00","channel":"bank","status":60,"created_at":"2026-05-04 10:05:00",'
        '"payed_at":"2026-05-04 10:06:10","sign":"9841e5b8217b986cf8b9fe3de9fa41cb"}'
    )
    assert get(day, COLLECT, {**common(), "id": "ORDER-10001"}).text == (
        '{"code":200,"payload":{"id":"C202605040001","mch_id":10001,"trans_id":"ORDER-10001",'
        '"order_amount":"100.00","payed_amount":"100.00","channel":"bank","currency":"THB",'
        '"status":60,"created_at":"2026-05-04 10:05:00","payed_at":"2026-05-04 10:06:10",'
        '"sign":"18241aee9a535eeec550cbbbf9a84be0"}}'
    )

    # 10:06:30 — the VND bank order of the second collect create example (V10's shape)
    day.advance(20)
    fields = {
        **common(),
        "trans_id": "ORDER-10002",
        "currency": "VND",
        "amount": "500000",
        "channel": "bank",
        "callback_url": "https://merchant.example/goldenpay/collect",
    }
    payload = json.loads(post(day, COLLECT, fields).text)["payload"]
    assert payload["id"] == "C202605040002" and payload["cashier_type"] == 9
    assert payload["created_at"] == "2026-05-04 10:06:30"
    assert payload["meta"]["qr_url"] == (
        "http://127.0.0.1:8080/_sandbox/pay/goldenpay/C202605040002/qr.svg"
    )

    # 10:10:00 → 10:15:00 — payout success (V7), held by a scenario then completed
    hold = {"X-Sandbox-Scenario": "gp-hold"}
    payout = {
        "channel": "gcash",
        "currency": "PHP",
        "account_no": "09171234567",
        "account_name": "JUAN DELA CRUZ",
        "callback_url": "https://merchant.example/goldenpay/payout",
    }
    day.advance(210)
    fields = {**common(), **payout, "trans_id": "WDL-10001", "amount": "100.00"}
    assert json.loads(post(day, PAYOUT, fields, headers=hold).text)["code"] == 200
    day.advance(300)
    complete(day, "P202605040001", "success")
    assert last_callback(receiver) == (
        '{"id":"P202605040001","trans_id":"WDL-10001","mch_id":10001,"order_amount":"100.00",'
        '"status":60,"created_at":"2026-05-04 10:10:00","payed_at":"2026-05-04 10:15:00",'
        '"sign":"dc570eb7da31314977655ae3f9155244"}'
    )

    # 10:20:00 → 10:23:00 — payout canceled (V8)
    day.advance(300)
    fields = {**common(), **payout, "trans_id": "WDL-10002", "amount": "100.00"}
    assert json.loads(post(day, PAYOUT, fields, headers=hold).text)["code"] == 200
    day.advance(180)
    complete(day, "P202605040002", "canceled")
    assert last_callback(receiver) == (
        '{"id":"P202605040002","trans_id":"WDL-10002","mch_id":10001,"order_amount":"100.00",'
        '"status":50,"created_at":"2026-05-04 10:20:00","canceled_at":"2026-05-04 10:23:00",'
        '"sign":"8f60d1ad823510ed72f70a3efe4ca2f4"}'
    )

    # 10:25:00 — the V2 request (amount 5.00 as a number, mch_id a string, "php", empty remarks),
    # answered as the payout create example shows; paid 5 s later by default and queried as the
    # payout query example shows (V11)
    day.advance(120)
    body = (
        '{"mch_id":"10001","trans_id":"WDL-10003","channel":"gcash","amount":5.00,'
        '"currency":"php","account_no":"09171234567","account_name":"JUAN DELA CRUZ",'
        '"remarks":"","callback_url":"https://merchant.example/goldenpay/payout",'
        f'"nonce":"Zp81LmQ4","timestamp":{int(time.time())}'
    )
    sign = goldenpay_sign(parse_json(body + "}"), TOKEN)
    answer = day.client.post(PAYOUT, content=f'{body},"sign":"{sign}"}}')
    assert answer.text == (
        '{"code":200,"payload":{"id":"P202605040003","trans_id":"WDL-10003","mch_id":10001,'
        '"channel":"gcash","currency":"PHP","order_amount":"5.00","account_no":"09171234567",'
        '"account_name":"JUAN DELA CRUZ","account_org":null,'
        '"callback_url":"https://merchant.example/goldenpay/payout","status":20,'
        '"created_at":"2026-05-04 10:25:00","sign":"7d54896c54d323bac07af8bd8535e7c1"}}'
    )
    day.advance(5)
    assert get(day, PAYOUT, {**common(), "id": "P202605040003"}).text == (
        '{"code":200,"payload":{"id":"P202605040003","trans_id":"WDL-10003","mch_id":10001,'
        '"channel":"gcash","currency":"PHP","order_amount":"5.00","account_no":"09171234567",'
        '"account_name":"JUAN DELA CRUZ","account_org":null,'
        '"callback_url":"https://merchant.example/goldenpay/payout","attachments":[],'
        '"status":60,"created_at":"2026-05-04 10:25:00","payed_at":"2026-05-04 10:25:05",'
        '"sign":"88659fbcc15941a1b7c7929006fadba8"}}'
    )

    # 11:00:00 — a mock order ending .01 fails after 3 s (V6: payed_at null, skipped in the sign)
    day.advance(2095)
    fields = {
        **common(),
        "trans_id": "ORDER-10003",
        "currency": "THB",
        "amount": "100.01",
        "channel": "mock",
        "callback_url": "https://merchant.example/goldenpay/collect",
    }
    assert json.loads(post(day, COLLECT, fields).text)["payload"]["id"] == "C202605040003"
    day.advance(3)
    assert last_callback(receiver) == (
        '{"id":"C202605040003","trans_id":"ORDER-10003","mch_id":10001,"order_amount":"100.01",'
        '"payed_amount":"0.00","channel":"mock","status":30,"created_at":"2026-05-04 11:00:00",'
        '"payed_at":null,"sign":"427bc947b4353213c028dbfe9b224c7b"}'
    )
