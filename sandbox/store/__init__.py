"""Persistence: one SQLite connection owned by the server process."""

from sandbox.store.database import Store, StoreError, open_store

__all__ = ["Store", "StoreError", "open_store"]
