"""Runs: a case file or a queue through one worker, with evidence under ``runs/<run_id>/``.

``run_file`` is what ``robot run`` does: ingest the file as a batch (the file is read once,
its rows streaming into the batch), work that batch, write its results workbook.
``work_queue`` is ``robot work``: work whatever the queue holds.
``run_direct`` skips the queue (the benches compare the two).

A stop (SIGTERM, Ctrl-C) is honoured in each phase of ``run_file`` (see ``Stopper``):
queueing is abandoned at once (its one transaction rolls back: nothing half-queued); while
entering, the case in hand is finished first; a results workbook that cannot be finished
within a short grace is dropped (the one already there stays; ``robot queue export`` writes
it later from the queue, where everything done stays done).

However a run ends, it ends the same way (``_close``): a ``run_finished`` line, the audit
trail closed and anchored in the queue database (``evidence/anchor.py``), the HTML report.
An ``Ending`` the caller passes is filled as the run goes, so the console can tell the
outcome even when the run ended by an exception (the application down, a stop).
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from robot_core import credentials as creds
from robot_core.drivers import Driver, make_driver
from robot_core.errors import ConfigError
from robot_core.evidence.anchor import audit_key, seal
from robot_core.evidence.audit import AuditTrail
from robot_core.evidence.export import batch_outcome, export_batch
from robot_core.evidence.results import StopRequested, write_outcome
from robot_core.home import RunPaths, new_run_id
from robot_core.intake import CaseRow, CaseStream, Intake, open_cases
from robot_core.outcome import CaseResult, RunOutcome, Status
from robot_core.queue import Batch, QueueError, Store, open_store
from robot_core.queue.base import AuditAnchor
from robot_core.run.breaker import Breaker
from robot_core.run.debug import DebugOptions, make_runner
from robot_core.run.ingest import Ingested, ingest_cases, record_changes
from robot_core.run.runner import Runner
from robot_core.run.worker import Worker
from robot_core.script.model import BotScript
from robot_core.vault import Vault

Progress = Callable[[CaseResult], None]  # each case's result, as soon as it has one


class Stopper(Protocol):
    """How a run learns that the operator wants it to stop (the CLI's signal handler)."""

    def requested(self) -> bool:
        """A stop was asked for: finish the case in hand, start no other."""

    def graceful(self, doing: str = "the current case") -> AbstractContextManager[None]:
        """Within: the first signal only sets ``requested`` (``doing`` goes on); a second
        stops at once."""

    def abortable(self) -> AbstractContextManager[None]:
        """Within: a signal stops at once (``StopRequested`` is raised where the code is)."""

    def deadline(self) -> Callable[[], bool]:
        """From now: true once a stop asked for has had its short grace (or a second came)."""


class NoStop:
    """A ``Stopper`` that is never asked (library callers, tests)."""

    def requested(self) -> bool:
        """Never."""
        return False

    @contextmanager
    def _same(self) -> Iterator[None]:
        yield

    def graceful(self, doing: str = "") -> AbstractContextManager[None]:
        """Nothing changes."""
        return self._same()

    def abortable(self) -> AbstractContextManager[None]:
        """Nothing changes."""
        return self._same()

    def deadline(self) -> Callable[[], bool]:
        """Never due."""
        return lambda: False


@dataclass(frozen=True)
class RunOptions:
    """Knobs of one run, and its parts when a caller brings its own (tests do:
    ``robot_core.testing.FakeDriver`` and ``MemoryStore``)."""

    home: Path
    headed: bool = False
    limit: int | None = None
    driver_factory: Callable[[BotScript], Driver] | None = None  # default: the bot's driver
    store: Store | None = None  # default: open_store(home); a store given here is not closed
    debug: DebugOptions = field(default_factory=DebugOptions)  # dry run, trace, one case…


@dataclass
class Session:
    """The pieces of one run: its id and files, audit trail and runner."""

    run_id: str
    paths: RunPaths
    audit: AuditTrail
    runner: Runner
    vault: Vault  # one queue key per run: loaded once, for queueing and working alike
    bot: str = ""


@dataclass
class Ending:
    """How far a run got, filled as it goes: what the console tells however it ends."""

    paths: RunPaths | None = None
    batch: Batch | None = None
    outcome: RunOutcome | None = None
    results_written: bool = False
    stopped_in: str = ""  # "queue" or "results" when a stop ended that phase


def environment(bot: BotScript) -> dict[str, str]:
    """The environment variables the bot's templates read; all must be set."""
    missing = sorted(v for v in bot.env_vars if not os.environ.get(v))
    if missing:
        raise ConfigError(f"{bot.file}: set the environment variable(s) {', '.join(missing)}")
    return {name: os.environ[name] for name in bot.env_vars}


def open_session(bot: BotScript, options: RunOptions, driver: Driver | None = None) -> Session:
    """Check the environment, create the run folder and audit trail, build the runner."""
    env = environment(bot)
    secrets = creds.resolve(bot.credentials) if bot.credentials else None
    run_id = new_run_id(bot.name)
    paths = RunPaths.create(options.home, run_id)
    audit = AuditTrail(paths.audit, audit_key(options.home), run_id=run_id, bot=bot.name)
    driver = driver or _driver_for(bot, options)
    runner = make_runner(bot, driver, audit, paths, env, secrets, options.debug)
    return Session(run_id, paths, audit, runner, Vault(options.home), bot.name)


def _driver_for(bot: BotScript, options: RunOptions) -> Driver:
    """The caller's driver (``driver_factory``), else the one the bot names."""
    if options.driver_factory is not None:
        return options.driver_factory(bot)
    return make_driver(bot.driver, headed=options.headed, launch=dict(bot.selectors.launch),
                       slow_mo_ms=options.debug.slow_mo_ms,
                       response_timeout_ms=bot.selectors.section.response_timeout_ms,
                       block=bot.selectors.section.block)


def _open_store(options: RunOptions) -> Store:
    return options.store if options.store is not None else open_store(options.home)


def _close_store(options: RunOptions, store: Store) -> None:
    if options.store is None:
        store.close()


def run_file(bot: BotScript, source: Path | CaseStream, options: RunOptions,
             progress: Progress | None = None, stop: Stopper | None = None,
             on_batch: Callable[[Ingested], None] | None = None, ending: Ending | None = None,
             work: Callable[[int], None] | None = None,
             ) -> tuple[RunOutcome, RunPaths, Batch]:
    """Ingest ``source`` as a batch, work it, write its results workbook.

    ``work``, when given, works the batch instead of this process (``robot run --workers N``:
    a pool of worker processes, each with its own run folder); it is called with the batch's
    id once it is queued, and the workbook is written from the queue when it returns.

    ``source`` is the case file, or the file already opened (``open_cases``: its header found,
    before anything was written; ``robot run`` does so); it is read once, into the batch, and
    closed. ``on_batch`` hears of the batch once it is committed (its size is the run's, its
    ``summary`` names the rows that will fail and the corrections and conflicts).
    ``ending`` is filled as the run goes, whether it returns or raises.
    """
    stop, ending = stop or NoStop(), ending or Ending()
    with _opened(source, bot, stop) as cases:
        session = open_session(bot, options)  # checks the environment before writing anything
        ending.paths = session.paths
        store = _open_store(options)
        try:
            ingested = _ingest(bot, store, session, cases, stop, ending)
            batch = ending.batch = ingested.batch
            cases.close()  # read whole, into the batch: the file is let go before entering
            if on_batch:
                on_batch(ingested)
            try:
                with stop.graceful():
                    if work is not None:
                        work(batch.id)
                    else:
                        _work(bot, store, session, options, batch.id, progress, stop.requested)
            finally:
                _export(bot, store, session, batch, stop, ending)
            assert ending.outcome is not None  # _export always tells it
            return ending.outcome, session.paths, batch
        finally:
            _close_store(options, store)


@contextmanager
def _opened(source: Path | CaseStream, bot: BotScript, stop: Stopper) -> Iterator[CaseStream]:
    """The case stream of ``source`` (opened here if a path), closed on leaving."""
    if isinstance(source, CaseStream):
        cases = source
    else:
        with stop.abortable():
            cases = open_cases(source, bot.input)
    with cases:
        yield cases


def _ingest(bot: BotScript, store: Store, session: Session, cases: CaseStream,
            stop: Stopper, ending: Ending) -> Ingested:
    try:
        with stop.abortable():
            ingested = ingest_cases(store, bot, cases, vault=session.vault)
    except BaseException as exc:  # a stop or an unreadable file: nothing was queued
        if isinstance(exc, KeyboardInterrupt):
            ending.stopped_in = "queue"
        session.audit.event("run_finished", stopped_in="queue", reason=type(exc).__name__)
        _close(session, store)
        raise
    batch = ingested.batch
    session.audit.event("batch_ingested", batch=batch.id, source=str(cases.path),
                        new=batch.new, already_queued=batch.duplicates,
                        corrected=batch.corrected, conflicts=batch.conflicts,
                        will_fail=ingested.failing.count)
    record_changes(session.audit, ingested)
    return ingested


def _export(bot: BotScript, store: Store, session: Session, batch: Batch,
            stop: Stopper, ending: Ending) -> None:
    """Write the results workbook; then, whatever happened, tell and close the run."""
    try:
        with stop.graceful("the results workbook"):
            export_batch(store, bot, batch.id, session.paths.results, session.run_id,
                         stop.deadline())
        ending.results_written = True
    except StopRequested:
        ending.stopped_in = "results"
        session.audit.event("results_dropped", batch=batch.id,
                            reason="stopped while writing; robot queue export writes them")
        raise
    finally:
        try:
            ending.outcome = batch_outcome(store, batch.id, session.run_id)
        except QueueError:  # the queue itself failed: the run still closes its evidence
            ending.outcome = None
        _finished(session, ending.outcome or RunOutcome(session.run_id, bot.name), store)


def work_queue(bot: BotScript, options: RunOptions, progress: Progress | None = None,
               stop: Callable[[], bool] = lambda: False, batch: int | None = None,
               ) -> tuple[int, RunPaths]:
    """Work the bot's queue (or one batch of it) until it is empty."""
    session = open_session(bot, options)
    store = _open_store(options)
    try:
        try:
            worked = _work(bot, store, session, options, batch, progress, stop)
        finally:
            session.audit.event("run_finished")
            _close(session, store)
        return worked, session.paths
    finally:
        _close_store(options, store)


def _work(bot: BotScript, store: Store, session: Session, options: RunOptions,
          batch: int | None, progress: Progress | None, stop: Callable[[], bool]) -> int:
    worker = Worker(bot, store, session.runner, session.audit, session.paths.root,
                    options.home, batch=batch, limit=options.limit, stop=stop,
                    on_result=progress, vault=session.vault)
    return worker.run()


def retry_file(bot: BotScript, path: Path, options: RunOptions) -> tuple[Ingested, int, Path]:
    """``robot queue retry --from FILE``: queue a file of corrected rows, and retry the rest.

    Its rows are ingested as a batch (corrections, conflicts and new cases as on every
    path); those of its cases that failed for system reasons and come back unchanged are
    retried (``Store.retry``). Nothing is typed here: ``robot work`` or the daemon enters
    them. The audit trail (a run folder of its own) records each correction and conflict.
    Returns what was queued, how many were retried, and the audit trail's path.
    """
    run_id = new_run_id(bot.name)
    paths = RunPaths.create(options.home, run_id)
    audit = AuditTrail(paths.audit, run_id=run_id, bot=bot.name)
    store = _open_store(options)
    try:
        with open_cases(path, bot.input) as cases:
            ingested = ingest_cases(store, bot, cases, vault=Vault(options.home))
        record_changes(audit, ingested)
        again = [i.id for i in store.items(batch=ingested.batch.id, states=[Status.FAILED])
                 if not i.note]
        retried = store.retry(again) if again else 0
        audit.event("batch_retried", batch=ingested.batch.id, source=str(path),
                    new=ingested.batch.new, corrected=ingested.batch.corrected,
                    conflicts=ingested.batch.conflicts, retried=retried)
        return ingested, retried, paths.audit
    finally:
        audit.close()
        _close_store(options, store)


def run_direct(bot: BotScript, intake: Intake, options: RunOptions,
               progress: Progress | None = None, stop: Callable[[], bool] = lambda: False,
               driver: Driver | None = None, ending: Ending | None = None,
               ) -> tuple[RunOutcome, RunPaths]:
    """Run every case of ``intake`` without the queue; the workbook is written even on a crash
    (and when the breaker stops the run: ``SystemDown``, the cases not reached ``pending``).

    A row without a key runs under the key the queue would give it (``intake.case_key``).
    The queue database keeps only the run's audit anchor.
    """
    ending = ending or Ending()
    session = open_session(bot, options, driver)
    outcome = ending.outcome = RunOutcome(session.run_id, bot.name)
    ending.paths = session.paths
    rows = intake.rows[: options.limit] if options.limit else intake.rows
    cases = [case.keyed(intake.path) for case in rows]
    session.audit.event("run_started", input=str(intake.path), cases=len(cases))
    try:
        _direct(session.runner, cases, outcome, progress, stop)
    finally:
        done = {r.row_number for r in outcome.results}
        outcome.results += [CaseResult(c.key, c.row_number, Status.PENDING) for c in cases
                            if c.row_number not in done]
        shown = dataclasses.replace(intake, rows=cases)
        write_outcome(session.paths.results, shown, outcome, bot.outputs, bot.secret_headers())
        ending.results_written = True
        store = _open_store(options)
        try:
            _finished(session, outcome, store)
        finally:
            _close_store(options, store)
    return outcome, session.paths


def _direct(runner: Runner, cases: Iterable[CaseRow], outcome: RunOutcome,
            progress: Progress | None, stop: Callable[[], bool]) -> None:
    opened, breaker = False, Breaker(runner.bot.app, runner.bot.retry.breaker)
    try:
        for case in cases:
            if stop():
                break
            if not opened:
                runner.open()  # even a rejected row gets its evidence card from the driver
                opened = True
            result = runner.run_case(case)
            outcome.results.append(result)
            if progress:
                progress(result)
            down = breaker.record(result)
            if down is not None:  # the rest is written pending (run_direct's finally)
                raise down
    finally:
        if opened:
            runner.close()


def _finished(session: Session, outcome: RunOutcome, store: Store) -> None:
    counts = outcome.counts()
    session.audit.event("run_finished", **{s.value: counts.get(s, 0) for s in Status},
                        exit_code=outcome.exit_code, results=str(session.paths.results))
    _close(session, store)


def _close(session: Session, store: Store) -> None:
    """Close the audit trail and anchor it, then write the run's HTML report from it."""
    # Imported at the end of a run, not before its first browser action (~0.1 s).
    from robot_core.evidence.report import build_report  # noqa: PLC0415
    anchor: AuditAnchor | None = None
    try:
        anchor = seal(session.audit, store, session.run_id, session.bot)
    except QueueError as exc:  # the trail is closed; without its anchor it reads as crashed
        warnings.warn(f"the audit trail could not be anchored: {exc}", RuntimeWarning,
                      stacklevel=2)
    try:
        build_report(session.paths.root, session.audit.key, anchor)
    except Exception as exc:
        warnings.warn(f"the run report could not be written: {exc}; "
                      f"robot report {session.run_id} tries again", RuntimeWarning, stacklevel=2)
