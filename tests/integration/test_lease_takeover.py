"""A replica whose lease on a callback expired while its attempt was still running (a slow
merchant) finishes late: its attempt is recorded as one more attempt of its own, never over the
taker's record, and the message state stays the one the lease holder wrote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from support.races import paid_card_payin
from support.receiver import Receiver, Reply

from sandbox.client.trustpay import TrustPayClient
from sandbox.store import open_store
from sandbox.testing.process import run_sandbox_process

LEASE_S = 3.0
# The first attempt's merchant answers this late: well past the lease and the second replica's
# once-a-second look for expired leases, still inside TrustPay's 10 s callback timeout.
SLOW_REPLY_S = 8.0


@contextmanager
def two_replicas(database: str) -> Iterator[list[httpx.Client]]:
    """Two sandbox processes on `database` (manual clock, short leases); their admin clients."""
    args = ["--db", database, "--clock", "manual", "--lease-seconds", str(LEASE_S)]
    with ExitStack() as stack:
        clients = []
        for _ in range(2):
            process = stack.enter_context(run_sandbox_process(args))
            clients.append(stack.enter_context(httpx.Client(base_url=process.url, timeout=60)))
        yield clients


def pay_in(client: httpx.Client, receiver: Receiver, order_no: str) -> None:
    answer: Any = TrustPayClient(str(client.base_url), http=client).card_payin(
        **paid_card_payin(order_no, receiver.url + "/trustpay/notify")
    )
    assert int(answer["code"]) == 880001, answer


def advance(client: httpx.Client) -> None:
    response = client.post("/_sandbox/clock/advance", json={"seconds": 0})
    assert response.status_code == 200, response.text


def held_leases(database: str) -> int:
    store = open_store(database)
    try:
        row = store.fetchone("SELECT COUNT(*) AS n FROM callbacks WHERE lease_owner IS NOT NULL")
        return int(row["n"]) if row is not None else -1
    finally:
        store.close()


@pytest.mark.parametrize(
    ("late_reply", "late_acked"),
    [(Reply(kind="ack"), True), (Reply(500, b"merchant error"), False)],
    ids=["late-ack", "late-failure"],
)
def test_a_late_attempt_after_a_takeover_is_its_own_attempt(
    database: str, receiver: Receiver, late_reply: Reply, late_acked: bool
) -> None:
    # The first post hangs past the lease; every later one is acknowledged at once.
    receiver.reply(replace(late_reply, delay=SLOW_REPLY_S))
    with two_replicas(database) as pair:
        pay_in(pair[0], receiver, "ORD-LEASE-1")
        # An advance returns once every attempt its replica has in flight has finished and
        # nothing due is left: through both, the slow attempt, the takeover and its resend ran.
        for replica in (*pair, *pair):
            advance(replica)
        posts = receiver.requests
        assert len(posts) == 2  # the slow one and the taker's
        listed = pair[1].get("/_sandbox/callbacks").json()["items"]
        assert len(listed) == 1
        message = pair[1].get(f"/_sandbox/callbacks/{listed[0]['id']}").json()
        attempts = message["attempts"]
        shown = [(a["number"], a["error"], a["status"], a["acked"]) for a in attempts]
        # The taker's note on the attempt it could not see the end of, then its own attempt
        # and the late attempt itself, each under a number of its own.
        assert [a["number"] for a in attempts] == [1, 2, 3], shown
        assert attempts[0]["error"] == "abandoned", shown
        taken, late = attempts[1:]
        assert len(attempts[1:]) == len(posts)  # every post the merchant got is on record
        assert (taken["error"], taken["status"], taken["acked"]) == (None, 200, True), shown
        assert late["latency_ms"] >= SLOW_REPLY_S * 1000, shown
        assert (late["status"], late["acked"]) == (late_reply.status, late_acked), shown
        # The state is the holder's: acknowledged, no retry for the late failure.
        assert (message["state"], message["attempt_count"]) == ("acked", 3)
        assert held_leases(database) == 0
        pair[0].post("/_sandbox/clock/advance", json={"seconds": 3600})
        assert len(receiver.requests) == 2
