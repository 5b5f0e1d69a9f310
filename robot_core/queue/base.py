"""The work queue's contract: items, their states, and the ``Store`` protocol.

An item's state is a ``robot_core.outcome.Status`` (the one enum of a case's outcome), and
a worker completes an item with the runner's ``CaseResult``. States::

    pending ──claim──▶ in_progress ──complete──▶ done | business_failed | failed | mismatch
       ▲                  │   │   └── requeue (a system failure, deferred) ──▶ pending | uncertain
       │      release ◀───┘   └── lease expired (worker crashed) ──▶ uncertain
       └──── retry ◀── failed | business_failed | mismatch | cancelled      uncertain ──claim──▶ …
       └──── correction (a re-ingested row with new content) ◀── pending | business_failed | failed

An ``uncertain`` item may or may not be in the legacy system already: the runner asks the
bot's ``verify`` block before typing it again. A ``mismatch`` item is in it, with values the
case does not have (an ``expect`` after the saving click disagreed): no worker takes it
again; a person looks at the record. A unique key per bot (the case key) means the same
case is queued once, however often its export is dropped in.

Secret columns are sealed in the payload (``queue/payload.py``). The ``UPDATE`` that makes an
item ``done``, ``business_failed``, ``mismatch`` or ``cancelled`` also erases them (``sealed``
becomes ``null``): no person or system will type that case again. ``mismatch`` is treated as
``done`` here because the case did reach the legacy system: what is wrong is fixed there, by
hand, and typing the case again from the queue would add a second record beside the wrong
one. A ``failed`` item keeps them, sealed, because ``failed`` is what an operator retries
after an outage; cancelling it erases them. ``retry`` refuses an item whose secrets were
erased (it would type blanks).

Corrections: each item keeps a keyed checksum of its case's content (``content_sum``, never
the values). A row re-ingested under a queued key with another checksum *corrects* the item
when the case never reached the legacy system (``CORRECTABLE`` and not ``maybe_saved``): it
takes the new content and goes back to ``pending``. Any other state (done, uncertain,
mismatch, in progress, cancelled) makes it a *conflict*: nothing changes, and the batch's row
says so. ``maybe_saved`` is sticky: set when a result says a failed attempt may have saved the
case, or when an uncertain item is claimed; ``retry`` then returns it ``uncertain`` (verified
before it is typed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# Re-exported for the backends; the class lives in the one error tree.
from robot_core.errors import QueueError as QueueError  # noqa: PLC0414
from robot_core.outcome import CaseResult, Status

# How long any store waits for another program's lock before a clear QueueError.
BUSY_TIMEOUT_MS = int(os.environ.get("ROBOT_DB_BUSY_MS", "10000"))
CLAIMABLE = (Status.PENDING, Status.UNCERTAIN)
# Reaching one of these erases an item's sealed secrets in the same statement.
ERASES_SECRETS = frozenset({Status.DONE, Status.BUSINESS_FAILED, Status.MISMATCH,
                            Status.CANCELLED})


@dataclass
class NewItem:
    """A case to enqueue."""

    key: str
    row_number: int
    payload: dict[str, Any]
    state: Status = Status.PENDING
    error_kind: str = ""
    error: str = ""
    screenshot: str = ""
    priority: int = 0
    due_by: datetime | None = None
    content_sum: str = ""  # keyed checksum of the case's content (``Sealer.checksum``)


@dataclass
class Item:
    """A work item as stored."""

    id: int
    bot: str
    batch: int
    key: str
    row_number: int
    payload: dict[str, Any]
    state: Status
    attempts: int = 0
    lease_owner: str | None = None
    lease_expires: datetime | None = None
    priority: int = 0
    defer_until: datetime | None = None
    due_by: datetime | None = None
    error_kind: str = ""
    error: str = ""
    screenshot: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    was_uncertain: bool = False
    tries: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    content_sum: str = ""
    maybe_saved: bool = False
    system_failures: int = 0  # rounds that ended in a system failure and were requeued
    note: str = ""  # read through a batch: "corrected" or "conflict" for that file's row

    @property
    def result(self) -> CaseResult:
        """The item's last result as stored (``pending`` and no error before a worker's)."""
        return CaseResult(self.key, self.row_number, self.state, outputs=dict(self.outputs),
                          error=self.error, error_kind=self.error_kind,
                          screenshot=self.screenshot, attempts=self.tries,
                          maybe_saved=self.maybe_saved, conflict=self.note == CONFLICT)


CORRECTED, CONFLICT = "corrected", "conflict"
# A queued case in one of these that may not have been saved takes a corrected row.
CORRECTABLE = frozenset({Status.PENDING, Status.BUSINESS_FAILED, Status.FAILED})


def change_kind(state: str, maybe_saved: bool, old_sum: str, new_sum: str) -> str:
    """What a re-ingested row does to its queued item: "" (nothing), corrected or conflict.

    An item or row without a checksum (queued before checksums were kept) cannot be
    compared: nothing changes.
    """
    if not old_sum or not new_sum or old_sum == new_sum:
        return ""
    return CORRECTED if Status(state) in CORRECTABLE and not maybe_saved else CONFLICT


@dataclass(frozen=True)
class Change:
    """A row of a batch that corrected a queued case, or conflicts with one (no values)."""

    key: str
    row_number: int
    kind: str  # CORRECTED | CONFLICT
    state: str  # the item's state before the row came
    old_sum: str
    new_sum: str


@dataclass
class Batch:
    """One ingested case file."""

    id: int
    bot: str
    source: str
    checksum: str
    sheet: str
    headers: list[str]
    created_at: datetime
    new: int = 0
    duplicates: int = 0  # already queued with the same content (or not comparable)
    corrected: int = 0
    conflicts: int = 0
    # What ``add_batch`` changed or refused, row by row; empty when a batch is read back.
    changes: list[Change] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class AuditAnchor:
    """What a run's audit trail was when the run ended, kept away from the run folder.

    ``lines`` and ``last_hash`` let a check tell a cut tail or an appended line; ``key_id``
    names the audit key that keyed it ("" for an unkeyed trail).
    """

    run_id: str
    bot: str
    lines: int
    last_hash: str
    key_id: str
    anchored_at: datetime | None = None


class Store(Protocol):
    """A durable queue. Every method is atomic; ``QueueError`` when the database fails."""

    def add_batch(self, bot: str, source: str, checksum: str, sheet: str,
                  headers: Sequence[str], items: Iterable[NewItem]) -> Batch:
        """Record a batch and insert its items; a row whose (bot, key) exists is compared.

        Same content: skipped (a duplicate). Other content: the item is corrected or the row
        is a conflict (``change_kind``); the batch's row carries the note. The returned batch
        says how many were ``new``, ``duplicates``, ``corrected`` and ``conflicts``, and
        lists the ``changes``.
        """

    def claim(self, bot: str, owner: str, lease_s: float, batch: int | None = None,
              ) -> Item | None:
        """Atomically lease the next claimable item (priority, then age), or None.

        Expired leases are turned ``uncertain`` first. ``attempts`` is incremented.
        """

    def heartbeat(self, item_id: int, owner: str, lease_s: float) -> bool:
        """Extend a lease; False if the item is no longer leased by ``owner``."""

    def complete(self, item_id: int, owner: str, result: CaseResult) -> bool:
        """Record a case's final result; False (and no change) if ``owner`` lost the lease.

        The item takes ``result``'s status, outputs, error, error kind and screenshot (relative
        to ``ROBOT_HOME``); its ``tries`` grow by ``result.attempts`` (at least 1). A status
        in ``ERASES_SECRETS`` erases the item's sealed secrets in the same update.
        """

    def release(self, item_id: int, owner: str, state: Status, defer_s: float = 0) -> bool:
        """Give the item back (``pending`` or ``uncertain``), optionally deferred."""

    def requeue(self, item_id: int, owner: str, result: CaseResult, state: Status,
                defer_s: float) -> bool:
        """A round that ended in a system failure: back to ``state`` (pending or uncertain)
        in ``defer_s`` seconds; False (and no change) if ``owner`` lost the lease.

        The item keeps ``result``'s error, error kind and screenshot (what staff see until
        the next try), its ``tries`` grow as in ``complete``, ``system_failures`` by one,
        ``attempts`` start again from 0 (they count claims since the last round), and
        ``maybe_saved`` takes ``result``'s if set.
        """

    def due_now(self, ids: Sequence[int]) -> int:
        """Items among ``ids`` waiting out a deferral (``pending``/``uncertain``) become due
        at once, all else kept (the breaker's verdict: the system was down, not they); how
        many changed. An item in any other state is left alone."""

    def reclaim_dead(self, host: str, is_alive: Callable[[str], bool]) -> int:
        """Turn items leased by dead workers of ``host`` uncertain now; return how many."""

    def take_slot(self, app: str, limit: int, owner: str, lease_s: float, host: str,
                  is_alive: Callable[[str], bool]) -> bool:
        """Lease one of ``app``'s ``limit`` session slots for ``owner``; False if none is free.

        The application's licence limit (``max_sessions``), kept across every worker and
        machine that shares this queue. Slots whose lease ran out, and those of ``host``'s
        workers that are gone, are freed first; an owner holding one keeps it (renewed).
        """

    def keep_slot(self, app: str, owner: str, lease_s: float) -> bool:
        """Extend ``owner``'s slot lease; False if it no longer holds one."""

    def free_slot(self, app: str, owner: str) -> None:
        """Give ``owner``'s slot back (nothing happens if it holds none)."""

    def get(self, item_id: int) -> Item:
        """One item; ``KeyError`` if unknown."""

    def batch(self, batch_id: int) -> Batch:
        """One batch; ``KeyError`` if unknown."""

    def items(self, bot: str | None = None, batch: int | None = None,
              states: Sequence[Status] = ()) -> list[Item]:
        """Items in id order, filtered."""

    def iter_items(self, batch: int, chunk: int = 500) -> Iterator[Item]:
        """The batch's items in its file's row order, read ``chunk`` at a time.

        One consistent reading however long the batch; memory holds one chunk. Read-only.
        """

    def batches(self, bot: str | None = None) -> list[Batch]:
        """Batches, newest first."""

    def counts(self, bot: str | None = None) -> dict[tuple[str, int], dict[Status, int]]:
        """{(bot, batch): {state: n}}: each item once, under the batch that first queued it.

        A batch whose every case was already queued has no entry (its ``duplicates`` say
        how many it named); a re-ingest never counts a case again.
        """

    def anchor_audit(self, anchor: AuditAnchor) -> None:
        """Keep (or, for a resumed run, move forward) the anchor of ``anchor.run_id``."""

    def audit_anchor(self, run_id: str) -> AuditAnchor | None:
        """The anchor of one run, or None (it never ended cleanly, or is older)."""

    def audit_anchors(self) -> list[AuditAnchor]:
        """Every anchor, by run id."""

    def retry(self, ids: Sequence[int] = (), states: Sequence[Status] = (),
              bot: str | None = None) -> int:
        """Put final items back to ``pending`` with attempts reset; return how many.

        An item that may have been saved (``maybe_saved``) goes back ``uncertain`` instead:
        the bot's ``verify`` looks before it is typed again.

        ``QueueError`` (and no change) if any chosen item's secrets were erased.
        """

    def cancel(self, ids: Sequence[int] = (), states: Sequence[Status] = (),
               bot: str | None = None, batch: int | None = None) -> int:
        """Cancel items that are not in progress (erasing their secrets); return how many."""

    def close(self) -> None:
        """Release the connection."""
