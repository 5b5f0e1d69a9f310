"""Take one settled inbox file: queue and archive it, archive it as a duplicate, or reject it.

The file is opened once: its header is found (a file without one is rejected, nothing
recorded), then the ledger says ``taken`` (with the archive path), then its rows stream from
the inbox into the batch, and only once the batch is committed does the file move to the
archive. The queue's ``add_batch`` is one transaction, so a batch exists wholly or not at
all: a file that turns out unreadable half-way is rejected with nothing queued, and one whose
batch failed otherwise (the database) stays in the inbox, ``taken``, for ``recover`` to
finish on the next run, as it finishes any entry a crash left ``taken``.

What the batch holds is said at once, not when the robot reaches it: the ledger entry's note
and the ``intake_queued`` event carry its summary (``batch 3: 20 new, 0 already queued (2 will
fail: row 21 フリガナ, row 30 個人番号)``: rows and columns, never values), and when rows will
fail, correct a queued case or conflict with one, a note ``<name>_queued.txt`` goes to the
outbox for staff to fix the rows before the night. Corrections and conflicts are recorded
in the daemon's log with their checksums (``run/ingest.py``).
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from robot_core.daemon.context import RunContext
from robot_core.daemon.ledger import Entry
from robot_core.daemon.paths import unique
from robot_core.daemon.rejection import duplicate_text, error_text, explain
from robot_core.errors import CaseDataError
from robot_core.intake import open_cases
from robot_core.run.ingest import Ingested, checksum, ingest_cases, record_changes


class Receiver:
    """Takes files in for one schedule's bot."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.schedule = ctx.schedule
        self.bot = ctx.bot
        self.store = ctx.store
        self.ledger = ctx.ledger
        self.paths = ctx.paths
        self.events = ctx.events

    def receive(self, path: Path) -> Entry:
        """Queue, archive as a duplicate, or reject ``path``; return the ledger entry."""
        digest = checksum(path)
        earlier = self._seen_before(digest)
        if earlier:
            return self._duplicate(path, digest, earlier)
        target = unique(self.paths.inside(self._archive_dir() / path.name))
        entry = None
        try:
            with open_cases(path, self.bot.input) as cases:  # judged before it is recorded
                entry = self.ledger.add(self.schedule.name, self.bot.name, path,
                                        checksum=digest, state="taken", archived=target)
                ingested = ingest_cases(self.store, self.bot, cases, source=target,
                                        digest=digest)
        except CaseDataError as exc:
            return self._reject(path, digest, exc, entry)
        _move(path, target)  # only now: the batch is committed
        return self._queued(entry, ingested, target)

    def recover(self) -> list[Entry]:
        """Finish the files a crash (or a failed batch) left between ``taken`` and ``queued``."""
        done = []
        for entry in self.ledger.in_state(self.schedule.name, "taken"):
            archived, source = Path(entry.archived), Path(entry.source)
            batch = next((b for b in self.store.batches(self.bot.name)
                          if b.checksum == entry.checksum and b.source == str(archived)), None)
            if batch is not None:
                if source.exists() and not archived.exists():
                    _move(source, archived)  # the crash came between the commit and the move
                self.ledger.queued(entry.id, batch.id)
            elif archived.exists() or source.exists():
                self._enqueue(entry, source if source.exists() else archived, archived)
            else:
                self.ledger.lost(entry.id, "the file was moved away before it was queued")
                self.events.event("intake_lost", file=entry.name, source=entry.source)
                continue
            done.append(self.ledger.get(entry.id))
        return done

    def _seen_before(self, digest: str) -> str:
        entry = self.ledger.seen(self.bot.name, digest)
        if entry is not None:
            return f"{entry.name} ({entry.taken_at[:16].replace('T', ' ')} UTC)"
        batch = next((b for b in self.store.batches(self.bot.name) if b.checksum == digest),
                     None)
        return f"{Path(batch.source).name} (batch {batch.id})" if batch else ""

    def _enqueue(self, entry: Entry, found: Path, archived: Path) -> Entry:
        """Queue a ``taken`` file from where it is (``found``), then archive it."""
        with open_cases(found, self.bot.input) as cases:
            ingested = ingest_cases(self.store, self.bot, cases, source=archived,
                                    digest=entry.checksum)
        if found != archived:
            _move(found, archived)
        return self._queued(entry, ingested, archived)

    def _queued(self, entry: Entry, ingested: Ingested, archived: Path) -> Entry:
        batch, summary = ingested.batch, ingested.summary()
        self.ledger.queued(entry.id, batch.id, note=summary)
        record_changes(self.events, ingested)
        self.events.event("intake_queued", file=entry.name, batch=batch.id, new=batch.new,
                          already_queued=batch.duplicates, corrected=batch.corrected,
                          conflicts=batch.conflicts, will_fail=ingested.failing.count,
                          summary=summary, archived=str(archived))
        if ingested.failing.count or batch.corrected or batch.conflicts:
            self._note(entry.name, summary)
        return self.ledger.get(entry.id)

    def _note(self, name: str, summary: str) -> None:
        """Tell staff now what this file's batch holds (a rewrite replaces an earlier note)."""
        self.paths.outbox.mkdir(parents=True, exist_ok=True, mode=0o700)
        note = self.paths.inside(self.paths.outbox / f"{Path(name).stem}_queued.txt")
        note.write_text(
            f"取り込み済み / Queued: {name}\n日時 / When: {self._now():%Y-%m-%d %H:%M}\n\n"
            f"{summary}\n\n"
            "失敗する行は、行番号と列名の欄を直して、そのファイルをもう一度 inbox に置いてください"
            "（conflict の行は入力済みです。入力されません）。\n"
            "Rows that will fail: fix the named column in that row and drop the file in the "
            "inbox again. A conflict row was entered already and is not entered again: check "
            "it in the legacy system (docs/operations.md).\n", encoding="utf-8")

    def _duplicate(self, path: Path, digest: str, earlier: str) -> Entry:
        target = unique(self.paths.inside(self._archive_dir() / path.name))
        _move(path, target)
        note = target.with_name(target.name + ".duplicate.txt")
        note.write_text(duplicate_text(path.name, earlier, self._now()), encoding="utf-8")
        self.events.event("intake_duplicate", file=path.name, same_as=earlier,
                          archived=str(target))
        return self.ledger.add(self.schedule.name, self.bot.name, path, checksum=digest,
                               state="duplicate", archived=target, note=f"same as {earlier}")

    def _reject(self, path: Path, digest: str, error: CaseDataError,
                taken: Entry | None = None) -> Entry:
        _, english, detail = explain(path, error)
        target = unique(self.paths.inside(self.paths.rejected / path.name))
        text = error_text(path, error, self.schedule.name, self._now())
        _move(path, target)
        target.with_name(target.name + ".error.txt").write_text(text, encoding="utf-8")
        self.events.event("intake_rejected", file=path.name, reason=english, detail=detail,
                          moved_to=str(target))
        if taken is not None:  # unreadable half-way: its batch was rolled back
            self.ledger.rejected(taken.id, target, english)
            return self.ledger.get(taken.id)
        return self.ledger.add(self.schedule.name, self.bot.name, path, checksum=digest,
                               state="rejected", archived=target, note=english)

    def _archive_dir(self) -> Path:
        return self.paths.archive / f"{self._now():%Y-%m-%d}"

    def _now(self) -> datetime:
        return self.ctx.now()


def _move(source: Path, target: Path) -> None:
    """Move, never delete: a rename within ROBOT_HOME, copy-then-remove across file systems."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.move(source, target)
