"""The daemon's ledger: every file it took from an inbox, and what became of it.

A table in ``jobs.db`` beside APScheduler's jobs. States of an entry::

    taken ──enqueue, then archive──▶ queued ──results written──▶ delivered
      └──unreadable half-way──▶ rejected
    duplicate   (same bytes as a file taken before: archived, not queued)
    rejected    (could not be read: moved to inbox/rejected/ with a .error.txt)

``taken`` is written once the file's header is found, *before* it is queued and moved, so a
crash (or a database failure) in between is finished by the next run instead of losing the
file; ``results`` is chosen before the
workbook is written, so a rewrite after a crash goes to the same file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from robot_core.private import private_file, tighten_sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS robot_inbox_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT, schedule TEXT NOT NULL, bot TEXT NOT NULL,
    name TEXT NOT NULL, source TEXT NOT NULL, checksum TEXT NOT NULL, state TEXT NOT NULL,
    archived TEXT NOT NULL DEFAULT '', batch INTEGER, results TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '', taken_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS robot_inbox_files_sum ON robot_inbox_files (bot, checksum);
"""


@dataclass(frozen=True)
class Entry:
    """One file the daemon took, as recorded."""

    id: int
    schedule: str
    bot: str
    name: str
    source: str
    checksum: str
    state: str
    archived: str
    batch: int | None
    results: str
    note: str
    taken_at: str


class Ledger:
    """The ``robot_inbox_files`` table; every write is its own transaction."""

    def __init__(self, path: Path) -> None:
        # 0600 before SQLite (or APScheduler) opens it: SQLite gives -wal/-shm the same mode.
        private_file(path)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None,
                                  check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")  # a foreground run may read meanwhile
        self.db.executescript(SCHEMA)
        tighten_sqlite(path)

    def add(self, schedule: str, bot: str, source: Path, *, checksum: str, state: str,
            archived: Path | None = None, note: str = "") -> Entry:
        """Record a file; ``state`` is taken, duplicate or rejected."""
        now = _now()
        cur = self.db.execute(
            "INSERT INTO robot_inbox_files (schedule, bot, name, source, checksum, state,"
            " archived, note, taken_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (schedule, bot, source.name, str(source), checksum, state,
             str(archived or ""), note, now, now))
        return self.get(int(cur.lastrowid or 0))

    def queued(self, entry_id: int, batch: int, note: str = "") -> None:
        """The file's rows are in the queue as ``batch`` (``note``: its summary)."""
        self._set(entry_id, state="queued", batch=batch, note=note)

    def results(self, entry_id: int, path: Path) -> None:
        """The results workbook of the entry goes to ``path`` (chosen once)."""
        self._set(entry_id, results=str(path))

    def delivered(self, entry_id: int) -> None:
        """The results workbook is written and the batch summarised."""
        self._set(entry_id, state="delivered")

    def rejected(self, entry_id: int, moved_to: Path, note: str) -> None:
        """A taken file turned out unreadable before its batch committed: it was rejected."""
        self._set(entry_id, state="rejected", archived=str(moved_to), note=note)

    def lost(self, entry_id: int, note: str) -> None:
        """A taken file vanished before it was queued (someone moved it by hand)."""
        self._set(entry_id, state="lost", note=note)

    def seen(self, bot: str, checksum: str) -> Entry | None:
        """The entry that took these bytes for ``bot`` before, if any."""
        rows = self.db.execute(
            "SELECT * FROM robot_inbox_files WHERE bot = ? AND checksum = ? AND state IN"
            " ('taken', 'queued', 'delivered') ORDER BY id LIMIT 1", (bot, checksum)).fetchall()
        return _entry(rows[0]) if rows else None

    def in_state(self, schedule: str, state: str) -> list[Entry]:
        """The schedule's entries in ``state``, oldest first."""
        rows = self.db.execute("SELECT * FROM robot_inbox_files WHERE schedule = ? AND"
                               " state = ? ORDER BY id", (schedule, state)).fetchall()
        return [_entry(r) for r in rows]

    def entries(self, schedule: str | None = None) -> list[Entry]:
        """Every entry (of one schedule), oldest first."""
        rows = self.db.execute("SELECT * FROM robot_inbox_files WHERE (? IS NULL OR"
                               " schedule = ?) ORDER BY id", (schedule, schedule)).fetchall()
        return [_entry(r) for r in rows]

    def get(self, entry_id: int) -> Entry:
        """One entry by id."""
        row = self.db.execute("SELECT * FROM robot_inbox_files WHERE id = ?",
                              (entry_id,)).fetchone()
        if row is None:
            raise KeyError(entry_id)
        return _entry(row)

    def close(self) -> None:
        """Release the connection."""
        self.db.close()

    def _set(self, entry_id: int, **fields: object) -> None:
        assignments = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE robot_inbox_files SET {assignments}, updated_at = ?"
                        " WHERE id = ?", (*fields.values(), _now(), entry_id))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(*(row[k] for k in ("id", "schedule", "bot", "name", "source", "checksum",
                                    "state", "archived", "batch", "results", "note",
                                    "taken_at")))
