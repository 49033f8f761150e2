"""Schema versions, applied in order; `PRAGMA user_version` records the last one applied
(on PostgreSQL, the `schema_migrations` table).

Append new migrations; never edit one that has shipped. Tables holding per-merchant state have
`gateway` and `merchant_id` columns and are listed in `MERCHANT_TABLES`, so `reset` can clear them
(all of them, or one merchant's rows).

Each script is written for SQLite; `postgres_migrations()` gives PostgreSQL the same versions,
translated by `dialects.postgres_schema` (column types, JSON index expressions). A new version
that uses anything else SQLite-only adds its PostgreSQL text to `POSTGRES_OVERRIDES` under the
same number.
"""

from sandbox.store.dialects import postgres_schema

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
    (
        2,
        """
        CREATE TABLE callbacks (
            seq               INTEGER PRIMARY KEY AUTOINCREMENT,  -- id "cb_<seq>", never reused
            gateway           TEXT NOT NULL,
            merchant_id       TEXT NOT NULL,
            order_id          TEXT NOT NULL,
            merchant_order_id TEXT NOT NULL,
            event             TEXT NOT NULL,
            url               TEXT NOT NULL,
            original_url      TEXT,
            body              BLOB NOT NULL,
            headers           TEXT NOT NULL,          -- JSON object
            ack               TEXT NOT NULL,          -- JSON AckRule
            policy            TEXT NOT NULL,          -- JSON RetryPolicy
            tag               TEXT NOT NULL,
            state             TEXT NOT NULL,          -- pending | acked | failed
            created_at        TEXT NOT NULL,          -- sandbox time
            due_at            TEXT,                   -- next attempt while pending
            finished_at       TEXT,
            copy              INTEGER NOT NULL,
            copies            INTEGER NOT NULL,
            redelivery_of     TEXT,
            redeliver_after   REAL,                   -- sandbox seconds after the ack
            failures          INTEGER NOT NULL,
            attempts          INTEGER NOT NULL
        );
        CREATE INDEX callbacks_state ON callbacks (state, seq);
        CREATE INDEX callbacks_order ON callbacks (order_id);
        CREATE TABLE callback_attempts (
            seq                INTEGER NOT NULL REFERENCES callbacks (seq) ON DELETE CASCADE,
            number             INTEGER NOT NULL,
            due_at             TEXT,
            started_at         TEXT NOT NULL,
            finished_at        TEXT NOT NULL,
            latency_ms         REAL NOT NULL,
            status             INTEGER,
            response           BLOB NOT NULL,         -- first 64 KiB of the reply
            response_truncated INTEGER NOT NULL,
            error              TEXT,
            error_detail       TEXT NOT NULL,
            acked              INTEGER NOT NULL,
            resend             INTEGER NOT NULL,
            PRIMARY KEY (seq, number)
        );
        CREATE TABLE journal (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            at          TEXT NOT NULL,                -- sandbox time
            gateway     TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            operation   TEXT NOT NULL,
            method      TEXT NOT NULL,
            path        TEXT NOT NULL,
            status      INTEGER NOT NULL,
            scenario    TEXT,
            rule        TEXT,
            signature   TEXT NOT NULL,
            note        TEXT NOT NULL
        );
        CREATE INDEX journal_gateway ON journal (gateway, merchant_id, seq);
        """,
    ),
    (
        3,
        """
        CREATE TABLE orders (
            seq               INTEGER PRIMARY KEY AUTOINCREMENT,
            gateway           TEXT NOT NULL,
            merchant_id       TEXT NOT NULL,
            kind              TEXT NOT NULL,          -- the gateway's order type: payin, refund...
            platform_id       TEXT NOT NULL,          -- the id the gateway hands out
            merchant_order_id TEXT NOT NULL,          -- the merchant's own id ('' when none)
            parent_id         TEXT,                   -- e.g. a refund's pay-in (platform id)
            amount            TEXT NOT NULL,          -- Decimal text, in the API's units
            currency          TEXT NOT NULL,
            status            TEXT NOT NULL,          -- the gateway's own status value, as text
            plan              TEXT,                   -- JSON: the scenario blocks that decided it
            created_at        TEXT NOT NULL,          -- sandbox time
            updated_at        TEXT NOT NULL,
            data              TEXT NOT NULL           -- JSON: the gateway's other fields
        );
        CREATE UNIQUE INDEX orders_platform ON orders (gateway, platform_id);
        CREATE INDEX orders_merchant ON orders (gateway, merchant_id, merchant_order_id);
        CREATE INDEX orders_parent ON orders (gateway, parent_id);
        CREATE TABLE timers (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            gateway     TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            action      TEXT NOT NULL,                -- a registered action, "trustpay.settle"
            subject     TEXT NOT NULL,                -- what it acts on, usually a platform id
            due_at      TEXT NOT NULL,                -- sandbox time
            args        TEXT NOT NULL                 -- JSON object
        );
        CREATE INDEX timers_subject ON timers (action, subject);
        """,
    ),
    (
        4,
        """
        ALTER TABLE journal ADD COLUMN signature_detail TEXT NOT NULL DEFAULT '';
        """,
    ),
    (
        5,
        # Every look-up a request or the admin API makes has an index, so its cost does not grow
        # with the rows stored. The `data` fields looked up (store/orders.py DATA_KEYS) are
        # expression indexes; `timers_due` lets the clock hold only the next due timers.
        """
        CREATE INDEX orders_platform_id ON orders (platform_id);
        CREATE INDEX orders_merchant_order_id ON orders (merchant_order_id);
        CREATE INDEX orders_status ON orders (gateway, status, seq);
        CREATE INDEX orders_kind ON orders (gateway, merchant_id, kind, seq);
        CREATE INDEX orders_created ON orders (gateway, merchant_id, created_at);
        CREATE INDEX orders_card_fingerprint
            ON orders (gateway, merchant_id, json_extract(data, '$.card.fingerprint'), updated_at);
        CREATE INDEX orders_card_number ON orders (gateway, json_extract(data, '$.card_number'));
        CREATE INDEX orders_family ON orders (gateway, merchant_id, json_extract(data, '$.family'));
        CREATE INDEX orders_idempotency
            ON orders (gateway, merchant_id, json_extract(data, '$.idempotencyId'));
        CREATE INDEX orders_pay_data ON orders (gateway, json_extract(data, '$.payData'));
        CREATE INDEX timers_due ON timers (due_at, seq);
        CREATE INDEX timers_of_subject ON timers (subject);
        CREATE INDEX callbacks_gateway ON callbacks (gateway, merchant_id, seq);
        CREATE INDEX callbacks_merchant_order ON callbacks (merchant_order_id);
        CREATE INDEX journal_operation ON journal (gateway, operation, seq);
        """,
    ),
    (
        9,
        # The card-failure limit counts one card's failures: with kind and status in the index
        # it reads only those, not every use of the card that day (one test card, hammered).
        """
        CREATE INDEX orders_card_outcomes ON orders (
            gateway, merchant_id, json_extract(data, '$.card.fingerprint'), kind, status, updated_at
        );
        """,
    ),
    (
        10,
        # GET /_sandbox/requests/{id}: the request and the answer (masked JSON), and why a
        # signature was refused (JSON, '' when it was not).
        """
        ALTER TABLE journal ADD COLUMN exchange TEXT NOT NULL DEFAULT '';
        ALTER TABLE journal ADD COLUMN explanation TEXT NOT NULL DEFAULT '';
        """,
    ),
    (
        11,
        # An order's state history (the dashboard's order detail): one row per status it took.
        # The other indexes serve the dashboard's orders view, newest first, filtered by any one
        # of gateway, merchant or status (or gateway and merchant), however many orders there are.
        """
        CREATE TABLE order_history (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            gateway     TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            platform_id TEXT NOT NULL,
            at          TEXT NOT NULL,                -- sandbox time
            from_status TEXT,                         -- NULL for the first status
            to_status   TEXT NOT NULL,
            cause       TEXT NOT NULL
        );
        CREATE INDEX order_history_order ON order_history (gateway, platform_id, seq);
        CREATE INDEX orders_gateway_seq ON orders (gateway, seq);
        CREATE INDEX orders_gateway_merchant_seq ON orders (gateway, merchant_id, seq);
        CREATE INDEX orders_status_seq ON orders (status, seq);
        CREATE INDEX orders_merchant_seq ON orders (merchant_id, seq);
        """,
    ),
    (
        12,
        # Leases for replicas sharing one database: the replica working on a due callback or
        # timer, and until when (database time, epoch seconds); and the turns of a scenario's
        # cycling `respond.error` list, counted once for every replica. One process on SQLite
        # keeps both in memory; they are here so both backends keep one schema.
        """
        ALTER TABLE callbacks ADD COLUMN lease_owner TEXT;
        ALTER TABLE callbacks ADD COLUMN lease_until REAL;
        ALTER TABLE timers ADD COLUMN lease_owner TEXT;
        ALTER TABLE timers ADD COLUMN lease_until REAL;
        CREATE INDEX callbacks_due ON callbacks (state, due_at, seq);
        CREATE TABLE scenario_turns (
            scenario_gateway TEXT NOT NULL,       -- the scenario's own gateway ("*": neutral)
            scenario         TEXT NOT NULL,
            rule             INTEGER NOT NULL,
            gateway          TEXT NOT NULL,       -- the request's
            merchant_id      TEXT NOT NULL,
            turns            INTEGER NOT NULL,    -- how many answers the rule's list has given
            PRIMARY KEY (scenario_gateway, scenario, rule, gateway, merchant_id)
        );
        """,
    ),
    (
        13,
        # A merchant's order numbers are unique per number space, enforced by the database, so
        # two replicas (or two requests) creating the same number at once store it once. A
        # gateway names the space of each new order (`Order.number_space`); rows that take no
        # number (cards, card transactions, card attempts, static-code payments) keep NULL and
        # never conflict. Rows stored before: each number's newest row takes the space (the one
        # look-ups by number find), older duplicates made before this version keep NULL.
        """
        ALTER TABLE orders ADD COLUMN number_space TEXT;
        UPDATE orders SET number_space = CASE
            WHEN gateway = 'trustpay' AND kind IN ('payin', 'payout') THEN 'payin_payout'
            WHEN gateway = 'trustpay' AND kind IN ('refund', 'card_order') THEN kind
            WHEN gateway = 'ezpay' AND kind IN ('payment', 'payout', 'static', 'refund') THEN kind
            WHEN gateway = 'goldenpay' AND kind IN ('collect', 'payout') THEN kind
        END;
        UPDATE orders SET number_space = NULL
        WHERE number_space IS NOT NULL AND EXISTS (
            SELECT 1 FROM orders AS newer
            WHERE newer.gateway = orders.gateway
              AND newer.merchant_id = orders.merchant_id
              AND newer.merchant_order_id = orders.merchant_order_id
              AND newer.number_space = orders.number_space
              AND newer.seq > orders.seq
        );
        CREATE UNIQUE INDEX orders_number ON orders (
            gateway, merchant_id, number_space, merchant_order_id
        ) WHERE number_space IS NOT NULL;
        """,
    ),
    (
        14,
        # State replicas on one database must share, kept exact by the database itself.
        # `order_totals`: counted orders per merchant, kind, currency and period (a UTC day
        # "2026-03-12" or month "2026-03" of the sandbox clock), changed in the transaction that
        # stores or fails an order, under the row's lock (TrustPay's daily and monthly pay-in
        # limits). Rows appear on first use, computed from the orders then; one process on
        # SQLite keeps these totals in memory instead.
        # `order_claims`: values an order holds that no other order of its merchant may hold in
        # the same space (a physical card's number, an EzPay payout's idempotencyId), taken in
        # the order's transaction, so two requests racing for one value store it once. Orders
        # stored before this version claim their values here (older duplicates claim once).
        """
        CREATE TABLE order_totals (
            gateway     TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            kind        TEXT NOT NULL,
            currency    TEXT NOT NULL,
            period      TEXT NOT NULL,
            orders      INTEGER NOT NULL,
            amount      TEXT NOT NULL,            -- Decimal text
            PRIMARY KEY (gateway, merchant_id, kind, currency, period)
        );
        CREATE TABLE order_claims (
            gateway     TEXT NOT NULL,
            merchant_id TEXT NOT NULL,
            space       TEXT NOT NULL,            -- what the value is: "pcard.card_number"
            value       TEXT NOT NULL,
            PRIMARY KEY (gateway, merchant_id, space, value)
        );
        INSERT INTO order_claims (gateway, merchant_id, space, value)
        SELECT DISTINCT gateway, merchant_id, 'pcard.card_number',
            json_extract(data, '$.card_number')
        FROM orders
        WHERE gateway = 'trustpay' AND kind = 'pcard'
            AND json_extract(data, '$.card_number') IS NOT NULL;
        INSERT INTO order_claims (gateway, merchant_id, space, value)
        SELECT DISTINCT gateway, merchant_id, 'payout.idempotencyId',
            json_extract(data, '$.idempotencyId')
        FROM orders
        WHERE gateway = 'ezpay' AND kind = 'payout'
            AND json_extract(data, '$.idempotencyId') IS NOT NULL;
        """,
    ),
]

# Tables emptied by POST /_sandbox/reset (balances are then re-seeded from the opening values).
# callback_attempts go by cascade.
MERCHANT_TABLES: list[str] = [
    "balances",
    "callbacks",
    "journal",
    "order_history",
    "orders",
    "timers",
    "scenario_turns",
    "order_totals",
    "order_claims",
]

# PostgreSQL text for versions the mechanical translation does not cover (none so far).
POSTGRES_OVERRIDES: dict[int, str] = {}


def postgres_migrations() -> list[tuple[int, str]]:
    return [
        (version, POSTGRES_OVERRIDES.get(version) or postgres_schema(script))
        for version, script in MIGRATIONS
    ]
