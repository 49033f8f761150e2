import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from support.gateways import installed_kinds

from sandbox.settings import resolve_settings
from sandbox.store import StoreError, open_store
from sandbox.store.balances import adjust_balance, get_balance, list_balances, seed_opening_balances
from sandbox.store.migrations import MIGRATIONS

NOW = datetime(2026, 3, 12, 8, 30, tzinfo=UTC)


def test_migrations_bring_a_new_database_to_the_latest_version(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"))
    assert store.schema_version == MIGRATIONS[-1][0]
    assert store.fetchone("PRAGMA journal_mode")[0] == "wal"
    store.close()
    again = open_store(str(tmp_path / "s.db"))  # re-opening applies nothing twice
    assert again.schema_version == MIGRATIONS[-1][0]


def test_migration_versions_only_grow() -> None:
    # A database records only the last version applied, so a version appended with a smaller
    # number than one already shipped would never run on an existing database.
    versions = [version for version, _ in MIGRATIONS]
    assert versions == sorted(set(versions))


def test_newer_schema_and_bad_paths_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 999")
    connection.close()
    with pytest.raises(StoreError, match="newer than this sandbox"):
        open_store(str(path))
    with pytest.raises(StoreError, match="does not exist"):
        open_store(str(tmp_path / "missing" / "s.db"))
    (tmp_path / "junk.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        open_store(str(tmp_path / "junk.db"))


def test_transactions_roll_back_and_nest() -> None:
    store = open_store()
    with pytest.raises(RuntimeError), store.transaction():
        store.set_meta("a", "1")
        with store.transaction():
            store.set_meta("b", "2")
        raise RuntimeError
    assert store.get_meta("a") is None and store.get_meta("b") is None
    with store.transaction():
        store.set_meta("a", "1")
    assert store.get_meta("a") == "1"


def test_opening_balances_are_decimal_text_and_survive_reopen(tmp_path: Path) -> None:
    book = resolve_settings({}, {}, installed_kinds()).merchants
    path = str(tmp_path / "s.db")
    store = open_store(path)
    seed_opening_balances(store, book, NOW, overwrite=False)
    usd = get_balance(store, "trustpay", "8820250900009", "USD")
    assert usd is not None and usd.available == Decimal("10000.00")
    raw = store.fetchone(
        "SELECT available, typeof(available) FROM balances "
        "WHERE currency = 'USD' AND account = 'main'"
    )
    assert tuple(raw) == ("10000.00", "text")
    adjust_balance(store, "trustpay", "8820250900009", "USD", Decimal("-0.10"), NOW)
    store.close()

    store = open_store(path)
    seed_opening_balances(store, book, NOW, overwrite=False)  # keeps what is stored
    assert get_balance(store, "trustpay", "8820250900009", "USD").available == Decimal("9999.90")
    seed_opening_balances(store, book, NOW, overwrite=True)  # a reset restores it
    assert get_balance(store, "trustpay", "8820250900009", "USD").available == Decimal("10000.00")
    card = get_balance(store, "trustpay", "8820250900009", "USD", account="card")
    assert card is not None and card.available == Decimal("10000.00")
    currencies = [b.currency for b in list_balances(store, "goldenpay", "10001")]
    assert currencies == ["PHP", "THB", "USDT", "VND"]
