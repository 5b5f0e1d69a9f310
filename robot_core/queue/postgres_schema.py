"""The schema of the shared (PostgreSQL) queue, as the migrations that build it, oldest first.

The store runs the ones a database has not seen, each in its own transaction, and notes the
version (SQLite: ``PRAGMA user_version``; PostgreSQL: the ``robot_schema`` table). A
migration is never edited once shipped: a change is a new one at the end.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: batches and items, as SQLite's migrations 1-3 leave them
    """
    CREATE TABLE batches (
        id BIGSERIAL PRIMARY KEY, bot TEXT NOT NULL, source TEXT NOT NULL,
        checksum TEXT NOT NULL, sheet TEXT NOT NULL, headers JSONB NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(), new INTEGER NOT NULL DEFAULT 0,
        duplicates INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE items (
        id BIGSERIAL PRIMARY KEY, bot TEXT NOT NULL, batch BIGINT NOT NULL
            REFERENCES batches(id), key TEXT NOT NULL, row_number INTEGER NOT NULL,
        payload JSONB NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT, lease_expires TIMESTAMPTZ, priority INTEGER NOT NULL DEFAULT 0,
        defer_until TIMESTAMPTZ, due_by TIMESTAMPTZ, error_kind TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '', screenshot TEXT NOT NULL DEFAULT '',
        outputs JSONB NOT NULL DEFAULT '{}', was_uncertain BOOLEAN NOT NULL DEFAULT false,
        tries INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (bot, key));
    CREATE INDEX items_claim ON items (bot, state, priority DESC, id);
    CREATE INDEX items_lease ON items (state, lease_expires);
    CREATE TABLE batch_items (
        batch BIGINT NOT NULL REFERENCES batches(id), item BIGINT NOT NULL
            REFERENCES items(id), row_number INTEGER NOT NULL, PRIMARY KEY (batch, item));
    CREATE INDEX batch_items_item ON batch_items (item);
    """,
    # 2: a claim walks the claimable items in claim order and stops at the first free one,
    # instead of sorting every pending item on every claim
    """
    CREATE INDEX items_ready ON items (bot, priority DESC, id)
        WHERE state IN ('pending', 'uncertain');
    """,
    # 3: corrections (content checksums, maybe_saved, rows' notes), requeued system failures
    """
    ALTER TABLE items ADD COLUMN content_sum TEXT NOT NULL DEFAULT '',
        ADD COLUMN maybe_saved BOOLEAN NOT NULL DEFAULT false,
        ADD COLUMN system_failures INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE batch_items ADD COLUMN note TEXT NOT NULL DEFAULT '';
    ALTER TABLE batches ADD COLUMN corrected INTEGER NOT NULL DEFAULT 0,
        ADD COLUMN conflicts INTEGER NOT NULL DEFAULT 0;
    """,
    # 4: session slots, one row per logged-in worker: an app's max_sessions across machines
    """
    CREATE TABLE session_slots (
        app TEXT NOT NULL, slot INTEGER NOT NULL, owner TEXT NOT NULL,
        expires TIMESTAMPTZ NOT NULL, PRIMARY KEY (app, slot));
    """,
    # 5: each run's audit trail as it ended (evidence/verify.py checks the file against it)
    """
    CREATE TABLE audit_anchors (
        run_id TEXT PRIMARY KEY, bot TEXT NOT NULL, lines BIGINT NOT NULL,
        last_hash TEXT NOT NULL, key_id TEXT NOT NULL,
        anchored_at TIMESTAMPTZ NOT NULL DEFAULT now());
    """,
)
