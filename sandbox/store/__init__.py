"""Persistence: one SQLite connection owned by the server process (DESIGN §6)."""

from sandbox.store.database import Store, StoreError, open_store

__all__ = ["Store", "StoreError", "open_store"]
