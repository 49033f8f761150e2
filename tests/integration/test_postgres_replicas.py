"""Several real `sandbox serve` processes on one PostgreSQL database are one sandbox: orders,
scenarios, reset and the manual clock are shared, and callbacks are delivered once each, even
with a replica killed in the middle of a burst (its attempts in flight are taken over after
their lease, each visible as its own attempt)."""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from support.races import paid_card_payin
from support.receiver import Receiver, Reply

from sandbox.client.trustpay import TrustPayClient, num
from sandbox.signing.values import parse_json
from sandbox.store import Store, open_store
from sandbox.store.balances import adjust_balance, get_balance
from sandbox.testing.process import SandboxProcess, run_sandbox_process

MANUAL = ("--clock", "manual", "--clock-start", "2026-03-12T08:30:00Z")
JSON = {"Content-Type": "application/json"}  # admin bodies are JSON (uploads may be YAML)
BURST = 3_000
CREATORS_PER_REPLICA = 4  # orders in flight at once on each replica while the burst is made
PAGE = 500  # the admin list's largest page
LEASE_S = "11"


@dataclass
class Replica:
    process: SandboxProcess
    admin: httpx.Client
    trustpay: TrustPayClient

    def advance(self, seconds: float) -> dict[str, Any]:
        response = self.admin.post("/_sandbox/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200, response.text
        clock: dict[str, Any] = response.json()
        return clock


@contextmanager
def replicas(url: str, count: int, args: Sequence[str] = MANUAL) -> Iterator[list[Replica]]:
    """`count` sandbox processes on the database `url`."""
    with ExitStack() as stack:
        started = []
        for _ in range(count):
            process = stack.enter_context(run_sandbox_process(["--db", url, *args]))
            admin = stack.enter_context(
                httpx.Client(base_url=process.url, timeout=60, headers=JSON)
            )
            started.append(Replica(process, admin, TrustPayClient(process.url, http=admin)))
        yield started


def payin(replica: Replica, receiver: Receiver, order_no: str, amount: str = "20.00") -> Any:
    return replica.trustpay.card_payin(
        **paid_card_payin(order_no, receiver.url + "/trustpay/notify", amount)
    )


def success(envelope: Any) -> Any:
    assert (int(envelope["code"]), envelope["message"]) == (880001, "success"), envelope
    return envelope.get("data")


def order_numbers(receiver: Receiver) -> Counter[str]:
    return Counter(str(parse_json(body)["order_no"]) for body in receiver.bodies)


def test_an_order_made_through_one_replica_is_served_by_another(
    database: str, receiver: Receiver
) -> None:
    with replicas(database, 2) as (one, two):
        success(payin(one, receiver, "ORD-R-1"))
        two.advance(0)  # its callback has been made, whichever replica made it
        assert order_numbers(receiver) == {"ORD-R-1": 1}
        assert success(two.trustpay.query("ORD-R-1"))["status"] == "5"
        refund = two.trustpay.refund(
            order_no="ORD-R-1", merchant_refund_no="RF-R-1", refund_amount=num("5.00")
        )
        assert success(refund)["status"] == "1"
        balances = [success(r.trustpay.balance("USD")) for r in (one, two)]
        assert balances[0] == balances[1]
        assert (balances[0]["balance"], balances[0]["frozen"]) == ("9995.00", "5.00")
        one.advance(2)  # the refund completes on sandbox time, advanced through the other one
        assert success(two.trustpay.query("ORD-R-1"))["status"] == "8"
        assert order_numbers(receiver)["ORD-R-1"] == 3  # paid, refunding, refunded


def test_the_manual_clock_is_shared(database: str) -> None:
    with replicas(database, 2) as (one, two):
        moved = one.advance(90)
        assert moved["now"] == "2026-03-12T08:31:30.000000Z"
        assert two.admin.get("/_sandbox/clock").json()["now"] == moved["now"]
        assert two.advance(30)["now"] == "2026-03-12T08:32:00.000000Z"
        assert one.admin.get("/_sandbox/clock").json()["now"] == "2026-03-12T08:32:00.000000Z"


def test_scenarios_and_reset_hold_on_every_replica(database: str, receiver: Receiver) -> None:
    forced = "name: replica-forced\ngateway: trustpay\nrules:\n  - respond: {error: 880016}\n"
    with replicas(database, 2) as (one, two):
        assert one.admin.post("/_sandbox/scenarios", content=forced).status_code == 201
        # Uploaded through one, activated through the other, in force on the first.
        put = two.admin.put("/_sandbox/scenarios/active", json={"names": ["replica-forced"]})
        assert put.status_code == 200, put.text
        assert int(one.trustpay.balance("USD")["code"]) == 880016
        put = one.admin.put("/_sandbox/scenarios/active", json={"names": []})
        assert int(two.trustpay.balance("USD")["code"]) == 880001
        success(payin(two, receiver, "ORD-R-2"))
        two.admin.put("/_sandbox/scenarios/active", json={"names": ["replica-forced"]})
        assert one.admin.post("/_sandbox/reset", json={}).status_code == 200
        # The reset emptied the orders and restored the start-up selection, for both.
        assert int(two.trustpay.balance("USD")["code"]) == 880001
        gone = two.trustpay.query("ORD-R-2")
        assert int(gone["code"]) != 880001, gone
        selection = two.admin.get("/_sandbox/scenarios").json()["selection"]
        assert selection["global"] == []


def test_a_cycling_error_list_runs_once_across_replicas(database: str) -> None:
    cycling = (
        "name: cycling\ngateway: trustpay\nrules:\n  - respond: {error: [880005, 880013, 880022]}\n"
    )
    with replicas(database, 2) as (one, two):
        assert one.admin.post("/_sandbox/scenarios", content=cycling).status_code == 201
        one.admin.put("/_sandbox/scenarios/active", json={"names": ["cycling"]})
        answered = [int(r.trustpay.balance("USD")["code"]) for r in (one, two, one, two)]
        assert answered == [880005, 880013, 880022, 880005]
        assert one.admin.post("/_sandbox/reset", json={}).status_code == 200
        one.admin.put("/_sandbox/scenarios/active", json={"names": ["cycling"]})
        assert int(two.trustpay.balance("USD")["code"]) == 880005  # the reset rewound it


def create_burst(replicas: Sequence[Replica], receiver: Receiver, numbers: range) -> None:
    """Orders `numbers`, round-robin across `replicas`, a few in flight on each at a time."""

    def create(n: int) -> None:
        success(payin(replicas[n % len(replicas)], receiver, f"ORD-B-{n:05d}"))

    with ThreadPoolExecutor(CREATORS_PER_REPLICA * len(replicas)) as pool:
        list(pool.map(create, numbers))


def callbacks_listed(replica: Replica) -> list[dict[str, Any]]:
    """Every callback message, page by page."""
    items: list[dict[str, Any]] = []
    for page in range(1, 1_000):
        params = {"page": page, "page_size": PAGE}
        listed = replica.admin.get("/_sandbox/callbacks", params=params).json()
        items += listed["items"]
        if len(items) >= listed["total"]:
            return items
    raise AssertionError("the callback list never ended")


def test_a_burst_across_three_replicas_with_one_killed_loses_nothing(
    database: str, receiver: Receiver
) -> None:
    # A healthy merchant that takes a moment per callback, so attempts are in flight when the
    # replica dies. Leases just past the 10 s callback timeout, as docs/postgres.md asks: a
    # shorter one lets a busy survivor's attempt be taken over (and sent twice) while it runs;
    # the killed replica's work is taken over while the rest of the burst is made.
    receiver.default = Reply(200, b"{}", delay=0.05)
    with replicas(database, 3, (*MANUAL, "--lease-seconds", LEASE_S)) as trio:
        killed = trio[1]
        create_burst(trio, receiver, range(BURST // 2))
        # Right after an order through it: that replica is likely sending its callback.
        success(payin(killed, receiver, "ORD-B-KILLED"))
        os.kill(killed.process.pid, signal.SIGKILL)
        killed.process.process.wait()
        survivors = [replica for replica in trio if replica is not killed]
        create_burst(survivors, receiver, range(BURST // 2, BURST))
        survivor = survivors[0]
        # Returns once every due attempt has been made, the killed replica's taken over too.
        survivor.advance(0)
        received = order_numbers(receiver)
        assert len(received) == BURST + 1  # nothing lost
        duplicates = sum(count - 1 for count in received.values())
        listed = callbacks_listed(survivor)
        assert len(listed) == BURST + 1
        assert all(item["state"] == "acked" for item in listed)
        abandoned = []
        for item in listed:
            if item["attempt_count"] > 1:
                detail = survivor.admin.get(f"/_sandbox/callbacks/{item['id']}").json()
                errors = [a["error"] for a in detail["attempts"]]
                shown = [(a["error"], a["status"], a["acked"]) for a in detail["attempts"]]
                assert errors[:-1] == ["abandoned"] * (len(errors) - 1), (item["id"], shown)
                abandoned.append(item["id"])
        # A duplicate only where the killed replica had an attempt in flight, and each of
        # those is on record as an attempt of its own.
        print(f"burst {BURST}: {duplicates} duplicate(s), {len(abandoned)} abandoned attempt(s)")
        assert duplicates <= len(abandoned)


def test_balance_adjustments_from_two_connections_add_up(database: str) -> None:
    """Each replica has its own connection; concurrent credits and debits never overwrite."""
    stores = [open_store(database), open_store(database)]
    now = datetime(2026, 3, 12, 8, 30, tzinfo=UTC)

    def adjust(store: Store, delta: str) -> None:
        for _ in range(100):
            adjust_balance(store, "trustpay", "m-1", "USD", Decimal(delta), now)

    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(adjust, stores, ["1.10", "-0.05"]))
        balance = get_balance(stores[0], "trustpay", "m-1", "USD")
        assert balance is not None
        assert balance.available == Decimal("105.00")  # 100 x 1.10 - 100 x 0.05, exactly
    finally:
        for store in stores:
            store.close()
