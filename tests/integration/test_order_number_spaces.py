"""The number space each gateway gives a new order is the one migration 13 gives a row of that
gateway and kind stored before it: orders of every kind made through the real API, then their
spaces computed again by the migration's own statements, agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from support.server import run_sandbox

from sandbox.client import EzPayClient, GoldenPayClient, TrustPayClient, num
from sandbox.store import open_store
from sandbox.store.database import statements
from sandbox.store.migrations import MIGRATIONS

NOWHERE = "http://127.0.0.1:9/notify"
CARD = {
    "card_number": "4242424242424242",
    "card_expiry": "2030-12",
    "card_cvv": "123",
    "card_holder_first_name": "Ada",
    "card_holder_last_name": "Lovelace",
    "billing_country": "GB",
}


def ok(envelope: Any, code: int) -> Any:
    assert int(envelope["code"]) == code, envelope
    return envelope


def make_one_of_each(url: str, admin: httpx.Client) -> None:
    with TrustPayClient(url) as trustpay:
        payin = {"order_amount": num("20.00"), "currency": "USD", "notify_url": NOWHERE}
        ok(trustpay.cashier_payin(order_no="TP-CASHIER", **payin), 880001)
        ok(trustpay.card_payin(order_no="TP-CARD", **payin, **CARD), 880001)
        ok(
            trustpay.refund(
                order_no="TP-CARD", merchant_refund_no="TP-REFUND", refund_amount=num("5.00")
            ),
            880001,
        )
        ok(
            trustpay.payout(
                orderNo="TP-PAYOUT",
                amount=num("1000.00"),
                currency="INR",
                notifyUrl=NOWHERE,
                accountNo="123456789012",
                accountName="Ravi Kumar",
                ifsc="HDFC0001234",
            ),
            880001,
        )
        ok(
            trustpay.vcard_open(
                card_type_id="23",
                amount="30.00",
                first_name="Alex",
                last_name="Chen",
                email="alex@example.com",
                notify_url=NOWHERE,
                order_no="TP-CARD-ORDER",
            ),
            880001,
        )
    with EzPayClient(url) as ezpay:
        created = ok(
            ezpay.payment(
                mchOrderId="EZ-PAYMENT",
                amount=500,
                customerName="Juan Dela Cruz",
                channelCode="PH_GCASH_URL",
                notifyUrl=NOWHERE,
                redirectUrl="https://merchant.example/return",
                email="juan@example.com",
                mobile="09171234567",
            ),
            10000,
        )
        ident = created["data"]["transactionId"]
        completed = admin.post(f"/_sandbox/orders/{ident}/complete", json={"status": "success"})
        assert completed.status_code == 200, completed.text
        ok(
            ezpay.refund(
                mchRefundOrderId="EZ-REFUND",
                originalTransactionId=ident,
                refundAmount=100,
                refundCallbackUrl=NOWHERE,
            ),
            10000,
        )
        ok(
            ezpay.payout(
                mchOrderId="EZ-PAYOUT",
                idempotencyId="IDEM-EZ-PAYOUT-0000",
                amount=5000,
                accountNo="09171234567",
                accountName="Juan Dela Cruz",
                payMethodCode="EWALLET",
                transferCode="GCASH",
            ),
            10000,
        )
        ok(
            ezpay.static_code(
                mchOrderId="EZ-STATIC",
                customerName="Sari Sari Store",
                channelCode="PH_QRPH_STATIC",
                notifyUrl=NOWHERE,
                email="shop@example.com",
                mobile="09171234567",
            ),
            10000,
        )
    with GoldenPayClient(url) as goldenpay:
        goldenpay.collect(
            trans_id="GP-COLLECT", channel="mock", currency="THB", amount="100.00",
            callback_url=NOWHERE,
        )  # fmt: skip
        goldenpay.payout(
            trans_id="GP-PAYOUT", channel="gcash", currency="PHP", amount="5.00",
            account_no="09171234567", account_name="JUAN DELA CRUZ", callback_url=NOWHERE,
        )  # fmt: skip


def _spaces(rows: list[Any]) -> dict[str, tuple[str, str, str | None]]:
    return {r["platform_id"]: (r["gateway"], r["kind"], r["number_space"]) for r in rows}


def test_new_orders_take_the_space_migration_13_gives_their_kind(tmp_path: Path) -> None:
    database = tmp_path / "sandbox.db"
    flags = {"db": str(database), "clock": "manual", "clock_start": "2026-03-12T08:30:00Z"}
    with run_sandbox(flags) as running:
        make_one_of_each(running.url, running.client)
        advanced = running.client.post("/_sandbox/clock/advance", json={"seconds": 5})
        assert advanced.status_code == 200, advanced.text  # the virtual card is issued

    store = open_store(str(database))
    try:
        query = "SELECT gateway, kind, platform_id, number_space FROM orders ORDER BY seq"
        given = _spaces(store.fetchall(query))
        [script] = [script for version, script in MIGRATIONS if version == 13]
        _add_column, fill, drop_older_duplicates, _index = statements(script)
        with store.transaction():
            store.execute("UPDATE orders SET number_space = NULL")
            store.execute(fill)
            store.execute(drop_older_duplicates)
        again = _spaces(store.fetchall(query))
    finally:
        store.close()
    assert again == given
    spaces = {(gateway, kind): space for gateway, kind, space in given.values()}
    assert spaces == {
        ("trustpay", "payin"): "payin_payout",
        ("trustpay", "payout"): "payin_payout",
        ("trustpay", "refund"): "refund",
        ("trustpay", "card_order"): "card_order",
        ("trustpay", "vcard"): None,
        ("ezpay", "payment"): "payment",
        ("ezpay", "refund"): "refund",
        ("ezpay", "payout"): "payout",
        ("ezpay", "static"): "static",
        ("goldenpay", "collect"): "collect",
        ("goldenpay", "payout"): "payout",
    }
