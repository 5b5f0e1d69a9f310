"""``robot work`` and ``robot queue …``: the operator's commands for the durable queue."""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from robot_core.cli.app import STOP, console, main, warn_full_browser
from robot_core.cli.bots import load_named
from robot_core.cli.render import ProgressReport, stopped
from robot_core.errors import QueueRefused, SystemDown, exit_code
from robot_core.evidence.export import export_batch
from robot_core.home import robot_home
from robot_core.outcome import CaseResult, Status, shown
from robot_core.queue import Store, open_store
from robot_core.run.pool import (
    AS_WORKER,
    WorkerPool,
    WorkerReport,
    summary_line,
    worker_line,
    worst_exit,
)
from robot_core.run.session import RunOptions, retry_file, work_queue
from robot_core.run.worker import RUNNER_ENDS
from robot_core.script.model import BotScript

STATES = click.Choice([s.value for s in Status])


# Errors are not caught here: each ends the command with its code in errors.EXIT_CODES.
def _store() -> Store:
    return open_store(robot_home())


@main.command()
@click.argument("bot_name")
@click.option("--batch", type=int, help="Work only this batch.")
@click.option("--limit", type=click.IntRange(min=1),
              help="Work at most N items (with --workers: N per worker).")
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Worker processes, one browser each, on the one queue.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option(AS_WORKER, "as_worker", type=int, hidden=True)  # one of --workers' processes
def work(bot_name: str, batch: int | None, limit: int | None, workers: int, headed: bool,
         as_worker: int | None) -> None:
    """Work BOT_NAME's queue until it is empty (items of crashed workers included)."""
    bot = load_named(bot_name)
    if as_worker is not None:
        _one_of_many(bot, RunOptions(robot_home(), headed, limit), batch)
        return
    warn_full_browser(bot.driver, headed=headed)  # once: not by each worker of a pool
    waiting = _waiting(bot.name, batch)
    total = min(waiting, limit * workers if limit else waiting)
    if workers > 1:
        if bot.driver == "web":  # imported once here, not once per forked worker
            importlib.import_module("robot_core.drivers.web")
        # Forked before the progress bar draws from a thread of its own (run/forked.py).
        pool = WorkerPool(_worker_command(bot_name, batch, limit, headed), workers,
                          entry=_as_forked_worker)
        with pool.started(), ProgressReport(total) as report:
            pool.on_result = report
            reports = pool.wait()
    else:
        try:
            with ProgressReport(total) as report, STOP.graceful():
                worked, paths = work_queue(bot, RunOptions(robot_home(), headed, limit),
                                           report, STOP.requested, batch)
        except SystemDown as exc:  # the breaker: what is left stays queued
            stopped(exc)
            _status(bot.name)
            sys.exit(exit_code(exc))
    if workers == 1:
        console.print(f"worked {worked} item(s); evidence: {paths.root}", highlight=False,
                      soft_wrap=True)
    else:
        pool_summary(reports)
    _status(bot.name)
    if workers > 1 and (code := worst_exit(reports)):
        sys.exit(code)


def _waiting(bot_name: str, batch: int | None) -> int:
    store = _store()
    try:
        return sum(n for (b, batch_id), counts in store.counts(bot_name).items()
                   if b == bot_name and batch in (None, batch_id)
                   for s, n in counts.items()
                   if s in (Status.PENDING, Status.UNCERTAIN, Status.IN_PROGRESS))
    finally:
        store.close()


def work_in_pool(bot_name: str, workers: int, batch: int | None, limit: int | None,
                 headed: bool, progress: ProgressReport) -> list[WorkerReport]:
    """``workers`` processes of ``robot work BOT_NAME``, signals passed on; their reports.

    Each is started afresh: the caller (``robot run``) holds the queue open, and a child
    forked with an open SQLite connection inherits its lock bookkeeping."""
    return WorkerPool(_worker_command(bot_name, batch, limit, headed), workers,
                      progress).run()


# The same interpreter as this robot (no reliance on PATH), entering the console script.
_PROGRAM = [sys.executable, "-c", "from robot_core.cli import main; main(prog_name='robot')"]


def _worker_command(bot_name: str, batch: int | None, limit: int | None,
                    headed: bool) -> list[str]:
    """The command line of each worker of a pool (``--as-worker K`` is added per worker)."""
    command = [*_PROGRAM, "work", bot_name]
    command += ["--batch", str(batch)] if batch is not None else []
    command += ["--limit", str(limit)] if limit is not None else []
    return command + (["--headed"] if headed else [])


def _as_forked_worker(argv: Sequence[str]) -> int | None:
    """A forked worker: this CLI again on its arguments (as a fresh one would run them)."""
    main.main(args=list(argv[len(_PROGRAM):]), prog_name="robot")  # ends in SystemExit
    return 0


def _one_of_many(bot: BotScript, options: RunOptions, batch: int | None) -> None:
    """One worker of a pool: JSON lines on stdout for the parent (see run/pool.py)."""
    def progress(result: CaseResult) -> None:
        print(worker_line(result), flush=True)

    with STOP.graceful():
        worked, paths = work_queue(bot, options, progress, STOP.requested, batch)
    print(summary_line(worked, paths.root.name, str(paths.root)), flush=True)


def pool_summary(reports: list[WorkerReport]) -> None:
    """The table of what each worker of a pool did, and where its evidence is."""
    table = Table("worker", "pid", "worked", *[s.value for s in Status if s in RUNNER_ENDS],
                  "exit", "run", title="workers")
    for r in reports:
        table.add_row(str(r.number), str(r.pid), str(r.worked),
                      *[str(r.counts.get(s.value, 0)) for s in Status if s in RUNNER_ENDS],
                      str(r.exit_code), r.run_id)
    console.print(table)
    console.print(f"worked {sum(r.worked for r in reports)} item(s) with {len(reports)} "
                  f"workers; evidence: one run folder per worker under "
                  f"{robot_home() / 'runs'}", highlight=False, soft_wrap=True)


@main.group()
def queue() -> None:
    """Look at and act on the work queue."""


@queue.command()
@click.argument("bot_name", required=False)
def status(bot_name: str | None) -> None:
    """Counts by state, per batch."""
    _status(bot_name)


def _status(bot_name: str | None) -> None:
    """One row per batch: what it added, what it found already queued, and the states of
    the cases it added. Each case is counted once, under the batch that queued it."""
    store = _store()
    try:
        counts = store.counts(bot_name)
        batches = sorted(store.batches(bot_name), key=lambda b: b.id)
    finally:
        store.close()
    # The usual states, and any other some batch has; conflict (rows of that file that
    # changed a case already entered, not typed again) only when there is one.
    states = shown(Counter(s for per in counts.values() for s, n in per.items() if n))
    conflicts = any(batch.conflicts for batch in batches)
    table = Table("bot", "batch", "file", "new", "already queued", *[s.value for s in states],
                  *(["conflict"] if conflicts else []), title="queue")
    for batch in batches:
        by_state = counts.get((batch.bot, batch.id), {})
        table.add_row(batch.bot, str(batch.id), Path(batch.source).name, str(batch.new),
                      str(batch.duplicates), *[str(by_state.get(s, 0) or "") for s in states],
                      *([str(batch.conflicts or "")] if conflicts else []))
    console.print(table)
    total = sum(n for per in counts.values() for n in per.values())
    console.print(f"{total} case(s) queued, each counted once", highlight=False)


@queue.command("list")
@click.option("--state", "states", type=STATES, multiple=True, help="Only items in this state.")
@click.option("--bot", "bot_name", help="Only this bot's items.")
@click.option("--batch", type=int, help="Only this batch's items.")
def list_items(states: tuple[str, ...], bot_name: str | None, batch: int | None) -> None:
    """Items, with their state, attempts and last error."""
    store = _store()
    try:
        items = store.items(bot_name, batch, [Status(s) for s in states])
    finally:
        store.close()
    table = Table("id", "bot", "batch", "key", "state", "attempts", "error", "screenshot")
    for item in items:
        table.add_row(str(item.id), item.bot, str(item.batch), item.key, item.state.value,
                      str(item.attempts), item.error[:70], item.screenshot)
    console.print(table)
    console.print(f"{len(items)} item(s)")


@queue.command()
@click.argument("ids", type=int, nargs=-1)
@click.option("--state", "states", type=STATES, multiple=True, help="Retry every item in it.")
@click.option("--bot", "bot_name", help="Only this bot's items.")
@click.option("--from", "from_file", type=click.Path(path_type=Path),
              help="A case file of corrected rows (with --bot): queue them, retry the rest.")
def retry(ids: tuple[int, ...], states: tuple[str, ...], bot_name: str | None,
          from_file: Path | None) -> None:
    """Put finished items (by id, or every item in a state) back to pending.

    With --from FILE, the file's rows are queued as corrections (a case that never reached
    the legacy system takes its new row; one already done is a conflict, never typed
    again), and its unchanged system failures are retried; see docs/operations.md.
    """
    if from_file is not None:
        _retry_from(from_file, bot_name, ids, states)
        return
    if not ids and not states:
        raise click.UsageError("name item ids, --state, or --from FILE")
    store = _store()
    try:  # an item whose secrets were erased: SecretsErased (exit 3), nothing changed
        n = store.retry(ids, [Status(s) for s in states], bot_name)
    finally:
        store.close()
    console.print(f"{n} item(s) back to pending")


def _retry_from(path: Path, bot_name: str | None, ids: tuple[int, ...],
                states: tuple[str, ...]) -> None:
    if bot_name is None or ids or states:
        raise click.UsageError("--from FILE takes --bot BOT (the bot the file is for), "
                               "and no item ids or --state")
    bot = load_named(bot_name)
    ingested, retried, _audit = retry_file(bot, path, RunOptions(robot_home()))
    console.print(escape(ingested.summary()), highlight=False, soft_wrap=True)
    console.print(f"{retried} unchanged system failure(s) back to pending; "
                  f"robot work {bot.name} enters them", highlight=False)


@queue.command()
@click.argument("ids", type=int, nargs=-1)
@click.option("--state", "states", type=STATES, multiple=True, help="Cancel every item in it.")
@click.option("--bot", "bot_name", help="Only this bot's items.")
@click.option("--batch", type=int, help="Only this batch's items.")
def cancel(ids: tuple[int, ...], states: tuple[str, ...], bot_name: str | None,
           batch: int | None) -> None:
    """Cancel items that are waiting (never one a worker holds)."""
    if not ids and not states and batch is None:
        raise click.UsageError("name item ids, --state or --batch")
    store = _store()
    try:
        n = store.cancel(ids, [Status(s) for s in states], bot_name, batch)
    finally:
        store.close()
    console.print(f"{n} item(s) cancelled")


@queue.command()
@click.option("--batch", type=int, required=True, help="The batch to export.")
@click.argument("target", type=click.Path(path_type=Path))
def export(batch: int, target: Path) -> None:
    """Write the results workbook of a batch to TARGET.xlsx, as things stand now.

    A first SIGTERM or Ctrl-C lets a short export finish (a second of grace); a longer one
    is dropped, and so is any at a second signal: TARGET is then left as it was.
    """
    store = _store()
    try:
        try:
            found = store.batch(batch)
        except KeyError:
            raise QueueRefused(f"no batch {batch}") from None
        bot = load_named(found.bot)
        with STOP.graceful("the results workbook"):
            path = export_batch(store, bot, batch, target, stop=STOP.deadline())
    finally:
        store.close()
    console.print(f"results: {path}", highlight=False, soft_wrap=True)
