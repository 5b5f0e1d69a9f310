"""The embedded store's side tables: session slots (``max_sessions``) and audit anchors.

Beside the items and batches: ``SQLiteStore`` takes these methods from ``SQLiteSideTables``,
which uses only its transaction and its reads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from robot_core.queue.base import AuditAnchor
from robot_core.queue.rows import now as _now
from robot_core.queue.rows import pick_slot, to_anchor


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


class SQLiteSideTables:
    """Slots and anchors of ``Store``, for ``SQLiteStore``."""

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # SQLiteStore's

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError  # SQLiteStore's

    def take_slot(self, app: str, limit: int, owner: str, lease_s: float, host: str,
                  is_alive: Callable[[str], bool]) -> bool:
        """The lowest free slot number below ``limit`` (the key makes two takers collide)."""
        now = _now()
        expires = _ts(now + timedelta(seconds=lease_s))
        with self._tx() as db:
            db.execute("DELETE FROM session_slots WHERE expires < ?", (_ts(now),))
            rows = db.execute("SELECT slot, owner FROM session_slots WHERE app = ?",
                              (app,)).fetchall()
            held, dead, free = pick_slot(rows, limit, owner, host, is_alive)
            if held:
                db.execute("UPDATE session_slots SET expires = ? WHERE app = ? AND"
                           " owner = ?", (expires, app, owner))
                return True
            for slot in dead:
                db.execute("DELETE FROM session_slots WHERE app = ? AND slot = ?", (app, slot))
            if free is None:
                return False
            db.execute("INSERT INTO session_slots (app, slot, owner, expires)"
                       " VALUES (?, ?, ?, ?)", (app, free, owner, expires))
            return True

    def keep_slot(self, app: str, owner: str, lease_s: float) -> bool:
        """Push the slot's expiry forward."""
        expires = _ts(_now() + timedelta(seconds=lease_s))
        with self._tx() as db:
            return db.execute("UPDATE session_slots SET expires = ? WHERE app = ? AND owner = ?",
                              (expires, app, owner)).rowcount == 1

    def free_slot(self, app: str, owner: str) -> None:
        """Delete the owner's slot."""
        with self._tx() as db:
            db.execute("DELETE FROM session_slots WHERE app = ? AND owner = ?", (app, owner))

    def anchor_audit(self, anchor: AuditAnchor) -> None:
        """Keep the run's anchor; a resumed run's moves it forward."""
        with self._tx() as db:
            db.execute("INSERT INTO audit_anchors (run_id, bot, lines, last_hash, key_id,"
                       " anchored_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE"
                       " SET lines = excluded.lines, last_hash = excluded.last_hash,"
                       " key_id = excluded.key_id, anchored_at = excluded.anchored_at",
                       (anchor.run_id, anchor.bot, anchor.lines, anchor.last_hash,
                        anchor.key_id, _ts(_now())))

    def audit_anchor(self, run_id: str) -> AuditAnchor | None:
        """One run's anchor, or None."""
        rows = self._read("SELECT * FROM audit_anchors WHERE run_id = ?", (run_id,))
        return to_anchor(rows[0]) if rows else None

    def audit_anchors(self) -> list[AuditAnchor]:
        """Every anchor, by run id."""
        return [to_anchor(r) for r in self._read("SELECT * FROM audit_anchors ORDER BY run_id")]
