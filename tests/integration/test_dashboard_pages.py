"""The dashboard's pages and actions over HTTP against the real server (httpx, no browser):
each view, the CSRF and login rules, pagination, and the orders view with 100k orders."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from support.dashboard import DashboardClient, error_text, rows
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, SECRET, num, ok, post

from sandbox.clock import parse_instant
from sandbox.gateways.orders import new_order
from sandbox.store.orders import insert_orders

pytestmark = pytest.mark.postgres

START = "2026-05-04T10:00:00Z"
CASHIER = "/v4/payin/create/order"
ORDERS_100K = 100_000
RENDER_BUDGET_MS = 200.0


@pytest.fixture(scope="module")
def receiver(store_backend: str) -> Iterator[Receiver]:
    with run_receiver(Reply(kind="ack")) as merchant_side:
        yield merchant_side


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox({**module_db_flags, "clock": "manual", "clock_start": START}) as sandbox:
        yield sandbox


@pytest.fixture
def ui(running: RunningSandbox) -> Iterator[DashboardClient]:
    client = DashboardClient(running)
    yield client
    client.close()


def cashier(running: RunningSandbox, receiver: Receiver, order_no: str) -> str:
    body = {
        "merchant_id": num(MERCHANT_ID),
        "order_no": order_no,
        "order_amount": num("12.50"),
        "currency": "USD",
        "notify_url": receiver.url + "/trustpay/notify",
    }
    data = ok(post(running, CASHIER, body))
    return str(data["platform_order_no"])


def on_server_loop(running: RunningSandbox, fn: Any) -> Any:
    loop = running.sandbox.tasks[0].get_loop()

    async def call() -> Any:
        return fn()

    return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=120)


def render_ms(response: Any) -> float:
    found = re.fullmatch(r"render;dur=([\d.]+)", response.headers["server-timing"])
    assert found is not None
    return float(found.group(1))


# -- overview ---------------------------------------------------------------------------------


def test_root_is_the_overview_with_merchants_clock_and_counts(ui: DashboardClient) -> None:
    response = ui.get("/_sandbox/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page = response.text
    for gateway in ("trustpay", "ezpay", "goldenpay"):
        assert f'href="/_sandbox/ui/orders?gateway={gateway}"' in page
    merchants = rows(page, "merchants")
    assert any(row.startswith(f"trustpay {MERCHANT_ID}") and SECRET in row for row in merchants)
    assert "manual" in page
    assert re.search(r"<b>\d+</b><span>orders</span>", page)


def test_the_json_admin_api_still_answers_under_the_same_prefix(running: RunningSandbox) -> None:
    assert running.admin("GET", "clock").json()["mode"] == "manual"
    assert running.client.get("/_sandbox/nope").json()["error"]["code"] == "not_found"


# -- orders -----------------------------------------------------------------------------------


def test_orders_view_lists_filters_and_details_an_order(
    ui: DashboardClient, running: RunningSandbox, receiver: Receiver
) -> None:
    platform_id = cashier(running, receiver, "DASH-ORD-1")
    listed = rows(ui.page("/_sandbox/ui/orders", order="DASH-ORD-1"), "orders")
    assert len(listed) == 1
    assert platform_id in listed[0] and "12.50 USD" in listed[0] and " 1 " in f" {listed[0]} "
    assert rows(ui.page("/_sandbox/ui/orders", gateway="ezpay", order="DASH-ORD-1"), "orders") == [
        "no orders match"
    ]
    by_status = rows(ui.page("/_sandbox/ui/orders", gateway="trustpay", status="1"), "orders")
    assert any(platform_id in row for row in by_status)

    detail = ui.page(f"/_sandbox/ui/orders/trustpay/{platform_id}")
    assert rows(detail, "history")[0].endswith(f"— 1 created by POST {CASHIER}")
    assert "USD" in " ".join(rows(detail, "balances"))


def test_acting_as_the_payer_completes_the_order_and_its_callback_is_listed(
    ui: DashboardClient, running: RunningSandbox, receiver: Receiver
) -> None:
    platform_id = cashier(running, receiver, "DASH-ORD-2")
    page = ui.act(f"/_sandbox/ui/orders/trustpay/{platform_id}/complete", {"status": "success"})
    assert "completed" in page
    assert re.search(r'id="order-status">5<', page)  # TrustPay's "paid"
    history = rows(page, "history")
    assert [row.split()[1:3] for row in history] == [["—", "1"], ["1", "5"]]
    assert history[1].endswith(f"POST /_sandbox/ui/orders/trustpay/{platform_id}/complete")
    running.advance(0)
    callbacks = rows(ui.page(f"/_sandbox/ui/orders/trustpay/{platform_id}"), "order-callbacks")
    assert len(callbacks) == 1 and "acked" in callbacks[0]


def test_completing_a_finished_order_shows_the_admin_refusal(
    ui: DashboardClient, running: RunningSandbox, receiver: Receiver
) -> None:
    platform_id = cashier(running, receiver, "DASH-ORD-3")
    ui.act(f"/_sandbox/ui/orders/trustpay/{platform_id}/complete", {"status": "success"})
    again = ui.post(f"/_sandbox/ui/orders/trustpay/{platform_id}/complete", {"status": "success"})
    api = running.admin("POST", f"orders/{platform_id}/complete", json={"status": "success"})
    assert again.status_code == api.status_code >= 400
    assert error_text(again.text) == api.json()["error"]["message"]


def test_an_unknown_order_or_filter_is_a_4xx_page_not_a_500(ui: DashboardClient) -> None:
    missing = ui.get("/_sandbox/ui/orders/trustpay/NOPE-1")
    assert missing.status_code == 404 and "NOPE-1" in error_text(missing.text)
    bad_gateway = ui.get("/_sandbox/ui/orders", gateway="nopay")
    assert bad_gateway.status_code == 400 and "gateway" in error_text(bad_gateway.text)
    bad_page = ui.get("/_sandbox/ui/orders", page="0")
    assert bad_page.status_code == 400 and "page" in error_text(bad_page.text)


def test_trigger_from_the_orders_view(
    ui: DashboardClient, running: RunningSandbox, receiver: Receiver
) -> None:
    fields = (
        '{"kind": "payin", "status": "success", "order_no": "DASH-TRG-1", "order_amount": "5.00", '
        f'"notify_url": "{receiver.url}/trustpay/notify"}}'
    )
    page = ui.act(
        "/_sandbox/ui/trigger", {"gateway": "trustpay", "merchant": MERCHANT_ID, "fields": fields}
    )
    assert "triggered" in page
    listed = rows(ui.page("/_sandbox/ui/orders", order="DASH-TRG-1"), "orders")
    assert len(listed) == 1
    broken = ui.post(
        "/_sandbox/ui/trigger", {"gateway": "trustpay", "merchant": MERCHANT_ID, "fields": "{"}
    )
    assert broken.status_code == 400 and error_text(broken.text).startswith("fields:")


def test_orders_are_paginated(ui: DashboardClient, running: RunningSandbox) -> None:
    def load() -> None:
        now = running.sandbox.clock.now()
        orders = [
            new_order(
                "ezpay",
                "PAGED",
                "payin",
                platform_id=f"PAGED-{n:04d}",
                merchant_order_id=f"PAGED-M-{n:04d}",
                amount=Decimal("1.00"),
                currency="PHP",
                status="PENDING",
                now=now,
            )
            for n in range(120)
        ]
        with running.sandbox.store.transaction():
            insert_orders(running.sandbox.store, orders)

    on_server_loop(running, load)
    first = ui.page("/_sandbox/ui/orders", gateway="ezpay", merchant="PAGED")
    assert "page 1 of 3 · 120 in all" in first
    assert rows(first, "orders")[0].split()[4] == "PAGED-0119"
    link = re.search(r'href="([^"]+)" rel="next"', first)
    assert link is not None
    second = ui.page(link.group(1).replace("&amp;", "&"))
    assert "page 2 of 3" in second
    assert rows(second, "orders")[0].split()[4] == "PAGED-0069"
    last = ui.page("/_sandbox/ui/orders", gateway="ezpay", merchant="PAGED", page="3")
    assert len(rows(last, "orders")) == 20 and 'rel="next"' not in last


# -- callbacks --------------------------------------------------------------------------------


def test_callback_timeline_exact_request_and_resend(
    ui: DashboardClient, running: RunningSandbox, receiver: Receiver
) -> None:
    platform_id = cashier(running, receiver, "DASH-CB-1")
    receiver.fail(500, times=1)
    running.admin("POST", f"orders/{platform_id}/complete", json={"status": "success"})
    running.advance(0)
    [listed] = rows(ui.page("/_sandbox/ui/callbacks", order=platform_id), "callbacks")
    message_id = listed.split()[0]
    assert "pending" in listed

    detail = ui.page(f"/_sandbox/ui/callbacks/{message_id}")
    [first] = rows(detail, "attempts")
    assert first.startswith("1 ") and " 500 " in first and "merchant error" in first
    assert first.endswith("not acked")
    sent = re.search(r'<pre id="sent-request">(.*?)</pre>', detail, re.S)
    assert sent is not None
    api = running.admin("GET", f"callbacks/{message_id}").json()
    assert api["request"]["body"]["text"].replace('"', "&#34;") in sent.group(1)

    page = ui.act(f"/_sandbox/ui/callbacks/{message_id}/resend", {})
    attempts = rows(page, "attempts")
    assert len(attempts) == 2
    assert attempts[1].startswith("2 (resend)") and attempts[1].endswith(" acked")


def test_resend_every_failed_callback(
    ui: DashboardClient, running: RunningSandbox, receiver: Receiver
) -> None:
    with run_receiver(Reply(status=503, body=b"down")) as down:
        body = {
            "merchant_id": num(MERCHANT_ID),
            "order_no": "DASH-CB-FAIL",
            "order_amount": num("3.00"),
            "currency": "USD",
            "notify_url": down.url + "/notify",
        }
        platform_id = ok(post(running, CASHIER, body))["platform_order_no"]
        running.admin("POST", f"orders/{platform_id}/complete", json={"status": "success"})
        running.advance(3 * 24 * 3600)  # past every retry of the default policy
        [failed] = rows(ui.page("/_sandbox/ui/callbacks", order=platform_id), "callbacks")
        assert " failed " in f" {failed} "
        attempts_before = int(failed.split()[7])
        page = ui.act("/_sandbox/ui/callbacks/resend-failed", {})
        assert re.search(r"resent [1-9]\d* failed callback", page)
        [after] = rows(ui.page("/_sandbox/ui/callbacks", order=platform_id), "callbacks")
        assert int(after.split()[7]) == attempts_before + 1
        assert len(down.requests) == attempts_before + 1


# -- requests ---------------------------------------------------------------------------------


def test_requests_journal_shows_operation_answer_and_signature(
    ui: DashboardClient, running: RunningSandbox, receiver: Receiver
) -> None:
    cashier(running, receiver, "DASH-REQ-1")
    post(running, CASHIER, b'{"merchant_id": 8820250900009, "sign": "nope"}')
    journal = rows(ui.page("/_sandbox/ui/requests", gateway="trustpay"), "requests")
    entries = [row for row in journal if CASHIER in row]
    assert entries[0].split()[1:3] == ["POST", CASHIER]
    assert any(" 200 ok " in f" {row} " for row in entries)
    api = running.admin("GET", "requests", params={"gateway": "trustpay"}).json()["items"]
    for item in api[:2]:
        assert any(f" {item['status']} {item['signature']} " in f" {row} " for row in entries)


# -- scenarios --------------------------------------------------------------------------------


def test_scenarios_view_lists_library_and_shows_yaml(ui: DashboardClient) -> None:
    page = ui.page("/_sandbox/ui/scenarios")
    files = rows(page, "files")
    assert any(row.startswith("scenarios/common/happy-path.yaml library ok") for row in files)
    shown = ui.page("/_sandbox/ui/scenarios", file="scenarios/common/happy-path.yaml")
    source = re.search(r'<pre class="yaml">(.*?)</pre>', shown, re.S)
    assert source is not None and "name:" in source.group(1)


def test_activate_for_a_merchant_and_globally(ui: DashboardClient, running: RunningSandbox) -> None:
    page = ui.act(
        "/_sandbox/ui/scenarios/activate",
        {"names": "all-fail", "gateway": "trustpay", "merchant": str(MERCHANT_ID)},
    )
    assert "activated all-fail" in page
    selection = running.admin("GET", "scenarios").json()["selection"]
    assert {"gateway": "trustpay", "merchant": str(MERCHANT_ID), "names": ["all-fail"]} in (
        selection["merchants"]
    )
    running.admin(
        "PUT",
        "scenarios/active",
        json={"names": None, "gateway": "trustpay", "merchant": str(MERCHANT_ID)},
    )
    unknown = ui.post("/_sandbox/ui/scenarios/activate", {"names": "no-such-scenario"})
    assert unknown.status_code == 404 and "no-such-scenario" in error_text(unknown.text)
    lonely = ui.post("/_sandbox/ui/scenarios/activate", {"names": "all-fail", "merchant": "x"})
    assert lonely.status_code == 400 and "merchant needs gateway" in error_text(lonely.text)


def test_upload_shows_file_line_errors_or_the_new_scenario(ui: DashboardClient) -> None:
    broken = ui.http.post(
        "/_sandbox/ui/scenarios/upload",
        data={"csrf": ui.csrf()},
        files={"file": ("broken.yaml", b"name: broken\ngateway: trustpay\nrules:\n  - when: [\n")},
    )
    assert broken.status_code == 422
    errors = re.findall(r"<li><code>(.*?)</code></li>", broken.text)
    assert errors and all(re.match(r"broken\.yaml:\d+", e) for e in errors)

    good = b"name: dash-upload\ngateway: trustpay\ndescription: from the dashboard\nrules: []\n"
    done = ui.http.post(
        "/_sandbox/ui/scenarios/upload",
        data={"csrf": ui.csrf()},
        files={"file": ("dash-upload.yaml", good)},
    )
    assert done.status_code == 303
    page = ui.page("/_sandbox/ui/scenarios", file="dash-upload.yaml")
    assert any(row.startswith("dash-upload.yaml upload ok") for row in rows(page, "files"))
    assert "from the dashboard" in page


# -- clock ------------------------------------------------------------------------------------


def test_clock_advance_by_preset_and_duration_and_set(
    ui: DashboardClient, running: RunningSandbox
) -> None:
    before = parse_instant(running.admin("GET", "clock").json()["now"])
    ui.act("/_sandbox/ui/clock/advance", {"duration": "60"})
    page = ui.act("/_sandbox/ui/clock/advance", {"duration": "2h"})
    after = parse_instant(running.admin("GET", "clock").json()["now"])
    assert after - before == timedelta(hours=2, minutes=1)
    assert f'id="clock-value">{running.admin("GET", "clock").json()["now"]}<' in page
    bad = ui.post("/_sandbox/ui/clock/advance", {"duration": "soon"})
    assert bad.status_code == 400 and "duration" in error_text(bad.text)
    negative = ui.post("/_sandbox/ui/clock/advance", {"duration": "-5m"})
    assert negative.status_code == 400 and "seconds" in error_text(negative.text)
    bad_mode = ui.post("/_sandbox/ui/clock/set", {"mode": "fast"})
    assert bad_mode.status_code == 400 and "mode" in error_text(bad_mode.text)
    page = ui.act("/_sandbox/ui/clock/set", {"mode": "manual", "scale": "2"})
    assert running.admin("GET", "clock").json()["scale"] == 2


# -- CSRF and cross-site rules ----------------------------------------------------------------


def test_actions_need_this_sessions_csrf_token(
    ui: DashboardClient, running: RunningSandbox
) -> None:
    before = running.admin("GET", "clock").json()["now"]
    missing = ui.post("/_sandbox/ui/clock/advance", {"duration": "1h"}, csrf=None)
    assert missing.status_code == 403
    assert "CSRF" in error_text(missing.text)
    wrong = ui.post("/_sandbox/ui/clock/advance", {"duration": "1h"}, csrf="forged")
    assert wrong.status_code == 403
    other = DashboardClient(running)
    try:
        someone_elses = other.csrf()
    finally:
        other.close()
    borrowed = ui.post("/_sandbox/ui/clock/advance", {"duration": "1h"}, csrf=someone_elses)
    assert borrowed.status_code == 403
    assert running.admin("GET", "clock").json()["now"] == before


def test_cross_site_posts_are_refused_before_the_dashboard(ui: DashboardClient) -> None:
    for headers in (
        {"Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        refused = ui.post("/_sandbox/ui/clock/advance", {"duration": "1h"}, headers=headers)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "cross_site"


def test_the_session_cookie_is_httponly_and_samesite_strict(running: RunningSandbox) -> None:
    fresh = DashboardClient(running)
    try:
        cookie = fresh.get("/_sandbox/").headers["set-cookie"]
    finally:
        fresh.close()
    assert cookie.startswith("sandbox_session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/_sandbox/" in cookie


# -- login with an admin token ----------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded() -> Iterator[RunningSandbox]:
    with run_sandbox({"clock": "manual", "admin_token": "dash-secret-token"}) as sandbox:
        yield sandbox


def test_with_an_admin_token_the_dashboard_asks_for_it(guarded: RunningSandbox) -> None:
    ui = DashboardClient(guarded)
    try:
        for path in ("/_sandbox/", "/_sandbox/ui/orders", "/_sandbox/ui/scenarios"):
            response = ui.get(path)
            assert response.status_code == 303
            assert response.headers["location"] == "/_sandbox/ui/login"
        login = ui.page("/_sandbox/ui/login")
        assert 'type="password" name="token"' in login
        assert "dash-secret-token" not in login and "tp_test_secret" not in login
        assert ui.get("/_sandbox/ui/events").status_code == 401
        action = ui.post("/_sandbox/ui/clock/advance", {"duration": "1h"}, csrf=None)
        assert action.status_code == 303 and action.headers["location"].endswith("/login")

        wrong = ui.post(
            "/_sandbox/ui/login", {"token": "guess"}, csrf=ui.csrf("/_sandbox/ui/login")
        )
        assert wrong.status_code == 401 and "not the admin token" in error_text(wrong.text)
        no_csrf = ui.post("/_sandbox/ui/login", {"token": "dash-secret-token"}, csrf=None)
        assert no_csrf.status_code == 403

        planted = ui.http.cookies["sandbox_session"]
        done = ui.post(
            "/_sandbox/ui/login",
            {"token": "dash-secret-token"},
            csrf=ui.csrf("/_sandbox/ui/login"),
        )
        assert done.status_code == 303 and done.headers["location"] == "/_sandbox/"
        assert "HttpOnly" in done.headers["set-cookie"]
        assert ui.http.cookies["sandbox_session"] != planted
        overview = ui.page("/_sandbox/")
        assert "tp_test_secret" in overview and "Log out" in overview

        refused = ui.post("/_sandbox/ui/clock/advance", {"duration": "1h"}, csrf=None)
        assert refused.status_code == 403
        ui.act("/_sandbox/ui/clock/advance", {"duration": "1h"})
        # The JSON admin API keeps its Bearer rule; the cookie is no substitute.
        assert ui.get("/_sandbox/clock").status_code == 401

        assert ui.post("/_sandbox/ui/logout", {}).status_code == 303
        assert ui.get("/_sandbox/").status_code == 303
    finally:
        ui.close()


# -- 100k orders ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crowded() -> Iterator[RunningSandbox]:
    with run_sandbox({"clock": "manual", "clock_start": START}) as sandbox:
        yield sandbox


def test_orders_view_renders_100k_orders_within_budget(crowded: RunningSandbox) -> None:
    statuses = ("1", "2", "3", "4")

    def load() -> None:
        now = crowded.sandbox.clock.now()
        batch = [
            new_order(
                "trustpay",
                str(MERCHANT_ID + n % 3),
                "payin",
                platform_id=f"BULK{n:08d}",
                merchant_order_id=f"BULK-M-{n:08d}",
                amount=Decimal("10.00"),
                currency="USD",
                status=statuses[n % 4],
                now=now,
            )
            for n in range(ORDERS_100K)
        ]
        with crowded.sandbox.store.transaction():
            insert_orders(crowded.sandbox.store, batch)

    on_server_loop(crowded, load)
    ui = DashboardClient(crowded)
    try:
        ui.page("/_sandbox/ui/orders")  # warm up: templates compiled, caches filled
        views: list[dict[str, str]] = [
            {},
            {"gateway": "trustpay"},
            {"status": "3"},
            {"gateway": "trustpay", "status": "2"},
            {"merchant": str(MERCHANT_ID + 1)},
            {"order": "BULK-M-00050000"},
            {"page": "1000"},
        ]
        for query in views:
            response = ui.get("/_sandbox/ui/orders", **query)
            assert response.status_code == 200
            assert render_ms(response) < RENDER_BUDGET_MS, (query, response.headers)
        assert "100000 in all" in ui.page("/_sandbox/ui/orders")
        assert "1 in all" in ui.page("/_sandbox/ui/orders", order="BULK00050000")
    finally:
        ui.close()


# -- live events ------------------------------------------------------------------------------


def test_the_event_stream_tells_of_orders_requests_and_attempts(
    running: RunningSandbox, receiver: Receiver
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    with (
        httpx.Client(base_url=running.url, timeout=30) as client,
        client.stream("GET", "/_sandbox/ui/events") as stream,
    ):
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        kind = ""
        for line in lines:
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: ") and kind == "hello":
                platform_id = cashier(running, receiver, "DASH-SSE-1")
                running.admin("POST", f"orders/{platform_id}/complete", json={"status": "success"})
                running.advance(0)
            elif line.startswith("data: "):
                seen.append((kind, json.loads(line.removeprefix("data: "))))
                if kind == "attempt":
                    break
    kinds = [k for k, _data in seen]
    # The order is stored while the request runs; the request is told of as it answers; the
    # completion changes the order, whose callback then gets its attempt.
    assert kinds[:2] == ["order", "request"]
    orders = [data for k, data in seen if k == "order"]
    assert (orders[0]["gateway"], orders[0]["merchant_order_id"]) == ("trustpay", "DASH-SSE-1")
    assert orders[0]["status"] == "1" and orders[-1]["status"] != "1"  # created, then completed
    assert kinds.index("attempt") > kinds.index("order", 1)
    attempt = dict(seen)["attempt"]
    assert attempt["order_id"] == orders[0]["order_id"] and attempt["attempt"] == 1
    for data in (d for _k, d in seen):  # no bodies, headers or card data on the page's stream
        assert not {"body", "headers", "data", "url"} & set(data)


def test_a_status_change_by_a_timer_names_the_clock_advance_that_ran_it(
    ui: DashboardClient, running: RunningSandbox, receiver: Receiver
) -> None:
    platform_id = cashier(running, receiver, "DASH-EXPIRE-1")
    running.advance(31 * 60)  # a TrustPay cashier order expires after 30 minutes
    history = rows(ui.page(f"/_sandbox/ui/orders/trustpay/{platform_id}"), "history")
    assert history[-1].split()[1:3] == ["1", "4"]
    assert history[-1].endswith("POST /_sandbox/clock/advance")


def test_a_refused_request_shows_its_exchange_and_why_the_signature_failed(
    ui: DashboardClient, running: RunningSandbox
) -> None:
    body = json.dumps({"merchant_id": str(MERCHANT_ID), "currency_id": "USD", "sign": "0" * 32})
    headers = {"X-Api-Key": "tp_test_0b1c2d3e4f5a6b7c", "Content-Type": "application/json"}
    answer = running.client.post("/v4/balance", content=body, headers=headers).json()
    assert answer["code"] == 880011
    entries = running.admin("GET", "requests", params={"gateway": "trustpay"}).json()["items"]
    entry_id = entries[0]["id"]
    listing = ui.page("/_sandbox/ui/requests", gateway="trustpay")
    assert f'href="/_sandbox/ui/requests/{entry_id}"' in listing
    page = ui.page(f"/_sandbox/ui/requests/{entry_id}")
    assert "Why the signature was refused" in page
    assert f"currency_id=USD&amp;merchant_id={MERCHANT_ID}&amp;secret=&lt;secret&gt;" in page
    assert "0" * 32 in page and "880011" in page
    assert "tp_test_0b1c2d3e4f5a6b7c" not in page and SECRET not in page  # masked
    assert ui.get("/_sandbox/ui/requests/999999999").status_code == 404
    assert ui.get("/_sandbox/ui/requests/not-a-number").status_code == 404
