"""Headless Chromium under Selenium for the dashboard's browser tests, and their screenshots.

The system's Debian `chromium` and `chromium-driver` are used (no browser download); a test
module using `browser()` is skipped, with the reason, where either is missing. Screenshots are
written to `docs/img/dashboard-<name>.png` only when `SANDBOX_SCREENSHOTS=1`, so an ordinary
test run never rewrites the committed ones.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
)
SCREENSHOTS_ENV = "SANDBOX_SCREENSHOTS"
IMG_DIR = Path(__file__).resolve().parents[2] / "docs" / "img"
WAIT_S = 20


def missing_browser() -> str | None:
    """Why no browser test can run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if not any(shutil.which(name) for name in CHROMIUM_NAMES):
        return "no Chromium on PATH (Debian: apt-get install chromium chromium-driver)"
    if shutil.which("chromedriver") is None:
        return "no chromedriver on PATH (Debian: apt-get install chromium-driver)"
    return None


@contextmanager
def browser() -> Iterator[Any]:
    """A fresh headless Chromium (its own profile directory), quit afterwards."""
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = next(shutil.which(n) for n in CHROMIUM_NAMES if shutil.which(n))
    with tempfile.TemporaryDirectory(prefix="sandbox-chromium-") as profile:
        options = webdriver.ChromeOptions()
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.binary_location = str(binary)
        driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
        try:
            yield driver
        finally:
            driver.quit()


def wait_until(driver: Any, condition: Callable[[Any], Any], message: str = "") -> Any:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # A live view swaps its content in while the test looks: an element read may go stale.
    waiting = WebDriverWait(driver, WAIT_S, ignored_exceptions=(StaleElementReferenceException,))
    return waiting.until(condition, message)


def screenshot(driver: Any, name: str) -> None:
    """`docs/img/dashboard-<name>.png`, when SANDBOX_SCREENSHOTS=1."""
    if os.environ.get(SCREENSHOTS_ENV) != "1":
        return
    IMG_DIR.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(int(height), 600), 1800))
    driver.save_screenshot(str(IMG_DIR / f"dashboard-{name}.png"))
    driver.set_window_size(1280, 900)
