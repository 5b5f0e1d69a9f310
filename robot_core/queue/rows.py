"""What every ``Store`` backend shares: the filter of the bulk commands, and rows to records.

A backend hands rows over as mappings; timestamps may come as ISO text (SQLite) or as
``datetime`` (PostgreSQL), JSON as text or as decoded values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from robot_core.errors import SecretsErased
from robot_core.outcome import Status
from robot_core.queue.base import AuditAnchor, Batch, Item


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
        updated_at=when(row["updated_at"]))


def to_batch(row: Mapping[str, Any]) -> Batch:
    """A ``batches`` row as a ``Batch``."""
    return Batch(id=row["id"], bot=row["bot"], source=row["source"], checksum=row["checksum"],
                 sheet=row["sheet"], headers=decoded(row["headers"]),
                 created_at=when(row["created_at"]) or now(), new=row["new"],
                 duplicates=row["duplicates"])


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
