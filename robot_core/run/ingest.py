"""Put a case file into the queue as one batch, and say at once what will fail.

Every row becomes a ``pending`` item. A row rejected at intake carries its problems: the
worker turns it into a business failure with an evidence card, never touching the legacy
system, and the batch's summary names it now (``row 21 フリガナ``: row and column, never a
value), so staff can fix it before the night. Secret columns are sealed before they reach
the store (``queue/payload.py``).

The unique key (bot, case key) makes re-ingesting a file, or an overlapping one, add
nothing. A queued case met again with other content (its keyed checksum differs) is a
*correction* when it never reached the legacy system (it takes the new row and goes back to
``pending``), and a *conflict* otherwise (done, uncertain, mismatch: never typed again);
``Store.add_batch`` decides, and ``record_changes`` writes each to the audit trail with its
old and new checksums, never a value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from robot_core.intake import CaseRow, CaseStream, case_key, open_cases
from robot_core.queue.base import CONFLICT, Batch, NewItem, Store
from robot_core.queue.payload import Sealer, to_payload
from robot_core.script.model import BotScript
from robot_core.vault import Vault

NAMED = 10  # failing rows named in a summary; the rest are counted


class Events(Protocol):
    """Where ingest records what it changed: a run's audit trail or the daemon's log."""

    def event(self, name: str, **fields: Any) -> None:
        """Record one event."""


@dataclass
class Failing:
    """Rows that will fail as business failures (rejected at intake): how many, and the
    first ``NAMED`` of them as (row, columns)."""

    count: int = 0
    named: list[tuple[int, str]] = field(default_factory=list)

    def add(self, case: CaseRow) -> None:
        """Count ``case``, and name it if there is room."""
        self.count += 1
        if len(self.named) < NAMED:
            columns = dict.fromkeys(p.column or "?" for p in case.problems)
            self.named.append((case.row_number, "/".join(columns)))


@dataclass
class Ingested:
    """A committed batch and what its file held: rows that will fail, changes made."""

    batch: Batch
    failing: Failing

    def summary(self) -> str:
        """``batch 3: 20 new, 0 already queued (2 will fail: row 21 フリガナ, row 30 個人番号)``;
        corrections and conflicts are counted when there are any."""
        b = self.batch
        counts = [(b.new, "new"), (b.corrected, "corrected"), (b.conflicts, "conflict"),
                  (b.duplicates, "already queued")]
        text = f"batch {b.id}: " + ", ".join(
            f"{n} {label}" for i, (n, label) in enumerate(counts) if n or i in (0, 3))
        notes = []
        if self.failing.count:
            notes.append(f"{self.failing.count} will fail: " + _listed(
                [f"row {row} {columns}" for row, columns in self.failing.named],
                self.failing.count))
        conflicts = [f"row {c.row_number} {c.state}" for c in b.changes if c.kind == CONFLICT]
        if conflicts:
            notes.append(f"{len(conflicts)} conflict: " + _listed(conflicts[:NAMED],
                                                                  len(conflicts))
                         + ", not entered again")
        return text + (f" ({'; '.join(notes)})" if notes else "")


def _listed(named: list[str], count: int) -> str:
    more = count - len(named)
    return ", ".join(named) + (f" and {more} more" if more else "")


def checksum(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def enqueue_file(store: Store, bot: BotScript, path: Path, digest: str | None = None,
                 vault: Vault | None = None) -> Batch:
    """Open ``path`` and add its rows as a batch (``enqueue_cases``); ``CaseDataError`` if
    unreadable."""
    with open_cases(path, bot.input) as cases:
        return enqueue_cases(store, bot, cases, digest=digest, vault=vault)


def enqueue_cases(store: Store, bot: BotScript, cases: CaseStream, *,
                  source: Path | None = None, digest: str | None = None,
                  vault: Vault | None = None) -> Batch:
    """``ingest_cases``, for callers that want only the batch."""
    return ingest_cases(store, bot, cases, source=source, digest=digest, vault=vault).batch


def ingest_cases(store: Store, bot: BotScript, cases: CaseStream, *,
                 source: Path | None = None, digest: str | None = None,
                 vault: Vault | None = None) -> Ingested:
    """Add the rows of an open ``cases`` stream as a batch; ``CaseDataError`` if unreadable.

    The stream's header was found when it was opened; its rows flow from the file into the
    batch's one transaction, so memory stays flat for any length, and a file that turns out
    unreadable half-way adds nothing. ``source`` is the path the batch records, whose name
    keys a row without a key (``intake.case_key``; the daemon gives the archive path the file
    moves to once queued), by default the stream's own. ``digest`` is the file's ``checksum``
    when the caller has it already (the daemon's inbox does). ``vault`` seals the secret
    columns and keys the content checksums (by default the key of ``ROBOT_HOME``).
    """
    source = source or cases.path
    digest = digest or checksum(cases.path)
    sealer = Sealer.for_bot(bot, vault or Vault(), cases.headers, cases.secret_headers)
    failing: list[tuple[str, CaseRow]] = []
    batch = store.add_batch(bot.name, str(source.resolve()), digest, cases.sheet,
                            cases.headers, _items(cases, source, sealer, failing))
    conflicts = {c.key for c in batch.changes if c.kind == CONFLICT}
    found = Failing()
    for key, case in failing:
        if key not in conflicts:  # a conflicting row is not entered: it cannot fail
            found.add(case)
    return Ingested(batch, found)


def _items(cases: CaseStream, source: Path, sealer: Sealer,
           failing: list[tuple[str, CaseRow]]) -> Iterator[NewItem]:
    for case in cases:
        key = case_key(case, source)  # a row without a key: its place in the file
        if not case.valid:
            # Only the problems are kept (columns, never values): a list as long as the
            # file's rejected rows, which intake already bounds.
            failing.append((key, CaseRow(case.row_number, key, {}, {}, case.problems)))
        yield NewItem(key, case.row_number, to_payload(case, sealer, key),
                      content_sum=sealer.checksum(key, case))


def record_changes(events: Events, ingested: Ingested) -> None:
    """One audit event per corrected or conflicting row: key, row, state, checksums."""
    for change in ingested.batch.changes:
        events.event(f"case_{change.kind}", batch=ingested.batch.id, case=change.key,
                     row=change.row_number, state=change.state, old_sum=change.old_sum,
                     new_sum=change.new_sum)
