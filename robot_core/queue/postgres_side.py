"""The shared store's side tables: session slots (``max_sessions``) and audit anchors.

Beside the items and batches: ``PostgresStore`` takes these methods from
``PostgresSideTables``, which uses only its transaction and its reads. Times come from the
database's clock, as every lease does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import psycopg

from robot_core.queue.base import AuditAnchor
from robot_core.queue.rows import pick_slot, to_anchor

LEASE = "now() + make_interval(secs => %s)"
_LEASE = LEASE


class PostgresSideTables:
    """Slots and anchors of ``Store``, for ``PostgresStore``."""

    def _tx(self) -> AbstractContextManager[psycopg.Cursor[dict[str, Any]]]:
        raise NotImplementedError  # PostgresStore's

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError  # PostgresStore's

    def take_slot(self, app: str, limit: int, owner: str, lease_s: float, host: str,
                  is_alive: Callable[[str], bool]) -> bool:
        """The lowest free slot below ``limit``; two machines taking the same one collide on
        the key, and the one that loses finds none free (``ON CONFLICT DO NOTHING``)."""
        with self._tx() as cur:
            cur.execute("DELETE FROM session_slots WHERE expires < now()")
            rows = cur.execute("SELECT slot, owner FROM session_slots WHERE app = %s"
                               " FOR UPDATE", (app,)).fetchall()
            held, dead, free = pick_slot(rows, limit, owner, host, is_alive)
            if held:
                cur.execute("UPDATE session_slots SET expires = " + _LEASE +
                            " WHERE app = %s AND owner = %s", (lease_s, app, owner))
                return True
            if dead:
                cur.execute("DELETE FROM session_slots WHERE app = %s AND slot = ANY(%s)",
                            (app, dead))
            if free is None:
                return False
            return cur.execute("INSERT INTO session_slots (app, slot, owner, expires)"
                               " VALUES (%s, %s, %s, " + _LEASE + ") ON CONFLICT DO NOTHING",
                               (app, free, owner, lease_s)).rowcount == 1

    def keep_slot(self, app: str, owner: str, lease_s: float) -> bool:
        """Push the slot's expiry forward."""
        with self._tx() as cur:
            return cur.execute("UPDATE session_slots SET expires = " + _LEASE +
                               " WHERE app = %s AND owner = %s",
                               (lease_s, app, owner)).rowcount == 1

    def free_slot(self, app: str, owner: str) -> None:
        """Delete the owner's slot."""
        with self._tx() as cur:
            cur.execute("DELETE FROM session_slots WHERE app = %s AND owner = %s", (app, owner))

    def anchor_audit(self, anchor: AuditAnchor) -> None:
        """Keep the run's anchor; a resumed run's moves it forward."""
        with self._tx() as cur:
            cur.execute("INSERT INTO audit_anchors (run_id, bot, lines, last_hash, key_id)"
                        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (run_id) DO UPDATE"
                        " SET lines = excluded.lines, last_hash = excluded.last_hash,"
                        " key_id = excluded.key_id, anchored_at = now()",
                        (anchor.run_id, anchor.bot, anchor.lines, anchor.last_hash,
                         anchor.key_id))

    def audit_anchor(self, run_id: str) -> AuditAnchor | None:
        """One run's anchor, or None."""
        rows = self._read("SELECT * FROM audit_anchors WHERE run_id = %s", (run_id,))
        return to_anchor(rows[0]) if rows else None

    def audit_anchors(self) -> list[AuditAnchor]:
        """Every anchor, by run id."""
        return [to_anchor(r) for r in self._read("SELECT * FROM audit_anchors ORDER BY run_id")]
