"""Card issuing with a configured merchant: its own products and card account, isolated from the
demo merchant (spec.1 `card_account`, `card_types`;.0 scoping)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from support.receiver import run_receiver
from support.server import RunningSandbox, run_sandbox
from support.trustpay_cards import MANUAL, ok, open_card

from sandbox.signing.md5 import trustpay_sign
from sandbox.signing.values import compact_json, parse_json

pytestmark = pytest.mark.postgres

CONFIG = """
merchants:
  trustpay:
    - merchant_id: 8820250900042
      api_key: tp_cards_key_0042
      secret: tp_cards_secret_0042
      callback_amount_format: trimmed
      card_account: {available_balance: 100.00}
      card_types:
        - {card_type_id: "77", name: Cheap Visa, brand: VISA, currency: USD, bin: "411111",
           open_card_fee_rate: 0.03, open_card_fee_fixed: 10.99, min_recharge: 1.00}
"""


def other(server: RunningSandbox, path: str, body: dict[str, Any]) -> httpx.Response:
    fields = parse_json(compact_json(body))
    fields["sign"] = trustpay_sign(fields, "tp_cards_secret_0042")
    return server.client.post(
        path, content=compact_json(fields).encode(), headers={"X-Api-Key": "tp_cards_key_0042"}
    )


def test_configured_products_account_and_isolation(
    tmp_path: Path, db_flags: dict[str, str]
) -> None:
    config = tmp_path / "cards.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    with (
        run_sandbox({**db_flags, **MANUAL, "config": str(config)}) as server,
        run_receiver() as receiver,
    ):
        open_card(server, receiver)  # the demo merchant's card 1
        server.advance(3)
        types = other(server, "/v3/vcard/card-types", {}).json()["data"]["items"]
        assert [t["card_type_id"] for t in types] == ["77"]
        body = {
            "card_type_id": "77",
            "first_name": "Kim",
            "last_name": "Lee",
            "email": "kim@example.com",
            "notify_url": receiver.url + "/other",
        }
        for amount, code in (("10.99", 880015), ("5.00", 880015), ("100.01", 880005)):
            answer = other(server, "/v3/vcard/open", {**body, "amount": amount}).json()
            assert answer["code"] == code, (amount, answer)
        demo_type = other(server, "/v3/vcard/open", {**body, "card_type_id": "23", "amount": "30"})
        assert demo_type.json()["message"] == "card type not found"
        answer = other(server, "/v3/vcard/open", {**body, "amount": "11.00"}).json()
        assert answer["code"] == 880001
        server.advance(3)
        listed = other(server, "/v3/vcard/cards", {}).json()["data"]
        assert [c["card_id"] for c in listed["items"]] == [2]  # ids count across the gateway
        assert listed["items"][0]["balance"] == 0.01 and listed["items"][0]["card_number"][:6] == (
            "411111"
        )
        callback = receiver.requests[-1]
        assert callback.path == "/other"
        assert b'"amount":11,"fee":10.99,"balance":0.01' in callback.body  # trimmed amounts
        account = other(server, "/v3/pcard/account", {}).json()["data"]
        assert (account["available_balance"], account["frozen_balance"]) == ("89.00", "0.00")
        # Neither merchant sees the other's cards.
        assert other(server, "/v3/vcard/detail", {"card_id": 1}).json()["message"] == (
            "card not found"
        )
        assert ok(server, "/v3/vcard/cards")["total"] == 1
        assert ok(server, "/v3/pcard/account")["available_balance"] == "9970.00"
