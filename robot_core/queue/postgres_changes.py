"""Corrections in the shared store: which rows of a chunk correct or conflict with a queued case.

``PostgresStore.add_batch`` sends a batch a chunk at a time; before a chunk's items go in,
this reads the chunk's keys that are queued already (locking them: two machines ingesting
the same correction change the item once) and corrects the correctable.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from robot_core.queue.base import CORRECTED, Change, NewItem
from robot_core.queue.rows import compared, correction_sql

_CORRECT = correction_sql("%s", "now()")


def chunk_changes(cur: psycopg.Cursor[dict[str, Any]], bot: str, batch_id: int,
                  chunk: list[NewItem]) -> dict[str, Change]:
    """The chunk's rows that correct a queued case (corrected here) or conflict with one."""
    existing = {r["key"]: r for r in cur.execute(
        "SELECT key, state, content_sum, maybe_saved, batch, EXISTS (SELECT 1 FROM"
        " batch_items WHERE batch = %s AND item = items.id) AS here FROM items"
        " WHERE bot = %s AND key = ANY(%s) FOR UPDATE",
        (batch_id, bot, [i.key for i in chunk])).fetchall()}
    changes: dict[str, Change] = {}
    for item in chunk:
        change = compared(existing.get(item.key), batch_id, item)
        if change is None or item.key in changes:
            continue  # the same key twice in one file: its first row counts
        changes[item.key] = change
        if change.kind == CORRECTED:
            cur.execute(_CORRECT, (batch_id, item.row_number, Jsonb(item.payload),
                                   item.content_sum, item.state.value, item.error_kind,
                                   item.error, item.screenshot, bot, item.key))
    return changes
