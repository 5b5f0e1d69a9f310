"""The embedded queue: one SQLite file (``ROBOT_HOME/queue.db``) in WAL mode.

Claims are atomic across processes: ``BEGIN IMMEDIATE`` takes the write lock, then one
``UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING`` leases the item. The schema carries a
version, and numbered migrations bring an older file forward.

The file and its ``-wal``/``-shm`` companions are 0600 in a 0700 folder: they hold case data.
``secure_delete`` zeroes what an update leaves behind, so an erased secret does not linger
in a free page.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from robot_core.outcome import FINAL_STATES, CaseResult, Status
from robot_core.private import private_file, tighten_sqlite
from robot_core.queue.base import (
    BUSY_TIMEOUT_MS,
    CLAIMABLE,
    CORRECTED,
    ERASES_SECRETS,
    Batch,
    Change,
    Item,
    NewItem,
    QueueError,
)
from robot_core.queue.rows import (
    compared,
    correction_sql,
    erased_error,
    item_filter,
    sql_states,
    tally,
    to_batch,
    to_item,
)
from robot_core.queue.rows import now as _now
from robot_core.queue.sqlite_schema import MIGRATIONS
from robot_core.queue.sqlite_side import SQLiteSideTables, _ts

# The sealed secrets of an item, erased (JSON null) if it has any; see queue/base.py.
_ERASE = ("payload = CASE WHEN json_type(payload, '$.sealed') = 'text'"
          " THEN json_set(payload, '$.sealed', json('null')) ELSE payload END")
_ERASING = sql_states(ERASES_SECRETS)
_FINAL = sql_states(FINAL_STATES)
_CORRECT = correction_sql("?", "?")


def _as_dict(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


class SQLiteStore(SQLiteSideTables):
    """``Store`` on one SQLite file."""

    def __init__(self, path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        try:
            private_file(path)  # made 0600 before SQLite opens it; it copies the mode
            self._db = sqlite3.connect(path, timeout=busy_timeout_ms / 1000,
                                       isolation_level=None, check_same_thread=False)
            self._db.row_factory = _as_dict  # rows as the mappings queue/rows.py reads
            self._lock = threading.RLock()  # the heartbeat thread shares the connection
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA secure_delete = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise QueueError(self._explain(exc)) from exc
        except OSError as exc:
            raise QueueError(f"{path}: cannot create the queue database ({exc.strerror})") from exc
        tighten_sqlite(path)

    def _explain(self, exc: sqlite3.Error) -> str:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return (f"{self.path}: the queue database is locked by another program "
                    f"(waited {self.busy_timeout_ms / 1000:g} s); nothing was changed")
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return (f"{self.path}: the queue database is damaged ({text}); nothing was "
                    "changed. Keep the file for inspection and restore it from backup")
        return f"{self.path}: queue database error: {text}"

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so two workers never interleave."""
        with self._lock:
            yield from self._transaction()

    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise QueueError(self._explain(exc)) from exc
        try:
            yield self._db
        except sqlite3.Error as exc:
            self._db.execute("ROLLBACK")
            raise QueueError(self._explain(exc)) from exc
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        try:
            with self._lock:
                return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise QueueError(self._explain(exc)) from exc

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()["user_version"]
        if version > len(MIGRATIONS):
            raise QueueError(f"{self.path}: made by a newer robot (schema {version})")
        for number in range(version, len(MIGRATIONS)):
            with self._tx() as db:
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

    # -- writing ---------------------------------------------------------------------------
    def add_batch(self, bot: str, source: str, checksum: str, sheet: str,
                  headers: Sequence[str], items: Iterable[NewItem]) -> Batch:
        """Record the batch, insert new items, correct the correctable: one transaction."""
        now = _now()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO batches (bot, source, checksum, sheet, headers, created_at, new,"
                " duplicates) VALUES (?, ?, ?, ?, ?, ?, 0, 0)",
                (bot, source, checksum, sheet, json.dumps(list(headers), ensure_ascii=False),
                 _ts(now)))
            batch_id = int(cur.lastrowid or 0)
            new = duplicates = 0
            changes: list[Change] = []
            for item in items:
                inserted = db.execute(
                    "INSERT OR IGNORE INTO items (bot, batch, key, row_number, payload, state,"
                    " priority, due_by, error_kind, error, screenshot, content_sum, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (bot, batch_id, item.key, item.row_number,
                     json.dumps(item.payload, ensure_ascii=False), item.state.value,
                     item.priority, _ts(item.due_by), item.error_kind, item.error,
                     item.screenshot, item.content_sum, _ts(now), _ts(now))).rowcount
                change = None if inserted else self._compare(db, bot, batch_id, item, now)
                new += inserted
                duplicates += not inserted and change is None
                if change is not None:
                    changes.append(change)
                # Every row of every file stays in its batch, so each export gets a full
                # results workbook even when its cases were queued by an earlier file.
                db.execute("INSERT OR IGNORE INTO batch_items (batch, item, row_number, note)"
                           " SELECT ?, id, ?, ? FROM items WHERE bot = ? AND key = ?",
                           (batch_id, item.row_number, change.kind if change else "", bot,
                            item.key))
            db.execute("UPDATE batches SET new = ?, duplicates = ?, corrected = ?,"
                       " conflicts = ? WHERE id = ?", (new, duplicates, *tally(changes), batch_id))
        batch = self.batch(batch_id)
        batch.changes = changes
        return batch

    @staticmethod
    def _compare(db: sqlite3.Connection, bot: str, batch_id: int, item: NewItem,
                 now: datetime) -> Change | None:
        """A queued case met again: correct it, note a conflict, or nothing (same content)."""
        change = compared(db.execute(
            "SELECT state, content_sum, maybe_saved, batch, EXISTS (SELECT 1 FROM batch_items"
            " WHERE batch = ? AND item = items.id) AS here FROM items WHERE bot = ? AND key = ?",
            (batch_id, bot, item.key)).fetchone(), batch_id, item)
        if change is not None and change.kind == CORRECTED:
            db.execute(_CORRECT, (batch_id, item.row_number,
                                  json.dumps(item.payload, ensure_ascii=False), item.content_sum,
                                  item.state.value, item.error_kind, item.error,
                                  item.screenshot, _ts(now), bot, item.key))
        return change

    def claim(self, bot: str, owner: str, lease_s: float, batch: int | None = None,
              ) -> Item | None:
        """Lease the next item; expired leases become uncertain first."""
        now = _now()
        with self._tx() as db:
            self._expire(db, now)
            row = db.execute(
                "UPDATE items SET state = ?, lease_owner = ?, lease_expires = ?,"
                " attempts = attempts + 1, was_uncertain = (state = 'uncertain'),"
                " maybe_saved = (maybe_saved OR state = 'uncertain'),"
                " updated_at = ? WHERE id = (SELECT id FROM items WHERE bot = ?"
                " AND state IN (?, ?) AND (defer_until IS NULL OR defer_until <= ?)"
                " AND (? IS NULL OR id IN (SELECT item FROM batch_items WHERE batch = ?))"
                " ORDER BY priority DESC, id LIMIT 1)"
                " RETURNING *",
                (Status.IN_PROGRESS.value, owner, _ts(now + timedelta(seconds=lease_s)),
                 _ts(now), bot, *(s.value for s in CLAIMABLE), _ts(now), batch, batch),
            ).fetchone()
        return to_item(row) if row else None

    def _expire(self, db: sqlite3.Connection, now: datetime) -> None:
        db.execute("UPDATE items SET state = ?, lease_owner = NULL, lease_expires = NULL,"
                   " updated_at = ? WHERE state = ? AND lease_expires < ?",
                   (Status.UNCERTAIN.value, _ts(now), Status.IN_PROGRESS.value, _ts(now)))

    def heartbeat(self, item_id: int, owner: str, lease_s: float) -> bool:
        """Push the lease's expiry forward."""
        expires = _now() + timedelta(seconds=lease_s)
        with self._tx() as db:
            return db.execute(
                "UPDATE items SET lease_expires = ? WHERE id = ? AND lease_owner = ?"
                " AND state = ?", (_ts(expires), item_id, owner, Status.IN_PROGRESS.value),
            ).rowcount == 1

    def complete(self, item_id: int, owner: str, result: CaseResult) -> bool:
        """Store the result if ``owner`` still holds the lease."""
        erase = _ERASE if result.status in ERASES_SECRETS else "payload = payload"
        with self._tx() as db:
            return db.execute(
                "UPDATE items SET state = ?, outputs = ?, error_kind = ?, error = ?,"
                " screenshot = ?, tries = tries + ?, lease_owner = NULL, lease_expires = NULL,"
                " maybe_saved = (maybe_saved OR ?),"
                f" updated_at = ?, {erase} WHERE id = ? AND lease_owner = ? AND state = ?",
                (result.status.value, json.dumps(result.outputs, ensure_ascii=False),
                 result.error_kind, result.error, result.screenshot, max(result.attempts, 1),
                 result.maybe_saved, _ts(_now()), item_id, owner,
                 Status.IN_PROGRESS.value)).rowcount == 1

    def requeue(self, item_id: int, owner: str, result: CaseResult, state: Status,
                defer_s: float) -> bool:
        """A system failure back to the queue, deferred, if ``owner`` still holds it."""
        now = _now()
        with self._tx() as db:
            return db.execute(
                "UPDATE items SET state = ?, error_kind = ?, error = ?, screenshot = ?,"
                " tries = tries + ?, attempts = 0, system_failures = system_failures + 1,"
                " maybe_saved = (maybe_saved OR ?), defer_until = ?, lease_owner = NULL,"
                " lease_expires = NULL, updated_at = ? WHERE id = ? AND lease_owner = ?"
                " AND state = ?",
                (state.value, result.error_kind, result.error, result.screenshot,
                 max(result.attempts, 1), result.maybe_saved,
                 _ts(now + timedelta(seconds=defer_s)), _ts(now), item_id, owner,
                 Status.IN_PROGRESS.value)).rowcount == 1

    def release(self, item_id: int, owner: str, state: Status, defer_s: float = 0) -> bool:
        """Hand the item back to the queue."""
        defer = _ts(_now() + timedelta(seconds=defer_s)) if defer_s else None
        with self._tx() as db:
            return db.execute(
                "UPDATE items SET state = ?, lease_owner = NULL, lease_expires = NULL,"
                " defer_until = ?, updated_at = ? WHERE id = ? AND lease_owner = ?"
                " AND state = ?", (state.value, defer, _ts(_now()), item_id, owner,
                                   Status.IN_PROGRESS.value)).rowcount == 1

    def due_now(self, ids: Sequence[int]) -> int:
        """Deferred waiting items among ``ids`` due at once."""
        if not ids:
            return 0
        where, params = item_filter(ids, CLAIMABLE, None, None)
        with self._tx() as db:
            return db.execute(f"UPDATE items SET defer_until = NULL, updated_at = ? WHERE {where}"
                              " AND defer_until IS NOT NULL", (_ts(_now()), *params)).rowcount

    def reclaim_dead(self, host: str, is_alive: Callable[[str], bool]) -> int:
        """Items leased by this host's workers that are gone become uncertain now."""
        with self._tx() as db:
            rows = db.execute("SELECT id, lease_owner FROM items WHERE state = ?"
                              " AND lease_owner LIKE ?",
                              (Status.IN_PROGRESS.value, f"{host}:%")).fetchall()
            dead = [r["id"] for r in rows if not is_alive(r["lease_owner"])]
            for item_id in dead:
                db.execute("UPDATE items SET state = ?, lease_owner = NULL,"
                           " lease_expires = NULL, updated_at = ? WHERE id = ?",
                           (Status.UNCERTAIN.value, _ts(_now()), item_id))
        return len(dead)

    def retry(self, ids: Sequence[int] = (), states: Sequence[Status] = (),
              bot: str | None = None) -> int:
        """Final items back to pending, attempts reset."""
        where, params = item_filter(ids, states or FINAL_STATES, bot, None)
        with self._tx() as db:
            erased = db.execute(
                f"SELECT id FROM items WHERE {where} AND state IN ({_ERASING})"
                " AND json_type(payload, '$.sealed') = 'null' ORDER BY id LIMIT 11",
                params).fetchall()
            if erased:
                raise erased_error([r["id"] for r in erased])
            return db.execute(
                "UPDATE items SET state = CASE WHEN maybe_saved THEN 'uncertain'"
                " ELSE 'pending' END, attempts = 0, tries = 0, system_failures = 0,"
                " defer_until = NULL, error_kind = '', error = '', screenshot = '',"
                f" updated_at = ? WHERE {where}"
                f" AND state IN ({_FINAL})",
                (_ts(_now()), *params)).rowcount

    def cancel(self, ids: Sequence[int] = (), states: Sequence[Status] = (),
               bot: str | None = None, batch: int | None = None) -> int:
        """Cancel items not being worked on."""
        where, params = item_filter(ids, states or (Status.PENDING, Status.UNCERTAIN), bot, batch)
        with self._tx() as db:
            return db.execute(
                f"UPDATE items SET state = 'cancelled', updated_at = ?, {_ERASE} WHERE {where}"
                " AND state != 'in_progress'", (_ts(_now()), *params)).rowcount

    # -- reading ---------------------------------------------------------------------------
    def get(self, item_id: int) -> Item:
        """One item by id."""
        rows = self._read("SELECT * FROM items WHERE id = ?", (item_id,))
        if not rows:
            raise KeyError(item_id)
        return to_item(rows[0])

    def items(self, bot: str | None = None, batch: int | None = None,
              states: Sequence[Status] = ()) -> list[Item]:
        """Filtered items in id order."""
        where, params = item_filter((), states, bot, None)
        if batch is None:
            sql = f"SELECT * FROM items WHERE {where} ORDER BY id"
        else:
            # In a batch, an item sits at that file's row (it may have come from another).
            sql = ("SELECT items.*, b.row_number AS batch_row, b.note AS batch_note"
                   " FROM items JOIN batch_items b"
                   f" ON b.item = items.id WHERE b.batch = ? AND {where} ORDER BY b.row_number")
            params = [batch, *params]
        return [to_item(r) for r in self._read(sql, params)]

    def iter_items(self, batch: int, chunk: int = 500) -> Iterator[Item]:
        """A batch's items in row order, from one statement on a connection of its own:
        one snapshot (WAL), never holding the shared lock between chunks nor blocking a
        writer; SQLite's sorter spills to disk, so memory is one chunk."""
        try:
            reader = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000,
                                     isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise QueueError(self._explain(exc)) from exc
        reader.row_factory = _as_dict
        try:
            cursor = reader.execute(
                "SELECT items.*, b.row_number AS batch_row, b.note AS batch_note"
                " FROM batch_items b JOIN items ON items.id = b.item WHERE b.batch = ?"
                " ORDER BY b.row_number, b.item", (batch,))
            while rows := cursor.fetchmany(chunk):
                yield from (to_item(r) for r in rows)
        except sqlite3.Error as exc:
            raise QueueError(self._explain(exc)) from exc
        finally:
            reader.close()

    def batch(self, batch_id: int) -> Batch:
        """One batch by id."""
        rows = self._read("SELECT * FROM batches WHERE id = ?", (batch_id,))
        if not rows:
            raise KeyError(batch_id)
        return to_batch(rows[0])

    def batches(self, bot: str | None = None) -> list[Batch]:
        """Batches, newest first."""
        rows = self._read("SELECT * FROM batches WHERE (? IS NULL OR bot = ?) ORDER BY id DESC",
                          (bot, bot))
        return [to_batch(r) for r in rows]

    def counts(self, bot: str | None = None) -> dict[tuple[str, int], dict[Status, int]]:
        """Items per state for each (bot, batch)."""
        out: dict[tuple[str, int], dict[Status, int]] = {}
        for row in self._read("SELECT bot, batch, state, COUNT(*) AS n FROM items"
                              " WHERE (? IS NULL OR bot = ?) GROUP BY bot, batch, state"
                              " ORDER BY bot, batch", (bot, bot)):
            out.setdefault((row["bot"], row["batch"]), {})[Status(row["state"])] = row["n"]
        return out

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
