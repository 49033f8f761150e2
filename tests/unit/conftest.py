"""Fixtures the store's unit tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.postgres import PostgresCluster

from sandbox.store import Store, open_store


@pytest.fixture
def stores(postgres_cluster: PostgresCluster) -> Iterator[list[Store]]:
    """Two stores (two connections) on one new PostgreSQL database, as two replicas hold them."""
    url = postgres_cluster.create_database()
    opened = [open_store(url), open_store(url)]
    yield opened
    for store in opened:
        store.close()
    postgres_cluster.drop_database(url)
