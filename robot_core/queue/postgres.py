"""The shared queue: one PostgreSQL database for many robot machines (``ROBOT_DB=postgresql://…``).

Claims are atomic across machines: ``SELECT … FOR UPDATE SKIP LOCKED`` picks the next free
item and the same statement leases it, so workers never wait on each other's rows. Every
time (lease expiry, deferral) comes from the database's clock, so machines whose clocks
disagree still agree on who holds what. The schema carries a version in ``robot_schema``;
migrations run under an advisory lock, so machines starting together migrate once.

Secret columns arrive sealed (``queue/payload.py``); the key stays on each machine
(``ROBOT_KEY``, the same on all of them), never in the database.

Needs the ``postgres`` extra: ``pip install 'robot-core[postgres]'``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from robot_core.outcome import FINAL_STATES, CaseResult, Status
from robot_core.queue.base import (
    BUSY_TIMEOUT_MS,
    CLAIMABLE,
    ERASES_SECRETS,
    Batch,
    Change,
    Item,
    NewItem,
    QueueError,
)
from robot_core.queue.postgres_changes import chunk_changes
from robot_core.queue.postgres_schema import MIGRATIONS
from robot_core.queue.postgres_side import LEASE as _LEASE
from robot_core.queue.postgres_side import PostgresSideTables
from robot_core.queue.rows import (
    erased_error,
    item_filter,
    sql_states,
    tally,
    to_batch,
    to_item,
)

_MIGRATION_LOCK = 0x726F626F74  # "robot": one advisory lock key for schema changes
# Written out, not a parameter, so the planner can use the partial index items_ready.
_CLAIMABLE = ", ".join(f"'{state.value}'" for state in CLAIMABLE)
_CHUNK = 500  # rows sent to the server per round trip while a batch streams in
# The sealed secrets of an item, erased (JSON null) if it has any; see queue/base.py.
_ERASE = ("payload = CASE WHEN jsonb_typeof(payload->'sealed') = 'string'"
          " THEN jsonb_set(payload, '{sealed}', 'null'::jsonb) ELSE payload END")
_ERASING = sql_states(ERASES_SECRETS)
_FINAL = sql_states(FINAL_STATES)


def redact(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


class PostgresStore(PostgresSideTables):
    """``Store`` on a PostgreSQL database shared by many machines."""

    def __init__(self, url: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                 connect_timeout_s: int = 10) -> None:
        self.busy_timeout_ms = busy_timeout_ms
        self.where = redact(url)
        self._lock = threading.RLock()  # the heartbeat thread shares the connection
        try:
            self._db = psycopg.connect(url, autocommit=True, row_factory=dict_row,
                                       connect_timeout=connect_timeout_s,
                                       application_name="robot")
        except psycopg.Error as exc:
            raise QueueError(f"{self.where}: cannot reach the queue database "
                             f"({_first_line(exc)}); nothing was changed") from exc
        try:
            # Never wait forever on another machine's lock: fail clearly instead. UTC times.
            self._db.execute("SELECT set_config('lock_timeout', %s, false),"
                             " set_config('TimeZone', 'UTC', false)", (f"{busy_timeout_ms}ms",))
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    # -- plumbing --------------------------------------------------------------------------
    def _explain(self, exc: psycopg.Error) -> str:
        if isinstance(exc, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled):
            return (f"{self.where}: the queue database is locked by another program "
                    f"(waited {self.busy_timeout_ms / 1000:g} s); nothing was changed")
        if isinstance(exc, psycopg.OperationalError):
            return (f"{self.where}: lost the queue database ({_first_line(exc)}); "
                    "nothing was changed")
        return f"{self.where}: queue database error: {_first_line(exc)}"

    @contextmanager
    def _tx(self) -> Iterator[psycopg.Cursor[dict[str, Any]]]:
        """One transaction; an error rolls all of it back and becomes a ``QueueError``."""
        with self._lock:
            try:
                with self._db.transaction(), self._db.cursor() as cur:
                    yield cur
            except psycopg.Error as exc:
                raise QueueError(self._explain(exc)) from exc

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._tx() as cur:
            return cur.execute(sql, params).fetchall()

    def _migrate(self) -> None:
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            cur.execute("CREATE TABLE IF NOT EXISTS robot_schema (version INTEGER NOT NULL)")
            row = cur.execute("SELECT version FROM robot_schema").fetchone()
            version = row["version"] if row else 0
            if row is None:
                cur.execute("INSERT INTO robot_schema (version) VALUES (0)")
            if version > len(MIGRATIONS):
                raise QueueError(f"{self.where}: made by a newer robot (schema {version})")
            for number in range(version, len(MIGRATIONS)):
                cur.execute(MIGRATIONS[number])
                cur.execute("UPDATE robot_schema SET version = %s", (number + 1,))

    # -- writing ---------------------------------------------------------------------------
    def add_batch(self, bot: str, source: str, checksum: str, sheet: str,
                  headers: Sequence[str], items: Iterable[NewItem]) -> Batch:
        """Record the batch, insert new items, correct the correctable: one transaction.

        Rows go to the server a chunk at a time (one round trip per ``_CHUNK``), so a long
        file streams in; a case new to the queue is one whose item this batch created.
        """
        with self._tx() as cur:
            row = cur.execute(
                "INSERT INTO batches (bot, source, checksum, sheet, headers)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (bot, source, checksum, sheet, Jsonb(list(headers)))).fetchone()
            batch_id = int(row["id"]) if row else 0
            total = 0
            changes: list[Change] = []
            stream = iter(items)
            while chunk := list(islice(stream, _CHUNK)):
                total += len(chunk)
                found = chunk_changes(cur, bot, batch_id, chunk)
                changes += found.values()
                cur.executemany(
                    "INSERT INTO items (bot, batch, key, row_number, payload, state, priority,"
                    " due_by, error_kind, error, screenshot, content_sum) VALUES"
                    " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (bot, key) DO NOTHING",
                    [(bot, batch_id, i.key, i.row_number, Jsonb(i.payload), i.state.value,
                      i.priority, i.due_by, i.error_kind, i.error, i.screenshot, i.content_sum)
                     for i in chunk])
                # Every row of every file stays in its batch, so each export gets a full
                # results workbook even when its cases were queued by an earlier file.
                cur.execute(
                    "INSERT INTO batch_items (batch, item, row_number, note)"
                    " SELECT %s, items.id, rows.row_number, rows.note FROM items"
                    " JOIN unnest(%s::text[], %s::integer[], %s::text[])"
                    " AS rows (key, row_number, note)"
                    " ON items.key = rows.key WHERE items.bot = %s ON CONFLICT DO NOTHING",
                    (batch_id, [i.key for i in chunk], [i.row_number for i in chunk],
                     [found[i.key].kind if i.key in found else "" for i in chunk], bot))
            counted = cur.execute("SELECT count(*) AS n FROM items WHERE batch = %s",
                                  (batch_id,)).fetchone()
            corrected, conflicts = tally(changes)
            new = (int(counted["n"]) if counted else 0) - corrected
            cur.execute("UPDATE batches SET new = %s, duplicates = %s, corrected = %s,"
                        " conflicts = %s WHERE id = %s",
                        (new, total - new - corrected - conflicts, corrected, conflicts,
                         batch_id))
        batch = self.batch(batch_id)
        batch.changes = changes
        return batch

    def claim(self, bot: str, owner: str, lease_s: float, batch: int | None = None,
              ) -> Item | None:
        """Lease the next item; expired leases become uncertain first."""
        with self._tx() as cur:
            self._expire(cur)
            row = cur.execute(
                "UPDATE items SET state = %s, lease_owner = %s, lease_expires = " + _LEASE + ","
                " attempts = attempts + 1, was_uncertain = (state = 'uncertain'),"
                " maybe_saved = (maybe_saved OR state = 'uncertain'),"
                " updated_at = now() WHERE id = (SELECT id FROM items WHERE bot = %s"
                f" AND state IN ({_CLAIMABLE}) AND (defer_until IS NULL OR defer_until <= now())"
                " AND (%s::bigint IS NULL OR id IN"
                " (SELECT item FROM batch_items WHERE batch = %s))"
                " ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
                " RETURNING *",
                (Status.IN_PROGRESS.value, owner, lease_s, bot, batch, batch)).fetchone()
        return to_item(row) if row else None

    def _expire(self, cur: psycopg.Cursor[dict[str, Any]]) -> None:
        cur.execute("UPDATE items SET state = %s, lease_owner = NULL, lease_expires = NULL,"
                    " updated_at = now() WHERE state = %s AND lease_expires < now()",
                    (Status.UNCERTAIN.value, Status.IN_PROGRESS.value))

    def heartbeat(self, item_id: int, owner: str, lease_s: float) -> bool:
        """Push the lease's expiry forward."""
        with self._tx() as cur:
            return cur.execute(
                "UPDATE items SET lease_expires = " + _LEASE + " WHERE id = %s"
                " AND lease_owner = %s AND state = %s",
                (lease_s, item_id, owner, Status.IN_PROGRESS.value)).rowcount == 1

    def complete(self, item_id: int, owner: str, result: CaseResult) -> bool:
        """Store the result if ``owner`` still holds the lease."""
        erase = _ERASE if result.status in ERASES_SECRETS else "payload = payload"
        with self._tx() as cur:
            return cur.execute(
                "UPDATE items SET state = %s, outputs = %s, error_kind = %s, error = %s,"
                " screenshot = %s, tries = tries + %s, lease_owner = NULL,"
                " maybe_saved = (maybe_saved OR %s),"
                f" lease_expires = NULL, updated_at = now(), {erase}"
                " WHERE id = %s AND lease_owner = %s AND state = %s",
                (result.status.value, Jsonb(result.outputs), result.error_kind,
                 result.error, result.screenshot, max(result.attempts, 1),
                 result.maybe_saved, item_id, owner,
                 Status.IN_PROGRESS.value)).rowcount == 1

    def requeue(self, item_id: int, owner: str, result: CaseResult, state: Status,
                defer_s: float) -> bool:
        """A system failure back to the queue, deferred by the database's clock."""
        with self._tx() as cur:
            return cur.execute(
                "UPDATE items SET state = %s, error_kind = %s, error = %s, screenshot = %s,"
                " tries = tries + %s, attempts = 0, system_failures = system_failures + 1,"
                " maybe_saved = (maybe_saved OR %s), defer_until = " + _LEASE + ","
                " lease_owner = NULL, lease_expires = NULL, updated_at = now()"
                " WHERE id = %s AND lease_owner = %s AND state = %s",
                (state.value, result.error_kind, result.error, result.screenshot,
                 max(result.attempts, 1), result.maybe_saved, defer_s, item_id, owner,
                 Status.IN_PROGRESS.value)).rowcount == 1

    def release(self, item_id: int, owner: str, state: Status, defer_s: float = 0) -> bool:
        """Hand the item back to the queue."""
        with self._tx() as cur:
            return cur.execute(
                "UPDATE items SET state = %s, lease_owner = NULL, lease_expires = NULL,"
                " defer_until = CASE WHEN %s > 0 THEN " + _LEASE + " END,"
                " updated_at = now() WHERE id = %s AND lease_owner = %s AND state = %s",
                (state.value, defer_s, defer_s, item_id, owner,
                 Status.IN_PROGRESS.value)).rowcount == 1

    def due_now(self, ids: Sequence[int]) -> int:
        """Deferred waiting items among ``ids`` due at once."""
        if not ids:
            return 0
        where, params = item_filter(ids, CLAIMABLE, None, None, mark="%s")
        with self._tx() as cur:
            return cur.execute(f"UPDATE items SET defer_until = NULL, updated_at = now() WHERE"
                               f" {where} AND defer_until IS NOT NULL", params).rowcount

    def reclaim_dead(self, host: str, is_alive: Callable[[str], bool]) -> int:
        """Items leased by this host's workers that are gone become uncertain now."""
        with self._tx() as cur:
            rows = cur.execute("SELECT id, lease_owner FROM items WHERE state = %s"
                               " AND starts_with(lease_owner, %s) FOR UPDATE",
                               (Status.IN_PROGRESS.value, f"{host}:")).fetchall()
            dead = [r["id"] for r in rows if not is_alive(r["lease_owner"])]
            if dead:
                cur.execute("UPDATE items SET state = %s, lease_owner = NULL,"
                            " lease_expires = NULL, updated_at = now() WHERE id = ANY(%s)",
                            (Status.UNCERTAIN.value, dead))
        return len(dead)

    def retry(self, ids: Sequence[int] = (), states: Sequence[Status] = (),
              bot: str | None = None) -> int:
        """Final items back to pending, attempts reset."""
        where, params = item_filter(ids, states or FINAL_STATES, bot, None, mark="%s")
        with self._tx() as cur:
            erased = cur.execute(
                f"SELECT id FROM items WHERE {where} AND state IN ({_ERASING})"
                " AND jsonb_typeof(payload->'sealed') = 'null' ORDER BY id LIMIT 11",
                params).fetchall()
            if erased:
                raise erased_error([r["id"] for r in erased])
            return cur.execute(
                "UPDATE items SET state = CASE WHEN maybe_saved THEN 'uncertain'"
                " ELSE 'pending' END, attempts = 0, tries = 0, system_failures = 0,"
                " defer_until = NULL, error_kind = '', error = '', screenshot = '',"
                f" updated_at = now() WHERE {where}"
                f" AND state IN ({_FINAL})",
                params).rowcount

    def cancel(self, ids: Sequence[int] = (), states: Sequence[Status] = (),
               bot: str | None = None, batch: int | None = None) -> int:
        """Cancel items not being worked on."""
        where, params = item_filter(ids, states or (Status.PENDING, Status.UNCERTAIN), bot,
                                    batch, mark="%s")
        with self._tx() as cur:
            return cur.execute(
                f"UPDATE items SET state = 'cancelled', updated_at = now(), {_ERASE}"
                f" WHERE {where}"
                " AND state != 'in_progress'", params).rowcount

    # -- reading ---------------------------------------------------------------------------
    def get(self, item_id: int) -> Item:
        """One item by id."""
        rows = self._read("SELECT * FROM items WHERE id = %s", (item_id,))
        if not rows:
            raise KeyError(item_id)
        return to_item(rows[0])

    def items(self, bot: str | None = None, batch: int | None = None,
              states: Sequence[Status] = ()) -> list[Item]:
        """Filtered items in id order."""
        where, params = item_filter((), states, bot, None, mark="%s")
        if batch is None:
            sql = f"SELECT * FROM items WHERE {where} ORDER BY id"
        else:
            # In a batch, an item sits at that file's row (it may have come from another).
            sql = ("SELECT items.*, b.row_number AS batch_row, b.note AS batch_note"
                   " FROM items JOIN batch_items b"
                   f" ON b.item = items.id WHERE b.batch = %s AND {where}"
                   " ORDER BY b.row_number")
            params = [batch, *params]
        return [to_item(r) for r in self._read(sql, params)]

    def iter_items(self, batch: int, chunk: int = 500) -> Iterator[Item]:
        """A batch's items in row order, one short read per chunk (keyset: never OFFSET).

        Each chunk is its own statement, so the shared connection is never held between
        two; an item's state may move on between chunks, as between two exports.
        """
        after = (-1, -1)
        while True:
            rows = self._read(
                "SELECT items.*, b.row_number AS batch_row, b.note AS batch_note FROM"
                " (SELECT item, row_number, note FROM batch_items"
                " WHERE batch = %s AND (row_number, item) > (%s, %s)"
                " ORDER BY row_number, item LIMIT %s) b JOIN items ON items.id = b.item"
                " ORDER BY b.row_number, b.item", (batch, *after, chunk))
            yield from (to_item(r) for r in rows)
            if len(rows) < chunk:
                return
            after = (rows[-1]["batch_row"], rows[-1]["id"])

    def batch(self, batch_id: int) -> Batch:
        """One batch by id."""
        rows = self._read("SELECT * FROM batches WHERE id = %s", (batch_id,))
        if not rows:
            raise KeyError(batch_id)
        return to_batch(rows[0])

    def batches(self, bot: str | None = None) -> list[Batch]:
        """Batches, newest first."""
        rows = self._read("SELECT * FROM batches WHERE (%s::text IS NULL OR bot = %s)"
                          " ORDER BY id DESC", (bot, bot))
        return [to_batch(r) for r in rows]

    def counts(self, bot: str | None = None) -> dict[tuple[str, int], dict[Status, int]]:
        """Items per state for each (bot, batch)."""
        out: dict[tuple[str, int], dict[Status, int]] = {}
        for row in self._read("SELECT bot, batch, state, count(*) AS n FROM items"
                              " WHERE (%s::text IS NULL OR bot = %s)"
                              " GROUP BY bot, batch, state ORDER BY bot, batch", (bot, bot)):
            out.setdefault((row["bot"], row["batch"]), {})[Status(row["state"])] = row["n"]
        return out

    def close(self) -> None:
        """Close the connection."""
        self._db.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

