"""The container's security model (README, Docker section): one test per rule, real server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from support.serve import spawn_serve
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, num, ok, post

from sandbox.security import allowed_host_names, with_generated_token
from sandbox.settings import resolve_settings

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox(
        {**module_db_flags, "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    ) as sandbox:
        yield sandbox


def clock_now(running: RunningSandbox) -> str:
    now: str = running.admin("GET", "clock").json()["now"]
    return now


# -- allowed hosts -------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "10.0.0.5", ""])
def test_a_host_that_is_not_allowed_is_refused_naming_the_header(
    running: RunningSandbox, host: str
) -> None:
    for path in ("/_sandbox/health", "/_sandbox/merchants", "/v4/balance"):
        response = running.client.get(path, headers={"Host": host})
        assert response.status_code == 421, (path, response.text)
        assert "Host header" in response.json()["error"]["message"]
        assert "x-sandbox-version" in response.headers


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8080", "[::1]:1234", "LOCALHOST"])
def test_local_names_are_allowed_with_any_port(running: RunningSandbox, host: str) -> None:
    assert running.client.get("/_sandbox/health", headers={"Host": host}).status_code == 200


def test_allowed_hosts_setting_replaces_the_default_and_star_allows_any() -> None:
    with run_sandbox(environ={"SANDBOX_ALLOWED_HOSTS": "sandbox"}) as running:
        assert running.client.get("/_sandbox/health", headers={"Host": "sandbox:8080"}).is_success
        refused = running.client.get("/_sandbox/health", headers={"Host": "localhost"})
        assert refused.status_code == 421
    with run_sandbox({"allowed_hosts": "*"}) as running:
        assert running.client.get("/_sandbox/health", headers={"Host": "a.b"}).is_success


def test_the_bound_name_is_allowed_when_it_is_not_a_wildcard() -> None:
    assert allowed_host_names(resolve_settings({"host": "sandbox.local"}, {})) == (
        "localhost",
        "127.0.0.1",
        "[::1]",
        "sandbox.local",
    )
    assert allowed_host_names(resolve_settings({"host": "0.0.0.0"}, {})) == (
        "localhost",
        "127.0.0.1",
        "[::1]",
    )


# -- JSON-only admin bodies, no cross-site admin calls --


@pytest.mark.parametrize(
    "kind", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_admin_bodies_must_be_json(running: RunningSandbox, kind: str | None) -> None:
    before = clock_now(running)
    headers = {"Content-Type": kind} if kind else {}
    request = running.client.build_request(
        "POST", "/_sandbox/clock/advance", content=b'{"seconds": 60}', headers=headers
    )
    if kind is None:
        del request.headers["content-type"]
    response = running.client.send(request)
    assert response.status_code == 415, response.text
    assert "application/json" in response.json()["error"]["message"]
    assert clock_now(running) == before


def test_scenario_upload_takes_yaml_but_not_text_plain(running: RunningSandbox) -> None:
    text = "name: sec-upload\ngateway: trustpay\nrules: []\n"
    refused = running.client.post(
        "/_sandbox/scenarios", content=text, headers={"Content-Type": "text/plain"}
    )
    assert refused.status_code == 415
    created = running.client.post(
        "/_sandbox/scenarios", content=text, headers={"Content-Type": "application/yaml"}
    )
    assert created.status_code == 201, created.text


def test_a_cross_site_admin_request_is_refused_even_without_a_body(
    running: RunningSandbox,
) -> None:
    before = clock_now(running)
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = running.client.post("/_sandbox/reset", headers=headers)
        assert response.status_code == 403, response.text
        response = running.client.post(
            "/_sandbox/clock/advance", json={"seconds": 60}, headers=headers
        )
        assert response.status_code == 403
    assert clock_now(running) == before
    same_site = running.client.post(
        "/_sandbox/clock/advance", json={"seconds": 0}, headers={"Origin": running.url}
    )
    assert same_site.status_code == 200


# -- admin token ---------------------------------------------------------------------------------


def test_a_token_is_generated_only_beyond_loopback_and_off_disables_it() -> None:
    wide, generated = with_generated_token(resolve_settings({"host": "0.0.0.0"}, {}))
    assert generated and wide.admin_token and len(wide.admin_token) >= 24
    local, generated = with_generated_token(resolve_settings({}, {}))
    assert not generated and local.admin_token is None
    chosen, generated = with_generated_token(
        resolve_settings({"host": "0.0.0.0"}, {"SANDBOX_ADMIN_TOKEN": "t"})
    )
    assert not generated and chosen.admin_token == "t"


def test_admin_token_off_leaves_the_admin_api_open() -> None:
    with run_sandbox(environ={"SANDBOX_ADMIN_TOKEN": "off"}) as running:
        assert running.client.get("/_sandbox/merchants").status_code == 200


def test_serve_on_all_interfaces_prints_a_token_and_requires_it() -> None:
    process, base, banner = spawn_serve("--host", "0.0.0.0")
    try:
        token = re.search(r"Bearer (\S+)", banner)
        assert token, banner
        assert httpx.get(f"{base}/_sandbox/health").status_code == 200
        assert httpx.get(f"{base}/_sandbox/merchants").status_code == 401
        authorised = httpx.get(
            f"{base}/_sandbox/merchants", headers={"Authorization": f"Bearer {token.group(1)}"}
        )
        assert authorised.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=15)


# -- HTML pages -----------------------------------------------------------------------------------


def test_hosted_pages_carry_csp_frame_and_nosniff_headers(running: RunningSandbox) -> None:
    body = {
        "merchant_id": num(MERCHANT_ID),
        "order_no": "SEC-PAGE",
        "order_amount": num("5.00"),
        "currency": "USD",
        "notify_url": "http://127.0.0.1:9/n",
    }
    data = ok(post(running, "/v4/payin/create/order", body))
    page = running.client.get(data["pay_url"].replace(running.url, ""))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"


# -- hosted pages: cross-site actions and unguessable links ---------------------------------------


def test_a_cross_site_form_cannot_pay_a_hosted_page_order(running: RunningSandbox) -> None:
    body = {
        "merchant_id": num(MERCHANT_ID),
        "order_no": "SEC-XSITE",
        "order_amount": num("5.00"),
        "currency": "USD",
        "notify_url": "http://127.0.0.1:9/n",
    }
    page = ok(post(running, "/v4/payin/create/order", body))["pay_url"].replace(running.url, "")
    form = {"action": "pay"}
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        refused = running.client.post(page, data=form, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "cross_site"
    query = {"order_no": "SEC-XSITE"}
    still = ok(post(running, "/v4/query/order", {"merchant_id": num(MERCHANT_ID), **query}))
    assert still["status"] == "1"
    paid = running.client.post(page, data=form, headers={"Origin": running.url})
    assert paid.status_code == 303, paid.text  # the page's own form: paid, then redirected


def _collect_url(server: RunningSandbox, currency: str = "VND") -> dict[str, Any]:
    from support import goldenpay

    fields = goldenpay.collect_fields(channel="bank", currency=currency, amount="500000")
    payload = goldenpay.payload_of(goldenpay.post(server, goldenpay.COLLECT, fields))
    return payload


def test_keyed_page_links_are_unguessable_and_required() -> None:
    with run_sandbox({"page_links": "keyed"}) as server:
        order = _collect_url(server)
        url, qr = order["url"], order["meta"]["qr_url"]
        path = url.replace(server.url, "").split("?")[0]
        assert re.fullmatch(rf".*/{order['id']}\?key=[\w-]{{22}}", url), url
        assert qr.startswith(f"{server.url}{path}/qr.svg?key=")
        for guessed in (path, path + "?key=wrong", path + "/qr.svg"):
            refused = server.client.get(guessed)
            assert refused.status_code == 404  # the same "no order" page as an unknown id
            assert order["trans_id"] not in refused.text and "No order" in refused.text
        assert server.client.post(path, data={"action": "pay"}).status_code == 404
        keyed = url.replace(server.url, "")
        page = server.client.get(keyed)
        assert page.status_code == 200 and "?key=" in page.text  # the form posts with its key
        assert server.client.get(qr.replace(server.url, "")).status_code == 200
        paid = server.client.post(keyed, data={"action": "pay"}, headers={"Origin": server.url})
        assert paid.status_code == 200 and "paid (60)" in paid.text
        second = _collect_url(server)
        assert second["url"].split("key=")[1] != url.split("key=")[1]


def test_page_links_auto_are_keyed_beyond_loopback_and_plain_on_it() -> None:
    from sandbox.pages.keys import links_keyed

    assert links_keyed(resolve_settings({"host": "0.0.0.0"}, {}))
    assert not links_keyed(resolve_settings({}, {}))
    assert not links_keyed(resolve_settings({"host": "0.0.0.0", "page_links": "plain"}, {}))
    assert links_keyed(resolve_settings({}, {"SANDBOX_PAGE_LINKS": "keyed"}))
    with run_sandbox() as server:  # loopback: the published link shape, as signed in the docs
        order = _collect_url(server, "THB")
        assert order["url"] == f"{server.url}/_sandbox/pay/goldenpay/{order['id']}"
