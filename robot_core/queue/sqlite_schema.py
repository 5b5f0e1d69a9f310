"""The schema of the embedded (SQLite) queue, as the migrations that build it, oldest first.

The store runs the ones a database has not seen, each in its own transaction, and notes the
version (SQLite: ``PRAGMA user_version``; PostgreSQL: the ``robot_schema`` table). A
migration is never edited once shipped: a change is a new one at the end.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: batches and items
    """
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY AUTOINCREMENT, bot TEXT NOT NULL, source TEXT NOT NULL,
        checksum TEXT NOT NULL, sheet TEXT NOT NULL, headers TEXT NOT NULL,
        created_at TEXT NOT NULL, new INTEGER NOT NULL, duplicates INTEGER NOT NULL);
    CREATE TABLE items (
        id INTEGER PRIMARY KEY AUTOINCREMENT, bot TEXT NOT NULL, batch INTEGER NOT NULL
            REFERENCES batches(id), key TEXT NOT NULL, row_number INTEGER NOT NULL,
        payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT, lease_expires TEXT, priority INTEGER NOT NULL DEFAULT 0,
        defer_until TEXT, due_by TEXT, error_kind TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '', screenshot TEXT NOT NULL DEFAULT '',
        outputs TEXT NOT NULL DEFAULT '{}', was_uncertain INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        UNIQUE (bot, key));
    CREATE INDEX items_claim ON items (bot, state, priority DESC, id);
    CREATE TABLE batch_items (
        batch INTEGER NOT NULL REFERENCES batches(id), item INTEGER NOT NULL REFERENCES items(id),
        row_number INTEGER NOT NULL, PRIMARY KEY (batch, item));
    CREATE INDEX batch_items_item ON batch_items (item);
    """,
    # 2: finding expired leases on every claim must not scan the whole table
    """
    CREATE INDEX items_lease ON items (state, lease_expires);
    """,
    # 3: attempts counts claims (crash detection); tries counts the runner's attempts
    """
    ALTER TABLE items ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;
    """,
    # 4: corrections (content checksums, maybe_saved, rows' notes), requeued system failures
    """
    ALTER TABLE items ADD COLUMN content_sum TEXT NOT NULL DEFAULT '';
    ALTER TABLE items ADD COLUMN maybe_saved INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE items ADD COLUMN system_failures INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE batch_items ADD COLUMN note TEXT NOT NULL DEFAULT '';
    ALTER TABLE batches ADD COLUMN corrected INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE batches ADD COLUMN conflicts INTEGER NOT NULL DEFAULT 0;
    """,
    # 5: session slots, one row per logged-in worker: an app's max_sessions across machines
    """
    CREATE TABLE session_slots (
        app TEXT NOT NULL, slot INTEGER NOT NULL, owner TEXT NOT NULL, expires TEXT NOT NULL,
        PRIMARY KEY (app, slot));
    """,
    # 6: each run's audit trail as it ended (evidence/verify.py checks the file against it)
    """
    CREATE TABLE audit_anchors (
        run_id TEXT PRIMARY KEY, bot TEXT NOT NULL, lines INTEGER NOT NULL,
        last_hash TEXT NOT NULL, key_id TEXT NOT NULL, anchored_at TEXT NOT NULL);
    """,
)
