"""The same merchant order number sent at the same moment, many times over: exactly one order is
stored and every other request is answered with the gateway's own duplicate error, never a 5xx.
By two `sandbox serve` replicas on one PostgreSQL database (the database's unique index decides
between them) and by one process on SQLite.

Each number is sent by several threads released together, spread over the replicas; a TrustPay
number is sent as a pay-in and as a payout at once (one number space). Where an order moves
money, the balance moved for the stored orders only: a refused request holds nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import httpx
import pytest
from support.races import (
    MANUAL,
    NOWHERE,
    Clients,
    card_order_fields,
    merchant_clients,
    pending_payin_trigger,
    send_at_once,
)
from support.server import run_sandbox

from sandbox.client import num
from sandbox.client.ezpay import DEMO_APP_ID
from sandbox.signing.values import parse_json
from sandbox.testing.process import run_sandbox_process

ROUNDS = 15  # numbers per case
SENDERS = 4  # identical requests per number, released at once

Send = Callable[[str], httpx.Response]  # the request for one order number


def trustpay_payin(clients: Clients, _sender: int) -> Send:
    return lambda number: clients.trustpay.send(
        "/v4/payin/create/order",
        {
            "merchant_id": clients.trustpay.merchant_id,
            "order_no": number,
            "order_amount": num("20.00"),
            "currency": "USD",
            "notify_url": NOWHERE,
        },
    )


def trustpay_payout(clients: Clients, _sender: int) -> Send:
    return lambda number: clients.trustpay.send(
        "/v2/payout/create",
        {
            "merchantId": clients.trustpay.merchant_id,
            "orderNo": number,
            "amount": num("1000.00"),
            "currency": "INR",
            "notifyUrl": NOWHERE,
            "accountNo": "123456789012",
            "accountName": "Ravi Kumar",
            "ifsc": "HDFC0001234",
        },
    )


def paid_payin(clients: Clients, number: str) -> None:
    """A paid card pay-in `<number>-PAY` to refund under `number`."""
    paid = parse_json(
        clients.trustpay.send(
            "/v4/payin/create/card",
            {
                "merchant_id": clients.trustpay.merchant_id,
                "order_no": f"{number}-PAY",
                "order_amount": num("20.00"),
                "currency": "USD",
                "notify_url": NOWHERE,
                "card_number": "4242424242424242",
                "card_expiry": "2030-12",
                "card_cvv": "123",
                "card_holder_first_name": "Ada",
                "card_holder_last_name": "Lovelace",
                "billing_country": "GB",
            },
        ).content
    )
    assert (int(paid["code"]), str(paid["data"]["status"])) == (880001, "5"), paid


def trustpay_refund(clients: Clients, _sender: int) -> Send:
    return lambda number: clients.trustpay.send(
        "/v4/order/refund",
        {
            "merchant_id": clients.trustpay.merchant_id,
            "order_no": f"{number}-PAY",
            "merchant_refund_no": number,
            "refund_amount": num("5.00"),
        },
    )


def trustpay_card_order(clients: Clients, _sender: int) -> Send:
    return lambda number: clients.trustpay.send(
        "/v3/vcard/open",
        card_order_fields(number),
    )


def ezpay_static(clients: Clients, _sender: int) -> Send:
    return lambda number: clients.ezpay.send(
        "/open-api/philippines/static/payment/generate",
        {
            "mchOrderId": number,
            "customerName": "Sari Sari Store",
            "channelCode": "PH_QRPH_STATIC",
            "notifyUrl": NOWHERE,
            "email": "shop@example.com",
            "mobile": "09171234567",
        },
    )


def ezpay_payment(clients: Clients, _sender: int) -> Send:
    return lambda number: clients.ezpay.send(
        "/open-api/philippines/payment/generate",
        {
            "mchOrderId": number,
            "amount": 500,
            "customerName": "Juan Dela Cruz",
            "channelCode": "PH_GCASH_URL",
            "notifyUrl": NOWHERE,
            "redirectUrl": "https://merchant.example/return",
            "email": "juan@example.com",
            "mobile": "09171234567",
        },
    )


def ezpay_payout(clients: Clients, sender: int) -> Send:
    """Each sender its own `idempotencyId`: the order number is all the requests share."""
    return lambda number: clients.ezpay.send(
        "/open-api/philippines/disbursement/transfer",
        {
            "mchOrderId": number,
            "idempotencyId": f"IDEM-{number}-{sender}",
            "amount": 5000,
            "accountNo": "09171234567",
            "accountName": "Juan Dela Cruz",
            "payMethodCode": "EWALLET",
            "transferCode": "GCASH",
        },
    )


def goldenpay_payout(clients: Clients, _sender: int) -> Send:
    goldenpay = clients.goldenpay
    return lambda number: goldenpay.send(
        "POST",
        "/api/v1/mch/wdl-orders",
        {
            **goldenpay.common(),
            "trans_id": number,
            "channel": "gcash",
            "currency": "PHP",
            "amount": "5.00",
            "account_no": "09171234567",
            "account_name": "JUAN DELA CRUZ",
            "callback_url": NOWHERE,
        },
    )


def goldenpay_collect(clients: Clients, _sender: int) -> Send:
    goldenpay = clients.goldenpay
    return lambda number: goldenpay.send(
        "POST",
        "/api/v1/mch/pmt-orders",
        {
            **goldenpay.common(),
            "trans_id": number,
            "channel": "mock",
            "currency": "THB",
            "amount": "100.00",
            "callback_url": NOWHERE,
        },
    )


Balance = Callable[[Clients], Decimal]  # what the merchant has (or has held) now
Moved = Callable[[dict[str, Any]], Decimal]  # what one stored order moved (admin API item)


def admin_trigger(gateway: str, merchant: str | int, amount: Any, currency: str) -> Any:
    """`POST /_sandbox/trigger`: a pending pay-in made by the admin API, with the number given."""

    def request(clients: Clients, _sender: int) -> Send:
        def body(number: str) -> dict[str, Any]:
            return pending_payin_trigger(gateway, merchant, amount, currency, number)

        return lambda number: clients.admin.post("/_sandbox/trigger", json=body(number))

    return request


def _conflict(code: str, suffix: str) -> Callable[[Any], bool]:
    return lambda a: a["error"]["code"] == code and a["error"]["message"].endswith(suffix)


@dataclass(frozen=True)
class Case:
    gateway: str
    kinds: frozenset[str]  # the kinds sharing the number space
    requests: Sequence[Callable[[Clients, int], Send]]  # taken in turn by the senders
    accepted: Callable[[Any], bool]
    refused: Callable[[Any], bool]  # the gateway's duplicate answer
    money: tuple[Balance, Moved] | None = None  # balance before - after == sum of moved
    statuses: tuple[int, int] = (200, 200)  # HTTP status of an accepted and a refused request
    prepare: Callable[[Clients, str], None] | None = None  # before the race for each number


def _code(answer: Any) -> int:
    return int(answer["code"])


def _inr_held(clients: Clients) -> Decimal:
    frozen = parse_json(clients.trustpay.send("/v4/balance", {"currency_id": "INR"}).content)
    return -Decimal(str(frozen["data"]["frozen"]))  # a hold counts as money moved out


def _payout_held(item: dict[str, Any]) -> Decimal:
    return Decimal(item["amount"]) if item["kind"] == "payout" else Decimal(0)


def _usd_held(clients: Clients) -> Decimal:
    frozen = parse_json(clients.trustpay.send("/v4/balance", {"currency_id": "USD"}).content)
    return -Decimal(str(frozen["data"]["frozen"]))


def _refund_held(item: dict[str, Any]) -> Decimal:
    return Decimal(item["data"]["held"])


def _ezpay_balance(clients: Clients) -> Decimal:
    return Decimal(clients.ezpay.country_balance("PH")["data"]["balance"])


def _ezpay_debit(item: dict[str, Any]) -> Decimal:
    return (Decimal(item["amount"]) + Decimal(item["data"]["fee"])) / 100  # minor units


def _goldenpay_balance(clients: Clients) -> Decimal:
    return Decimal(str(clients.goldenpay.balance("PHP")["balance"]))


def _goldenpay_debit(item: dict[str, Any]) -> Decimal:
    return Decimal(item["amount"]) + Decimal(item["data"]["fee"])


CASES = {
    "trustpay-payin": Case(
        "trustpay",
        frozenset({"payin"}),
        [trustpay_payin],
        lambda a: _code(a) == 880001,
        lambda a: (_code(a), a["message"]) == (880012, "order_already_exists"),
    ),
    "trustpay-payin-and-payout": Case(
        "trustpay",
        frozenset({"payin", "payout"}),
        [trustpay_payin, trustpay_payout],
        lambda a: _code(a) == 880001,
        lambda a: (_code(a), a["message"]) == (880012, "order_already_exists"),
        (_inr_held, _payout_held),
    ),
    "trustpay-refund": Case(
        "trustpay",
        frozenset({"refund"}),
        [trustpay_refund],
        lambda a: _code(a) == 880001,
        lambda a: (_code(a), a["message"]) == (880012, "order_already_exists"),
        (_usd_held, _refund_held),
        prepare=paid_payin,
    ),
    "trustpay-card-order": Case(
        "trustpay",
        frozenset({"card_order"}),
        [trustpay_card_order],
        lambda a: _code(a) == 880001,
        lambda a: (_code(a), a["message"]) == (880012, "order_already_exists"),
    ),
    "ezpay-static": Case(
        "ezpay",
        frozenset({"static"}),
        [ezpay_static],
        lambda a: _code(a) == 10000,
        lambda a: (_code(a), a["message"]) == (21007, "Duplicate merchant order id"),
    ),
    "ezpay-payment": Case(
        "ezpay",
        frozenset({"payment"}),
        [ezpay_payment],
        lambda a: _code(a) == 10000,
        lambda a: (_code(a), a["message"]) == (21007, "Duplicate merchant order id"),
    ),
    "ezpay-payout": Case(
        "ezpay",
        frozenset({"payout"}),
        [ezpay_payout],
        lambda a: _code(a) == 10000,
        lambda a: (_code(a), a["message"]) == (21007, "Duplicate merchant order id"),
        (_ezpay_balance, _ezpay_debit),
    ),
    "goldenpay-payout": Case(
        "goldenpay",
        frozenset({"payout"}),
        [goldenpay_payout],
        lambda a: _code(a) == 200,
        lambda a: (_code(a), a["errors"]["message"]) == (400, "Duplicate trans_id"),
        (_goldenpay_balance, _goldenpay_debit),
    ),
    "trustpay-admin-trigger": Case(
        "trustpay",
        frozenset({"payin"}),
        [admin_trigger("trustpay", 8820250900009, "20.00", "USD")],
        lambda a: "id" in a,
        _conflict("conflict", " already exists"),
        statuses=(201, 409),
    ),
    "ezpay-admin-trigger": Case(
        "ezpay",
        frozenset({"payment"}),
        [admin_trigger("ezpay", DEMO_APP_ID, 5000, "PHP")],
        lambda a: "id" in a,
        _conflict("duplicate", " is already used"),
        statuses=(201, 409),
    ),
    "goldenpay-admin-trigger": Case(
        "goldenpay",
        frozenset({"collect"}),
        [admin_trigger("goldenpay", 10001, "50.00", "THB")],
        lambda a: "id" in a,
        _conflict("conflict", " is already used"),
        statuses=(201, 409),
    ),
    "goldenpay-collect": Case(
        "goldenpay",
        frozenset({"collect"}),
        [goldenpay_collect],
        lambda a: _code(a) == 200,
        lambda a: (_code(a), a["errors"]["message"]) == (400, "Duplicate trans_id"),
    ),
}


def race(case: Case, replicas: Sequence[Clients], prefix: str) -> Counter[str]:
    """Send each of ROUNDS numbers SENDERS times at once, spread over the replicas; what the
    answers were ("accepted", "refused"), checking each is one of those two."""
    senders = [
        case.requests[n % len(case.requests)](replicas[n % len(replicas)], n)
        for n in range(SENDERS)
    ]
    outcomes: Counter[str] = Counter()
    with ThreadPoolExecutor(SENDERS) as pool:
        for round_no in range(ROUNDS):
            number = f"{prefix}-{round_no:03d}"
            if case.prepare is not None:
                case.prepare(replicas[0], number)
            answers = send_at_once(pool, [partial(send, number) for send in senders])
            round_outcomes = []
            for response in answers:
                answer = parse_json(response.content)
                outcome = "accepted" if case.accepted(answer) else "refused"
                assert outcome == "accepted" or case.refused(answer), (number, answer)
                expected_status = case.statuses[0 if outcome == "accepted" else 1]
                assert response.status_code == expected_status, (number, response.text)
                round_outcomes.append(outcome)
            assert round_outcomes.count("accepted") == 1, (number, round_outcomes)
            outcomes.update(round_outcomes)
    return outcomes


def stored_orders(admin: httpx.Client, case: Case, prefix: str) -> list[dict[str, Any]]:
    """The stored orders of the case's kinds whose number starts with `prefix`."""
    listed = admin.get("/_sandbox/orders", params={"gateway": case.gateway, "page_size": 500})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] <= 500
    return [
        item
        for item in body["items"]
        if item["kind"] in case.kinds and item["merchant_order_id"].startswith(prefix + "-")
    ]


def check_stored(admin: httpx.Client, case: Case, prefix: str) -> list[dict[str, Any]]:
    """Each number stored once; returns the stored orders."""
    stored = stored_orders(admin, case, prefix)
    numbers = Counter(item["merchant_order_id"] for item in stored)
    assert numbers == {f"{prefix}-{n:03d}": 1 for n in range(ROUNDS)}
    return stored


def race_and_check(
    case: Case, replicas: Sequence[Clients], admins: Sequence[httpx.Client], prefix: str
) -> None:
    """`race`, then: every answer accepted once per number, one order stored per number as
    every replica sees it, and money moved for the stored orders only."""
    before = case.money[0](replicas[0]) if case.money else None
    outcomes = race(case, replicas, prefix)
    assert outcomes == {"accepted": ROUNDS, "refused": ROUNDS * (SENDERS - 1)}
    for admin in admins:
        stored = check_stored(admin, case, prefix)
    if case.money is not None and before is not None:
        balance, moved = case.money
        for clients in replicas:
            assert before - balance(clients) == sum(moved(item) for item in stored)


@pytest.mark.parametrize("name", list(CASES))
def test_two_postgres_replicas_store_a_number_sent_to_both_at_once_once(
    database: str, name: str
) -> None:
    case = CASES[name]
    with ExitStack() as stack:
        processes = [
            stack.enter_context(run_sandbox_process(["--db", database, *MANUAL])) for _ in "12"
        ]
        urls = [p.url for p in processes]
        replicas = stack.enter_context(merchant_clients(urls))
        admins = [stack.enter_context(httpx.Client(base_url=url, timeout=30)) for url in urls]
        race_and_check(case, replicas, admins, f"RACE-{name}")


@pytest.mark.parametrize("name", list(CASES))
def test_one_sqlite_process_stores_a_number_sent_at_once_once(name: str) -> None:
    case = CASES[name]
    flags = {"clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    with run_sandbox(flags) as running, merchant_clients([running.url]) as replicas:
        race_and_check(case, replicas, [running.client], f"ONE-{name}")
