"""Schema versions, applied in order; `PRAGMA user_version` records the last one applied.

Append new migrations; never edit one that has shipped. Tables holding per-merchant state have
`gateway` and `merchant_id` columns and are listed in `MERCHANT_TABLES`, so `reset` can clear them
(all of them, or one merchant's rows).
"""

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE merchants (
            gateway     TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            settings    TEXT NOT NULL,          -- JSON, as listed by GET /_sandbox/merchants
            PRIMARY KEY (gateway, merchant_id)
        );
        CREATE TABLE balances (
            gateway     TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            account     TEXT NOT NULL,          -- "main", or a gateway's own ("card")
            currency    TEXT NOT NULL,
            available   TEXT NOT NULL,          -- Decimal text, never a float
            reserve     TEXT NOT NULL,
            updated_at  TEXT NOT NULL,          -- sandbox time
            PRIMARY KEY (gateway, merchant_id, account, currency)
        );
        """,
    ),
]

# Tables emptied by POST /_sandbox/reset (balances are then re-seeded from the opening values).
MERCHANT_TABLES: list[str] = ["balances"]
