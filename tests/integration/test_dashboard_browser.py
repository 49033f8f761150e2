"""The dashboard in a real headless Chromium (Selenium) against the real server: live updates
over server-sent events without reloads, actions through the forms, login and CSRF.

With `SANDBOX_SCREENSHOTS=1` the run also writes the screenshots in docs/img/dashboard-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import WebDriverException
from support.browser import browser, screenshot, wait_until
from support.receiver import Receiver, Reply, run_receiver
from support.server import RunningSandbox, run_sandbox
from support.tpclient import MERCHANT_ID, num, ok, post

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

START = "2026-05-04T10:00:00Z"
CASHIER = "/v4/payin/create/order"


@pytest.fixture(scope="module")
def receiver(store_backend: str) -> Iterator[Receiver]:
    with run_receiver(Reply(kind="ack")) as merchant_side:
        yield merchant_side


@pytest.fixture(scope="module")
def running(module_db_flags: dict[str, str]) -> Iterator[RunningSandbox]:
    with run_sandbox({**module_db_flags, "clock": "manual", "clock_start": START}) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def chrome(running: RunningSandbox) -> Iterator[Any]:
    """Set up after the server, so it is closed (with its open event streams) before it."""
    with browser() as driver:
        yield driver


def by(kind: str) -> Any:
    from selenium.webdriver.common.by import By

    return {"css": By.CSS_SELECTOR, "id": By.ID, "name": By.NAME}[kind]


def open_live(driver: Any, url: str) -> None:
    """Load a page and wait until its event stream is open; mark the page, so that a test can
    tell that later changes arrived without a reload (a reload drops the mark)."""
    driver.get(url)
    wait_until(driver, lambda d: d.execute_script("return document.body.dataset.stream"), url)
    driver.execute_script("window.sandboxMark = 'not reloaded';")


def not_reloaded(driver: Any) -> bool:
    return bool(driver.execute_script("return window.sandboxMark === 'not reloaded'"))


def text_of(driver: Any, element_id: str) -> str:
    # A live page swaps its content in while we read it: an element found a moment ago may be
    # gone from the document; "" lets the caller's wait_until look again.
    try:
        return str(driver.find_element(by("id"), element_id).text)
    except WebDriverException:
        return ""


def cashier(
    running: RunningSandbox, receiver: Receiver, order_no: str, amount: str = "7.00"
) -> str:
    body = {
        "merchant_id": num(MERCHANT_ID),
        "order_no": order_no,
        "order_amount": num(amount),
        "currency": "USD",
        "notify_url": receiver.url + "/trustpay/notify",
    }
    return str(ok(post(running, CASHIER, body))["platform_order_no"])


def test_a_payin_appears_in_the_open_orders_view_without_reload(
    chrome: Any, running: RunningSandbox, receiver: Receiver
) -> None:
    open_live(chrome, f"{running.url}/_sandbox/ui/orders")
    assert "BR-LIVE-1" not in text_of(chrome, "orders")
    platform_id = cashier(running, receiver, "BR-LIVE-1")
    wait_until(chrome, lambda d: "BR-LIVE-1" in text_of(d, "orders"), "order not shown")
    assert not_reloaded(chrome)
    assert platform_id in text_of(chrome, "orders")
    screenshot(chrome, "orders")
    chrome.find_element(by("css"), f'a[href$="/{platform_id}"]').click()
    wait_until(chrome, lambda d: platform_id in d.title)
    assert "created by POST /v4/payin/create/order" in text_of(chrome, "history")


def test_callback_attempts_appear_as_the_clock_is_advanced_from_the_clock_view(
    chrome: Any, running: RunningSandbox, receiver: Receiver
) -> None:
    platform_id = cashier(running, receiver, "BR-CLOCK-1")
    receiver.fail(500, times=2)
    running.admin("POST", f"orders/{platform_id}/complete", json={"status": "success"})
    running.advance(0)
    callbacks_view = f"{running.url}/_sandbox/ui/callbacks?order={platform_id}"
    open_live(chrome, callbacks_view)
    row = f'tr[data-order="{platform_id}"] td.attempts'
    assert chrome.find_element(by("css"), row).text == "1"
    watching = chrome.current_window_handle

    chrome.switch_to.new_window("tab")
    chrome.get(f"{running.url}/_sandbox/ui/clock")
    screenshot(chrome, "clock")
    clicks = [("60", "2"), ("300", "3")]
    for seconds, attempts in clicks:
        chrome.find_element(by("css"), f'button[data-seconds="{seconds}"]').click()
        wait_until(chrome, lambda d: "advanced" in text_of(d, "flash"))
        chrome.switch_to.window(watching)
        wait_until(
            chrome,
            lambda d, n=attempts: d.find_element(by("css"), row).text == n,
            f"attempt {attempts} not shown",
        )
        assert not_reloaded(chrome)
        other = next(h for h in chrome.window_handles if h != watching)
        chrome.switch_to.window(other)
    chrome.close()
    chrome.switch_to.window(watching)
    state = chrome.find_element(by("css"), f'tr[data-order="{platform_id}"] td.state').text
    assert state == "acked"
    screenshot(chrome, "callbacks")
    chrome.get(f"{running.url}/_sandbox/ui/orders/trustpay/{platform_id}")
    assert text_of(chrome, "order-status") == "5"
    screenshot(chrome, "order")


def test_a_callback_resent_from_the_ui_shows_a_new_attempt(
    chrome: Any, running: RunningSandbox, receiver: Receiver
) -> None:
    platform_id = cashier(running, receiver, "BR-RESEND-1")
    running.admin("POST", f"orders/{platform_id}/complete", json={"status": "success"})
    running.advance(0)
    [message] = running.admin("GET", "callbacks", params={"order": platform_id}).json()["items"]
    chrome.get(f"{running.url}/_sandbox/ui/callbacks/{message['id']}")
    attempts = "#attempts tbody tr.attempt"
    assert len(chrome.find_elements(by("css"), attempts)) == 1
    received_before = len(receiver.requests)
    chrome.find_element(by("css"), "#resend button").click()
    wait_until(chrome, lambda d: len(d.find_elements(by("css"), attempts)) == 2)
    last = chrome.find_elements(by("css"), attempts)[-1].text
    assert "(resend)" in last and last.endswith("acked")
    assert len(receiver.requests) == received_before + 1
    screenshot(chrome, "callback")
    chrome.get(f"{running.url}/_sandbox/")
    assert "Overview" in chrome.title
    screenshot(chrome, "overview")


def test_a_scenario_activated_in_the_ui_decides_the_next_api_request(
    chrome: Any, running: RunningSandbox, receiver: Receiver
) -> None:
    chrome.get(f"{running.url}/_sandbox/ui/scenarios")
    box = chrome.find_element(by("css"), 'input[data-scenario="*/gateway-down"]')
    box.click()
    from selenium.webdriver.support.ui import Select

    Select(chrome.find_element(by("css"), "#activate select[name=gateway]")).select_by_value(
        "trustpay"
    )
    chrome.find_element(by("css"), "#activate input[name=merchant]").send_keys(str(MERCHANT_ID))
    chrome.find_element(by("css"), "#activate button").click()
    wait_until(chrome, lambda d: "activated gateway-down" in text_of(d, "flash"))
    try:
        body = {
            "merchant_id": num(MERCHANT_ID),
            "order_no": "BR-SCN-1",
            "order_amount": num("7.00"),
            "currency": "USD",
            "notify_url": receiver.url + "/trustpay/notify",
        }
        answer = post(running, CASHIER, body)
        assert (answer.status_code, answer.text) == (502, "Bad Gateway")
        chrome.get(f"{running.url}/_sandbox/ui/requests?gateway=trustpay")
        newest = chrome.find_element(by("css"), "#requests tbody tr").text
        assert "502" in newest and "gateway-down" in newest
        screenshot(chrome, "requests")
    finally:
        running.admin(
            "PUT",
            "scenarios/active",
            json={"names": None, "gateway": "trustpay", "merchant": str(MERCHANT_ID)},
        )
    assert cashier(running, receiver, "BR-SCN-2")  # the selection cleared: created again


def test_an_uploaded_broken_scenario_shows_its_file_line_error(
    chrome: Any, running: RunningSandbox, tmp_path: Path
) -> None:
    broken = tmp_path / "broken-upload.yaml"
    broken.write_text("name: broken-upload\ngateway: trustpay\nrules:\n  - when: {nope: 1}\n")
    chrome.get(f"{running.url}/_sandbox/ui/scenarios")
    screenshot(chrome, "scenarios")
    chrome.find_element(by("css"), "#upload input[type=file]").send_keys(str(broken))
    chrome.find_element(by("css"), "#upload button").click()
    wait_until(chrome, lambda d: d.find_elements(by("id"), "errors"))
    errors = text_of(chrome, "errors")
    assert "broken-upload.yaml:4" in errors
    assert "422" in chrome.find_element(by("css"), "h1").text


def test_with_an_admin_token_it_asks_for_it_and_refuses_actions_without_csrf(
    db_flags: dict[str, str],
) -> None:
    token = "browser-token-4242"
    with (
        run_sandbox({**db_flags, "clock": "manual", "admin_token": token}) as guarded,
        browser() as chrome,
    ):
        chrome.get(f"{guarded.url}/_sandbox/")
        assert chrome.current_url.endswith("/_sandbox/ui/login")
        assert "tp_test_secret" not in chrome.page_source
        screenshot(chrome, "login")
        chrome.find_element(by("name"), "token").send_keys("wrong")
        chrome.find_element(by("css"), "#login button").click()
        wait_until(chrome, lambda d: "not the admin token" in text_of(d, "error"))
        chrome.find_element(by("name"), "token").send_keys(token)
        chrome.find_element(by("css"), "#login button").click()
        wait_until(chrome, lambda d: "Overview" in d.title)
        assert "tp_test_secret" in chrome.page_source

        before = guarded.admin("GET", "clock").json()["now"]
        chrome.get(f"{guarded.url}/_sandbox/ui/clock")
        # The same form with its CSRF field removed, as a forged form would be.
        chrome.execute_script(
            "var f = document.getElementById('advance');"
            "f.querySelector('input[name=csrf]').remove();"
            "f.querySelector('input[name=duration]').value = '1d'; f.submit();"
        )
        wait_until(chrome, lambda d: d.find_elements(by("id"), "error"))
        assert "CSRF" in text_of(chrome, "error")
        assert "403" in chrome.find_element(by("css"), "h1").text
        assert guarded.admin("GET", "clock").json()["now"] == before

        chrome.get(f"{guarded.url}/_sandbox/ui/clock")
        chrome.find_element(by("css"), "#advance input[name=duration]").send_keys("1d")
        chrome.find_element(by("css"), "#advance button").click()
        wait_until(chrome, lambda d: "advanced 86400" in text_of(d, "flash"))
        assert guarded.admin("GET", "clock").json()["now"] != before
