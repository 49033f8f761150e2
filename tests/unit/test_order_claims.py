"""Values an order claims (a physical card's number, an EzPay payout's idempotencyId) are taken
once per merchant and space on both backends; a rollback gives the value back; migration 14
claims the values of rows stored before, an older duplicate once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.postgres import PostgresCluster
from support.schema import store_at_version

from sandbox.store import Store, open_store
from sandbox.store.claims import claim_value


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "sandbox.db")
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database(empty=True)  # no migration applied yet
    yield url
    cluster.drop_database(url)


def claims(store: Store) -> list[tuple[str, str, str, str]]:
    rows = store.fetchall(
        "SELECT gateway, merchant_id, space, value FROM order_claims "
        "ORDER BY gateway, merchant_id, space, value"
    )
    return [(r["gateway"], r["merchant_id"], r["space"], r["value"]) for r in rows]


def test_a_value_is_claimed_once_per_merchant_and_space(target: str) -> None:
    store = open_store(target)
    try:
        assert claim_value(store, "ezpay", "m1", "payout.idempotencyId", "IDEM-1")
        assert not claim_value(store, "ezpay", "m1", "payout.idempotencyId", "IDEM-1")
        assert claim_value(store, "ezpay", "m2", "payout.idempotencyId", "IDEM-1")
        assert claim_value(store, "ezpay", "m1", "other.space", "IDEM-1")
        assert claim_value(store, "trustpay", "m1", "payout.idempotencyId", "IDEM-1")
        with pytest.raises(RuntimeError), store.transaction():
            assert claim_value(store, "ezpay", "m1", "payout.idempotencyId", "IDEM-2")
            raise RuntimeError("the order's transaction fails")
        assert claim_value(store, "ezpay", "m1", "payout.idempotencyId", "IDEM-2")
    finally:
        store.close()


_BEFORE = (
    "INSERT INTO orders (gateway, merchant_id, kind, platform_id, merchant_order_id, amount, "
    "currency, status, created_at, updated_at, data) "
    "VALUES (?, ?, ?, ?, '', '1.00', 'USD', '1', '2026-03-12T08:30:00Z', "
    "'2026-03-12T08:30:00Z', ?)"
)


def test_migration_14_claims_the_values_of_rows_stored_before(target: str) -> None:
    old = store_at_version(target, 13)
    with old.transaction():
        for gateway, kind, platform_id, data in [
            ("trustpay", "pcard", "p1", '{"card_number":"4532010000000001"}'),
            ("trustpay", "pcard", "p2", '{"card_number":"4532010000000001"}'),  # older twin
            ("trustpay", "vcard", "7", '{"card_number":"4532010000000002"}'),  # not claimed
            ("ezpay", "payout", "D1", '{"idempotencyId":"IDEM-1"}'),
            ("ezpay", "payout", "D2", '{"idempotencyId":"IDEM-1"}'),
            ("ezpay", "payout", "D3", "{}"),
            ("ezpay", "payment", "C1", '{"idempotencyId":"IDEM-9"}'),  # not a payout
        ]:
            old.execute(_BEFORE, (gateway, "m1", kind, platform_id, data))
    old.close()

    store = open_store(target)
    try:
        assert store.schema_version >= 14
        assert claims(store) == [
            ("ezpay", "m1", "payout.idempotencyId", "IDEM-1"),
            ("trustpay", "m1", "pcard.card_number", "4532010000000001"),
        ]
        assert not claim_value(store, "ezpay", "m1", "payout.idempotencyId", "IDEM-1")
        assert claim_value(store, "ezpay", "m1", "payout.idempotencyId", "IDEM-9")
    finally:
        store.close()
