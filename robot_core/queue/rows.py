"""What every ``Store`` backend shares: the filter of the bulk commands, and rows to records.

A backend hands rows over as mappings; timestamps may come as ISO text (SQLite) or as
``datetime`` (PostgreSQL), JSON as text or as decoded values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from robot_core.errors import SecretsErased
from robot_core.outcome import Status
from robot_core.queue.base import (
    CONFLICT,
    CORRECTED,
    AuditAnchor,
    Batch,
    Change,
    Item,
    NewItem,
    change_kind,
)


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def when(value: Any) -> datetime | None:
    """A stored timestamp as an aware ``datetime``."""
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def decoded(value: Any) -> Any:
    """A stored JSON value, decoded."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def item_filter(ids: Sequence[int], states: Iterable[Status], bot: str | None,
                batch: int | None, mark: str = "?") -> tuple[str, list[Any]]:
    """A ``WHERE`` clause over items and its parameters (``mark`` is the placeholder)."""
    clauses: list[str] = ["1 = 1"]
    params: list[Any] = []
    if ids:
        clauses.append(f"id IN ({', '.join(mark for _ in ids)})")
        params += list(ids)
    states = list(states)
    if states:
        clauses.append(f"state IN ({', '.join(mark for _ in states)})")
        params += [s.value for s in states]
    if bot is not None:
        clauses.append(f"bot = {mark}")
        params.append(bot)
    if batch is not None:
        clauses.append(f"id IN (SELECT item FROM batch_items WHERE batch = {mark})")
        params.append(batch)
    return " AND ".join(clauses), params


def to_item(row: Mapping[str, Any]) -> Item:
    """An ``items`` row (with ``batch_row`` when read through a batch) as an ``Item``."""
    batch_row = row.get("batch_row")
    return Item(
        id=row["id"], bot=row["bot"], batch=row["batch"], key=row["key"],
        row_number=batch_row if batch_row is not None else row["row_number"],
        payload=decoded(row["payload"]),
        state=Status(row["state"]), attempts=row["attempts"], lease_owner=row["lease_owner"],
        lease_expires=when(row["lease_expires"]), priority=row["priority"],
        defer_until=when(row["defer_until"]), due_by=when(row["due_by"]),
        error_kind=row["error_kind"], error=row["error"], screenshot=row["screenshot"],
        outputs=decoded(row["outputs"]), was_uncertain=bool(row["was_uncertain"]),
        tries=row["tries"], created_at=when(row["created_at"]),
        updated_at=when(row["updated_at"]), content_sum=row["content_sum"],
        maybe_saved=bool(row["maybe_saved"]), system_failures=row["system_failures"],
        note=row.get("batch_note") or "")


def to_batch(row: Mapping[str, Any]) -> Batch:
    """A ``batches`` row as a ``Batch``."""
    return Batch(id=row["id"], bot=row["bot"], source=row["source"], checksum=row["checksum"],
                 sheet=row["sheet"], headers=decoded(row["headers"]),
                 created_at=when(row["created_at"]) or now(), new=row["new"],
                 duplicates=row["duplicates"], corrected=row["corrected"],
                 conflicts=row["conflicts"])


def compared(found: Mapping[str, Any] | None, batch_id: int, item: NewItem) -> Change | None:
    """What ``item`` does to the queued item ``found`` (state, content_sum, maybe_saved,
    batch, and ``here``: the item has a row in this batch already): a ``Change`` (corrected
    or conflict), or None (same content, or the same key twice in one file, where its first
    row counts)."""
    if found is None or found["batch"] == batch_id or found["here"]:
        return None
    kind = change_kind(found["state"], bool(found["maybe_saved"]), found["content_sum"],
                       item.content_sum)
    if not kind:
        return None
    return Change(item.key, item.row_number, kind, found["state"], found["content_sum"],
                  item.content_sum)


def tally(changes: Sequence[Change]) -> tuple[int, int]:
    """(corrected, conflicts) among ``changes``."""
    corrected = sum(c.kind == CORRECTED for c in changes)
    return corrected, sum(c.kind == CONFLICT for c in changes)


def correction_sql(mark: str, now_sql: str) -> str:
    """The ``UPDATE`` that gives a queued item a corrected row's content (both stores).

    Parameters: batch, row number, payload, content sum, state, error kind, error,
    screenshot (of the new row), then the item's bot and key. ``now_sql`` is the store's
    clock.
    """
    return ("UPDATE items SET batch = {m}, row_number = {m}, payload = {m}, content_sum = {m},"
            " state = {m}, attempts = 0, tries = 0, system_failures = 0, defer_until = NULL,"
            " error_kind = {m}, error = {m}, screenshot = {m}, outputs = '{{}}',"
            " was_uncertain = {f}, updated_at = {now} WHERE bot = {m} AND key = {m}"
            ).format(m=mark, now=now_sql, f="0" if mark == "?" else "false")


def to_anchor(row: Mapping[str, Any]) -> AuditAnchor:
    """An ``audit_anchors`` row as an ``AuditAnchor``."""
    return AuditAnchor(run_id=row["run_id"], bot=row["bot"], lines=int(row["lines"]),
                       last_hash=row["last_hash"], key_id=row["key_id"],
                       anchored_at=when(row["anchored_at"]))


def sql_states(states: Iterable[Status]) -> str:
    """``'done', 'failed'``: states as an SQL list, the same text for both stores."""
    return ", ".join(f"'{state.value}'" for state in sorted(states))


def erased_error(ids: Sequence[int]) -> SecretsErased:
    """Why ``retry`` refuses items whose secrets were erased (``ids``: up to 11 of them)."""
    named = ", ".join(str(i) for i in ids[:10]) + (", …" if len(ids) > 10 else "")
    return SecretsErased(
        f"not retried: item(s) {named} finished, so their secret columns were erased and "
        "they would be typed with those fields blank; leave them out, and enter those "
        "cases from their case file (nothing was changed)")


def pick_slot(rows: Sequence[Mapping[str, Any]], limit: int, owner: str, host: str,
              is_alive: Callable[[str], bool]) -> tuple[bool, list[int], int | None]:
    """Given an app's slot rows: does ``owner`` hold one already, the slots of dead workers on
    this host (to delete), and the lowest free slot below ``limit`` (None if none is)."""
    if any(r["owner"] == owner for r in rows):
        return True, [], None
    dead = [r["slot"] for r in rows if r["owner"].startswith(f"{host}:")
            and not is_alive(r["owner"])]
    held = {r["slot"] for r in rows} - set(dead)
    return False, dead, next((n for n in range(limit) if n not in held), None)
