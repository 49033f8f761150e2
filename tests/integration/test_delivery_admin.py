"""The callbacks admin API, target overrides, reset, the request journal, restart with a file DB."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from support.callbacks import on_loop, request, submit
from support.gateways import profile
from support.receiver import Receiver, Reply
from support.server import RunningSandbox, run_sandbox

from sandbox.delivery import body_equals_text
from sandbox.store.journal import JournalEntry

pytestmark = pytest.mark.postgres

MANUAL = {"clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}


def test_list_filters_newest_first_and_pages(
    manual_server: RunningSandbox, receiver: Receiver
) -> None:
    submit(manual_server, request(receiver.url, order_id="A", event="payin.paid"))
    submit(manual_server, request(receiver.url, order_id="B", event="refund.done"))
    receiver.reply(Reply(500))
    submit(manual_server, request(receiver.url, order_id="C", gateway="ezpay"))
    everything = manual_server.admin("GET", "callbacks").json()
    assert everything["total"] == 3
    assert [m["order_id"] for m in everything["items"]] == ["C", "B", "A"]
    page = manual_server.admin("GET", "callbacks?page=2&page_size=2").json()
    assert [m["order_id"] for m in page["items"]] == ["A"] and page["total"] == 3

    def orders(query: str) -> list[str]:
        return [
            m["order_id"] for m in manual_server.admin("GET", f"callbacks?{query}").json()["items"]
        ]

    assert orders("gateway=ezpay") == ["C"]
    assert orders("state=pending") == ["C"]
    assert orders("state=acked&merchant=8820250900009") == ["C", "B", "A"][1:]
    assert orders("event=refund.done") == ["B"]
    assert orders("order=ORDER-1") == ["C", "B", "A"]  # the merchant order id matches too
    assert manual_server.admin("GET", "callbacks?state=lost").status_code == 400
    assert manual_server.admin("GET", "callbacks?gateway=nope").status_code == 400
    missing = manual_server.admin("GET", "callbacks/cb_999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_resend_a_failed_callback(manual_server: RunningSandbox, receiver: Receiver) -> None:
    told: list[str] = []
    manual_server.sandbox.delivery.on_outcome("goldenpay", lambda o: told.append(o.state))
    receiver.reply(Reply(500), Reply(500))
    golden = request(
        receiver.url,
        gateway="goldenpay",
        ack=body_equals_text("success"),
        policy=profile("goldenpay"),
    )
    [mid] = submit(manual_server, golden)
    manual_server.advance(60)
    assert manual_server.admin("GET", f"callbacks/{mid}").json()["state"] == "failed"

    receiver.reply(Reply(200, b"success"))
    response = manual_server.admin("POST", f"callbacks/{mid}/resend")
    assert response.status_code == 200, response.text
    assert response.json()["attempt"]["resend"] is True
    assert response.json()["callback"]["state"] == "acked"
    message = manual_server.admin("GET", f"callbacks/{mid}").json()
    assert message["state"] == "acked"
    assert [a["resend"] for a in message["attempts"]] == [False, False, True]
    assert len(set(receiver.bodies)) == 1 and len(receiver.bodies) == 3
    assert told == ["failed", "acked"]
    assert manual_server.admin("POST", "callbacks/cb_424242/resend").status_code == 404


def test_wait_answers_when_enough_match(manual_server: RunningSandbox, receiver: Receiver) -> None:
    submit(manual_server, request(receiver.url, order_id="W", delay=timedelta(seconds=30)))
    submit(manual_server, request(receiver.url, order_id="W", delay=timedelta(seconds=40)))
    with ThreadPoolExecutor(1) as pool, httpx.Client(base_url=manual_server.url) as other:
        waiting = pool.submit(
            other.get, "/_sandbox/callbacks/wait?order=W&count=2&state=acked&timeout=20"
        )
        manual_server.advance(40)
        response = waiting.result(timeout=30)
    assert response.status_code == 200, response.text
    assert [m["state"] for m in response.json()["items"]] == ["acked", "acked"]


def test_wait_times_out_with_408_and_what_exists(
    manual_server: RunningSandbox, receiver: Receiver
) -> None:
    receiver.reply(Reply(503))
    submit(manual_server, request(receiver.url, order_id="T"))
    response = manual_server.admin(
        "GET", "callbacks/wait?order=T&state=pending&count=2&timeout=0.2"
    )
    assert response.status_code == 408
    body = response.json()
    assert body["error"]["code"] == "timeout"
    assert [m["order_id"] for m in body["items"]] == ["T"]
    assert manual_server.admin("GET", "callbacks/wait?timeout=61").status_code == 400
    assert manual_server.admin("GET", "callbacks/wait?state=nope").status_code == 400


def test_callback_url_override(receiver: Receiver) -> None:
    with run_sandbox({**MANUAL, "callback_url": receiver.url + "/all"}) as running:
        [mid] = submit(running, request("http://merchant.example/notify"))
        message = running.admin("GET", f"callbacks/{mid}").json()
    assert [r.path for r in receiver.requests] == ["/all"]
    assert message["url"] == receiver.url + "/all"
    assert message["original_url"] == "http://merchant.example/notify"


def test_callback_origin_override_keeps_the_path(receiver: Receiver) -> None:
    with run_sandbox({**MANUAL, "callback_origin": receiver.url}) as running:
        submit(running, request("https://merchant.example:8443/hooks/pay?x=1"))
    assert [r.path for r in receiver.requests] == ["/hooks/pay?x=1"]


def test_reset_drops_pending_callbacks_and_their_timers(
    manual_server: RunningSandbox, receiver: Receiver
) -> None:
    submit(manual_server, request(receiver.url, delay=timedelta(seconds=10)))
    assert manual_server.admin("POST", "reset").status_code == 200
    assert manual_server.admin("GET", "callbacks").json()["total"] == 0
    manual_server.advance(3600)
    assert receiver.requests == []


def test_ready_reports_the_dispatcher(server: RunningSandbox) -> None:
    body = server.admin("GET", "ready").json()
    assert body["checks"]["dispatcher"] == "running"


def test_request_journal_lists_newest_first_with_filters(manual_server: RunningSandbox) -> None:
    journal = manual_server.sandbox.journal

    async def append() -> None:
        journal.append(JournalEntry("trustpay", "create_payin", "8820250900009", 200, "ok"))
        journal.append(
            JournalEntry("ezpay", "query", "app1", 200, "bad", scenario="slow", rule="r1")
        )

    on_loop(manual_server, append)
    listing = manual_server.admin("GET", "requests").json()
    assert listing["total"] == 2
    assert [e["operation"] for e in listing["items"]] == ["query", "create_payin"]
    assert listing["items"][0]["time"] == "2026-03-12T08:30:00.000000Z"
    assert listing["items"][0]["scenario"] == "slow" and listing["items"][0]["signature"] == "bad"
    only = manual_server.admin("GET", "requests?gateway=trustpay&operation=create_payin").json()
    assert only["total"] == 1 and only["items"][0]["merchant"] == "8820250900009"


def test_restart_with_pending_retry_delivers_once(tmp_path: Path, receiver: Receiver) -> None:
    flags = {**MANUAL, "db": str(tmp_path / "sandbox.db")}
    receiver.reply(Reply(500))
    with run_sandbox(flags) as first:
        [retried] = submit(first, request(receiver.url, order_id="R1"))
        [later] = submit(first, request(receiver.url, order_id="R2", delay=timedelta(seconds=90)))
        assert len(receiver.requests) == 1
    told: list[tuple[str, str]] = []
    with run_sandbox(flags) as second:
        # Handlers are attached by gateway name, so reloaded messages still reach them.
        second.sandbox.delivery.on_outcome(
            "trustpay", lambda o: told.append((o.message.id, o.state))
        )
        assert second.admin("GET", "clock").json()["now"] == "2026-03-12T08:30:00.000000Z"
        second.advance(59)
        assert len(receiver.requests) == 1
        second.advance(1)
        assert len(receiver.requests) == 2
        second.advance(30)
        second.advance(3600)
        assert len(receiver.requests) == 3
        states = {
            m["id"]: (m["state"], m["attempt_count"])
            for m in second.admin("GET", "callbacks").json()["items"]
        }
    assert states == {retried: ("acked", 2), later: ("acked", 1)}
    assert told == [(retried, "acked"), (later, "acked")]
    assert receiver.bodies[1] == receiver.bodies[0]


def test_finished_callbacks_are_bounded_pending_never_dropped(receiver: Receiver) -> None:
    with run_sandbox({**MANUAL, "journal_limit": "3"}) as running:
        receiver.reply(Reply(500))
        [kept] = submit(running, request(receiver.url, order_id="PENDING"))
        for n in range(5):
            submit(running, request(receiver.url, order_id=f"DONE{n}"))
        listing = running.admin("GET", "callbacks").json()
    assert listing["total"] == 3
    assert [m["order_id"] for m in listing["items"]] == ["DONE4", "DONE3", "PENDING"]
    assert listing["items"][-1]["id"] == kept
