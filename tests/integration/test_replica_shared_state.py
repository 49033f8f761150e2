"""State two `sandbox serve` replicas on one PostgreSQL database share besides order numbers,
raced over real sockets: TrustPay's daily pay-in limits are reached by both replicas together,
exactly at the limit; an EzPay payout's idempotencyId and a physical card's number sent to both
at once are stored once (the rest get the gateway's own error, never a 5xx, nothing held);
virtual cards opened at once on both get distinct ids; replicas started at once with one seed
(or none) hand out distinct platform ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.races import (
    MANUAL,
    NOWHERE,
    Clients,
    card_order_fields,
    merchant_clients,
    send_at_once,
)

from sandbox.client import TrustPayClient, num
from sandbox.signing.values import parse_json
from sandbox.testing.process import run_sandbox_process

DEMO_MERCHANT = "8820250900009"
# A second TrustPay merchant whose limit is on the day's amount (the demo one: on the count).
AMOUNT_MERCHANT = (8820250900010, "tp_amount_limited", "tp_amount_secret")
CONFIG = (
    "merchants:\n  trustpay:\n"
    f"    - merchant_id: {DEMO_MERCHANT}\n"
    "      api_key: tp_test_0b1c2d3e4f5a6b7c\n      secret: tp_test_secret_9f8e7d6c\n"
    "      limits: {daily_count: 10}\n"
    f"    - merchant_id: {AMOUNT_MERCHANT[0]}\n"
    f"      api_key: {AMOUNT_MERCHANT[1]}\n      secret: {AMOUNT_MERCHANT[2]}\n"
    "      limits: {daily_amount: '100.00'}\n"
)
AT_ONCE = 24  # requests released together, spread over the replicas


@contextmanager
def two_replicas(database: str, *flags: str) -> Iterator[list[Clients]]:
    with ExitStack() as stack:
        processes = [
            stack.enter_context(run_sandbox_process(["--db", database, *MANUAL, *flags]))
            for _ in "12"
        ]
        yield stack.enter_context(merchant_clients([p.url for p in processes]))


def answer(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return parse_json(response.content)


def outcome(response: httpx.Response) -> tuple[int, str]:
    body = answer(response)
    return int(body["code"]), str(body["message"])


def admin_orders(clients: Clients, gateway: str, kind: str) -> list[dict[str, Any]]:
    listed = clients.admin.get("/_sandbox/orders", params={"gateway": gateway, "page_size": 500})
    assert listed.status_code == 200, listed.text
    return [item for item in listed.json()["items"] if item["kind"] == kind]


# -- TrustPay daily limits ------------------------------------------------------------------


def cashier_payin(client: TrustPayClient, order_no: str, amount: str) -> httpx.Response:
    return client.send(
        "/v4/payin/create/order",
        {
            "merchant_id": client.merchant_id,
            "order_no": order_no,
            "order_amount": num(amount),
            "currency": "USD",
            "notify_url": NOWHERE,
        },
    )


def race_payins(
    clients: Sequence[TrustPayClient], prefix: str, amount: str
) -> Counter[tuple[int, str]]:
    """AT_ONCE pay-ins of distinct numbers released together over `clients`; their answers."""
    requests = [
        partial(cashier_payin, clients[n % len(clients)], f"{prefix}-{n:02d}", amount)
        for n in range(AT_ONCE)
    ]
    with ThreadPoolExecutor(AT_ONCE) as pool:
        return Counter(outcome(r) for r in send_at_once(pool, requests))


def test_two_replicas_reach_the_daily_limits_together_exactly_at_the_limit(
    database: str, tmp_path: Path
) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text(CONFIG)
    with two_replicas(database, "--config", str(config)) as replicas:
        demo = [r.trustpay for r in replicas]
        assert race_payins(demo, "COUNT", "1.00") == {
            (880001, "success"): 10,
            (880021, "daily_transaction_count_limit_exceeded"): AT_ONCE - 10,
        }
        for replica in replicas:  # each sees the ten, however they were spread
            assert len(admin_orders(replica, "trustpay", "payin")) == 10

        # A failed pay-in no longer counts, on either replica: one more fits, then none. The
        # same pay-in failed through both replicas at once is taken off once.
        pending = admin_orders(replicas[0], "trustpay", "payin")[0]["id"]
        requests = [
            partial(r.admin.post, f"/_sandbox/orders/{pending}/complete", json={"status": "failed"})
            for r in replicas
        ]
        with ThreadPoolExecutor(2) as pool:
            failed = send_at_once(pool, requests)
        assert 200 in [r.status_code for r in failed], [r.text for r in failed]
        assert {r.status_code for r in failed} <= {200, 409}, [r.text for r in failed]
        assert outcome(cashier_payin(demo[1], "COUNT-AFTER-1", "1.00"))[0] == 880001
        assert outcome(cashier_payin(demo[0], "COUNT-AFTER-2", "1.00")) == (
            880021,
            "daily_transaction_count_limit_exceeded",
        )

        with second_merchant(replicas) as limited:
            # 100.00 a day: ten of 10.00 fit, whichever replica took them.
            assert race_payins(limited, "AMOUNT", "10.00") == {
                (880001, "success"): 10,
                (880020, "daily_amount_limit_exceeded"): AT_ONCE - 10,
            }


# -- values stored once: an EzPay idempotencyId, a physical card's number ---------------------


ROUNDS = 8
SENDERS = 4


def ezpay_payout(clients: Clients, order_no: str, idempotency_id: str) -> httpx.Response:
    return clients.ezpay.send(
        "/open-api/philippines/disbursement/transfer",
        {
            "mchOrderId": order_no,
            "idempotencyId": idempotency_id,
            "amount": 5000,
            "accountNo": "09171234567",
            "accountName": "Juan Dela Cruz",
            "payMethodCode": "EWALLET",
            "transferCode": "GCASH",
        },
    )


def ezpay_balance(clients: Clients) -> Decimal:
    return Decimal(clients.ezpay.country_balance("PH")["data"]["balance"])


def race_rounds(
    replicas: Sequence[Clients], request: Callable[[Clients, int, int], httpx.Response]
) -> list[list[tuple[int, str]]]:
    """ROUNDS rounds of SENDERS requests (`request(clients, round, sender)`) released together,
    spread over the replicas; each round's answers."""
    rounds = []
    with ThreadPoolExecutor(SENDERS) as pool:
        for round_no in range(ROUNDS):
            requests = [
                partial(request, replicas[n % len(replicas)], round_no, n) for n in range(SENDERS)
            ]
            rounds.append([outcome(r) for r in send_at_once(pool, requests)])
    return rounds


def test_an_idempotency_id_sent_to_two_replicas_at_once_is_stored_once(database: str) -> None:
    with two_replicas(database) as replicas:
        before = ezpay_balance(replicas[0])
        rounds = race_rounds(
            replicas,
            lambda clients, r, n: ezpay_payout(
                clients, f"IDEM-ORDER-{r}-{n}", f"IDEMPOTENT{r:04d}"
            ),
        )
        for answers in rounds:
            assert sorted(answers) == [(10000, "Success")] + [
                (21015, "Duplicate idempotencyId")
            ] * (SENDERS - 1), answers
        for replica in replicas:
            stored = admin_orders(replica, "ezpay", "payout")
            assert Counter(o["data"]["idempotencyId"] for o in stored) == {
                f"IDEMPOTENT{r:04d}": 1 for r in range(ROUNDS)
            }
            moved = sum((Decimal(o["amount"]) + Decimal(o["data"]["fee"])) / 100 for o in stored)
            assert before - ezpay_balance(replica) == moved  # a refused payout debits nothing


def approved_cardholder(replicas: Sequence[Clients]) -> str:
    holder = answer(
        replicas[0].trustpay.send(
            "/v3/pcard/cardholder",
            {
                "first_name": "Dana",
                "last_name": "Ivanova",
                "email": "dana@example.com",
                "country_code": "GB",
                "phone_number": "+447700900123",
            },
        )
    )
    assert int(holder["code"]) == 880001, holder
    advanced = replicas[1].admin.post("/_sandbox/clock/advance", json={"seconds": 3})
    assert advanced.status_code == 200, advanced.text
    return str(holder["data"]["cardholder_id"])


def luhn_number(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return body + str((10 - total % 10) % 10)


def test_a_physical_card_number_assigned_on_two_replicas_at_once_is_stored_once(
    database: str,
) -> None:
    with two_replicas(database) as replicas:
        holder = approved_cardholder(replicas)

        def assign(clients: Clients, round_no: int, _sender: int) -> httpx.Response:
            return clients.trustpay.send(
                "/v3/pcard/cards/assign",
                {
                    "cardholder_id": holder,
                    "card_number": luhn_number(f"453201000000{round_no:03d}"),
                    "card_currency": "USD",
                },
            )

        for answers in race_rounds(replicas, assign):
            assert sorted(answers) == [(880001, "success")] + [(880012, "order_already_exists")] * (
                SENDERS - 1
            ), answers
        for replica in replicas:
            numbers = Counter(
                o["data"]["card_number"] for o in admin_orders(replica, "trustpay", "pcard")
            )
            assert numbers == {luhn_number(f"453201000000{r:03d}"): 1 for r in range(ROUNDS)}


# -- ids ---------------------------------------------------------------------------------------


@contextmanager
def second_merchant(replicas: Sequence[Clients]) -> Iterator[list[TrustPayClient]]:
    """The second merchant of CONFIG's TrustPay clients, one per replica."""
    merchant_id, api_key, secret = AMOUNT_MERCHANT
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                TrustPayClient(
                    str(r.admin.base_url), merchant_id=merchant_id, api_key=api_key, secret=secret
                )
            )
            for r in replicas
        ]


def test_virtual_cards_opened_on_two_replicas_at_once_get_distinct_ids(
    database: str, tmp_path: Path
) -> None:
    # Ids count across the gateway: two merchants' cards (each merchant's card account is
    # locked while its card opens, so one merchant's cards open one after the other anyway).
    opened = 16
    config = tmp_path / "sandbox.yaml"
    config.write_text(CONFIG)
    with (
        two_replicas(database, "--config", str(config)) as replicas,
        second_merchant(replicas) as others,
    ):
        for n in range(opened):
            merchant = replicas[n % 2].trustpay if n % 4 < 2 else others[n % 2]
            accepted = answer(
                merchant.send(
                    "/v3/vcard/open",
                    card_order_fields(f"VCARD-{n:02d}"),
                )
            )
            assert int(accepted["code"]) == 880001, accepted
        # Each order completed at once, half through each replica: each opens its card.
        orders = [o["id"] for o in admin_orders(replicas[0], "trustpay", "card_order")]
        assert len(orders) == opened
        requests = [
            partial(
                replicas[n % 2].admin.post,
                f"/_sandbox/orders/{order_id}/complete",
                json={"status": "success"},
            )
            for n, order_id in enumerate(orders)
        ]
        with ThreadPoolExecutor(opened) as pool:
            completed = send_at_once(pool, requests)
        assert [r.status_code for r in completed] == [200] * opened, [r.text for r in completed]
        for replica in replicas:
            finished = admin_orders(replica, "trustpay", "card_order")
            assert sorted(o["status"] for o in finished) == ["4"] * opened
            cards = admin_orders(replica, "trustpay", "vcard")
            assert sorted(int(c["id"]) for c in cards) == list(range(1, opened + 1))


@contextmanager
def replicas_started_at_once(database: str, *flags: str) -> Iterator[list[Clients]]:
    with ExitStack() as stack, ThreadPoolExecutor(2) as pool:

        def start(_: int) -> Any:
            return stack.enter_context(run_sandbox_process(["--db", database, *MANUAL, *flags]))

        processes = list(pool.map(start, range(2)))
        yield stack.enter_context(merchant_clients([p.url for p in processes]))


@pytest.mark.parametrize("seed", [("--seed", "7"), ()], ids=["same-seed", "no-seed"])
def test_replicas_started_at_once_hand_out_distinct_platform_ids(
    database: str, seed: tuple[str, ...]
) -> None:
    made = 15
    with replicas_started_at_once(database, *seed) as replicas:
        ids: list[str] = []
        for n in range(made):
            for index, replica in enumerate(replicas):
                payin = answer(cashier_payin(replica.trustpay, f"SEED-{index}-{n:02d}", "1.00"))
                assert int(payin["code"]) == 880001, payin
                ids.append(str(payin["data"]["platform_order_no"]))
                payment = answer(
                    replica.ezpay.send(
                        "/open-api/philippines/payment/generate",
                        {
                            "mchOrderId": f"SEED-{index}-{n:02d}",
                            "amount": 500,
                            "customerName": "Juan Dela Cruz",
                            "channelCode": "PH_GCASH_URL",
                            "notifyUrl": NOWHERE,
                            "redirectUrl": "https://merchant.example/return",
                            "email": "juan@example.com",
                            "mobile": "09171234567",
                        },
                    )
                )
                assert int(payment["code"]) == 10000, payment
                ids.append(str(payment["data"]["transactionId"]))
        assert len(set(ids)) == len(ids) == 2 * 2 * made
