"""The merchants table: each configured merchant's settings as listed by the admin API."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sandbox.store.database import Store


def register_merchants(store: Store, merchants: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
    """Insert or refresh (gateway, merchant id, settings) rows."""
    store.executemany(
        "INSERT INTO merchants (gateway, merchant_id, settings) VALUES (?, ?, ?) "
        "ON CONFLICT (gateway, merchant_id) DO UPDATE SET settings = excluded.settings",
        [
            (gateway, merchant_id, json.dumps(settings))
            for gateway, merchant_id, settings in merchants
        ],
    )
