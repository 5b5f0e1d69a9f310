"""The daemon takes an inbox file in one reading, and archives it only once its batch is
committed: a file whose batch fails half-way is rejected or stays in the inbox, never
archived with nothing queued."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fake_registry import count_opens
from helpers import REPO, SAMPLE_XLSX, SHIPPED_BOTS, dedent

from robot_core.daemon import DaemonPaths, load_schedule
from robot_core.daemon.context import RunContext
from robot_core.daemon.ledger import Ledger
from robot_core.daemon.receive import Receiver
from robot_core.intake import open_cases, read_cases
from robot_core.queue.base import Batch, NewItem, QueueError
from robot_core.queue.sqlite import SQLiteStore
from robot_core.run.ingest import checksum, enqueue_cases
from robot_core.script.loader import load_bot

SCHEDULE = dedent("""\
    bot: resident_registration
    cron: "0 22 * * *"
    inbox: registration/*
    """)


class Recorder:
    """Collects events, like an audit trail would."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def event(self, name: str, **fields: Any) -> None:
        self.events.append((name, fields))


class FailingStore(SQLiteStore):
    """A real SQLite store whose database gives out after a few rows of a batch."""

    def add_batch(self, bot: str, source: str, checksum: str, sheet: str,
                  headers: Sequence[str], items: Iterable[NewItem]) -> Batch:
        def rows() -> Iterator[NewItem]:
            for n, item in enumerate(items):
                if n == 3:
                    raise QueueError("the queue database is locked")
                yield item
        return super().add_batch(bot, source, checksum, sheet, headers, rows())


@pytest.fixture
def paths(tmp_path: Path) -> DaemonPaths:
    """A daemon's folders in a temporary ROBOT_HOME."""
    return DaemonPaths(tmp_path / "home").make()


def _context(tmp_path: Path, paths: DaemonPaths, store: SQLiteStore,
             ledger: Ledger) -> RunContext:
    schedule_file = tmp_path / "schedules" / "night.yaml"
    schedule_file.parent.mkdir(parents=True, exist_ok=True)
    schedule_file.write_text(SCHEDULE, encoding="utf-8")
    schedule = load_schedule(schedule_file, SHIPPED_BOTS)
    bot = load_bot(SHIPPED_BOTS / "resident_registration.yaml", REPO / "selectors")
    return RunContext("run-1", schedule, bot, store, ledger, paths, Recorder())


@pytest.fixture
def ctx(tmp_path: Path, paths: DaemonPaths) -> Iterator[RunContext]:
    """A run context over a real queue and ledger."""
    store, ledger = SQLiteStore(paths.home / "queue.db"), Ledger(paths.jobs_db)
    yield _context(tmp_path, paths, store, ledger)
    store.close()
    ledger.close()


def _archived(paths: DaemonPaths) -> list[Path]:
    return sorted(p for p in paths.archive.rglob("*") if p.is_file())


def _ragged_csv(path: Path) -> Path:
    """The sample's header and first rows as CSV, then a record with one field too many."""
    bot = load_bot(SHIPPED_BOTS / "resident_registration.yaml", REPO / "selectors")
    intake = read_cases(SAMPLE_XLSX, bot.input)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(intake.headers)
        for row in intake.rows[:4]:
            writer.writerow(["" if row.raw[h] is None else row.raw[h] for h in intake.headers])
        writer.writerow([*(["x"] * len(intake.headers)), "one too many"])
    return path


def test_the_daemon_reads_an_inbox_file_once(ctx: RunContext,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Receiving a good file opens it as a case file once: header and rows in one reading."""
    opened = count_opens(monkeypatch)
    source = ctx.paths.inbox / "a.xlsx"
    shutil.copy(SAMPLE_XLSX, source)
    entry = Receiver(ctx).receive(source)
    assert (entry.state, entry.batch) == ("queued", 1)
    assert opened == [source]
    assert _archived(ctx.paths) == [Path(entry.archived)]


def test_a_file_unreadable_half_way_is_rejected_with_nothing_queued(ctx: RunContext) -> None:
    """A file whose header is good but whose fifth record is broken goes to rejected/ with
    its reason: no batch, no item, nothing in the archive."""
    source = _ragged_csv(ctx.paths.inbox / "ragged.csv")
    entry = Receiver(ctx).receive(source)
    assert entry.state == "rejected" and not source.exists()
    assert Path(entry.archived).parent == ctx.paths.rejected.resolve()
    assert (ctx.paths.rejected / "ragged.csv.error.txt").exists()
    assert ctx.store.batches() == [] and ctx.store.items() == []
    assert _archived(ctx.paths) == []
    assert ctx.ledger.entries() == [entry], "one entry, the taken one turned rejected"


def test_a_batch_the_database_refuses_leaves_the_file_in_the_inbox(
        tmp_path: Path, paths: DaemonPaths) -> None:
    """When the queue fails half-way through a file's batch, the file stays in the inbox
    (nothing archived, nothing queued) and the next run queues and archives it once."""
    source = paths.inbox / "a.xlsx"
    shutil.copy(SAMPLE_XLSX, source)
    ledger = Ledger(paths.jobs_db)
    failing = FailingStore(paths.home / "queue.db")
    with pytest.raises(QueueError):
        Receiver(_context(tmp_path, paths, failing, ledger)).receive(source)
    failing.close()
    assert source.exists() and _archived(paths) == []
    store = SQLiteStore(paths.home / "queue.db")
    try:
        assert store.batches() == []
        [recovered] = Receiver(_context(tmp_path, paths, store, ledger)).recover()
        assert recovered.state == "queued" and not source.exists()
        assert _archived(paths) == [Path(recovered.archived)]
        assert len(store.batches()) == 1 and len(store.items()) == 50
    finally:
        store.close()
        ledger.close()


def test_a_crash_between_the_commit_and_the_move_archives_on_recovery(
        ctx: RunContext) -> None:
    """A batch committed but its file not yet moved: recovery links the batch and archives
    the file, adding no second batch."""
    source = ctx.paths.inbox / "a.xlsx"
    shutil.copy(SAMPLE_XLSX, source)
    archived = ctx.paths.inside(ctx.paths.archive / "2025-07-16" / "a.xlsx")
    entry = ctx.ledger.add("night", "resident_registration", source,
                           checksum=checksum(source), state="taken", archived=archived)
    with open_cases(source, ctx.bot.input) as cases:  # as receive does, up to the commit
        batch = enqueue_cases(ctx.store, ctx.bot, cases, source=archived,
                              digest=entry.checksum)
    [recovered] = Receiver(ctx).recover()
    assert (recovered.state, recovered.batch) == ("queued", batch.id)
    assert archived.exists() and not source.exists()
    assert len(ctx.store.batches()) == 1
