"""Take one settled inbox file: queue and archive it, archive it as a duplicate, or reject it.

The file is opened once: its header is found (a file without one is rejected, nothing
recorded), then the ledger says ``taken`` (with the archive path), then its rows stream from
the inbox into the batch, and only once the batch is committed does the file move to the
archive. The queue's ``add_batch`` is one transaction, so a batch exists wholly or not at
all: a file that turns out unreadable half-way is rejected with nothing queued, and one whose
batch failed otherwise (the database) stays in the inbox, ``taken``, for ``recover`` to
finish on the next run, as it finishes any entry a crash left ``taken``.
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
from robot_core.queue import Batch
from robot_core.run.ingest import checksum, enqueue_cases


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
                batch = enqueue_cases(self.store, self.bot, cases, source=target,
                                      digest=digest)
        except CaseDataError as exc:
            return self._reject(path, digest, exc, entry)
        _move(path, target)  # only now: the batch is committed
        return self._queued(entry, batch, target)

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
            batch = enqueue_cases(self.store, self.bot, cases, source=archived,
                                  digest=entry.checksum)
        if found != archived:
            _move(found, archived)
        return self._queued(entry, batch, archived)

    def _queued(self, entry: Entry, batch: Batch, archived: Path) -> Entry:
        self.ledger.queued(entry.id, batch.id)
        self.events.event("intake_queued", file=entry.name, batch=batch.id, new=batch.new,
                          already_queued=batch.duplicates, archived=str(archived))
        return self.ledger.get(entry.id)

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
