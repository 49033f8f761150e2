"""Card data at rest: numbers stored and shown masked (first 6 / last 4); the banner shows only
the demo merchants' public test values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.gateways import installed_kinds
from support.server import run_sandbox
from support.tpclient import MERCHANT_ID, num, ok, post

from sandbox.cli import banner
from sandbox.settings import resolve_settings

pytestmark = pytest.mark.postgres

PAN = "4111111111111111"


def card_body(order_no: str) -> dict[str, object]:
    return {
        "merchant_id": num(MERCHANT_ID),
        "order_no": order_no,
        "order_amount": num("20"),
        "currency": "USD",
        "notify_url": "http://127.0.0.1:9/n",
        "card_number": PAN,
        "card_expiry": "2028-09",
        "card_cvv": "123",
        "card_holder_first_name": "Test",
        "card_holder_last_name": "User",
        "billing_country": "GB",
        "billing_city": "London",
    }


def test_card_number_is_stored_and_listed_masked(tmp_path: Path, db_flags: dict[str, str]) -> None:
    db = tmp_path / "cards.db"
    with run_sandbox({"db": str(db), **db_flags, "clock": "manual"}) as running:
        ok(post(running, "/v4/payin/create/card", card_body("MASK-1")))
        listed = running.admin("GET", "orders", params={"order": "MASK-1"})
        assert listed.status_code == 200
        text = json.dumps(listed.json())
        assert PAN not in text
        assert "411111******1111" in text
        one = running.admin("GET", "orders/MASK-1").text
        assert PAN not in one and "411111******1111" in one
        rows = running.sandbox.store.fetchall("SELECT data FROM orders")
        assert rows and all(PAN not in str(row["data"]) for row in rows)


def test_banner_shows_demo_values_but_not_config_merchants_secrets(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "merchants:\n  goldenpay:\n    - {mch_id: 10077, api_token: very-secret-token-77}\n"
    )
    text = banner(resolve_settings({"config": str(config)}, {}, installed_kinds()), 8080)
    assert "very-secret-token-77" not in text
    assert "10077" in text
    assert "api_token=gp_test_token_5e6f7a8b" in text
