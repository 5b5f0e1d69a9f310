"""``robot run``: queue the cases of one file for one bot and enter them."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.markup import escape

from robot_core.cli.app import STOP, console, err, main, signal_name, warn_full_browser
from robot_core.cli.bots import load_named
from robot_core.cli.debugging import debug_flags, debug_options, render_dry, warn_unsupported
from robot_core.cli.queue import pool_summary, work_in_pool
from robot_core.cli.render import ProgressReport, stopped, tell
from robot_core.errors import (
    EXIT_SYSTEM,
    ApplicationError,
    CaseDataError,
    ConfigError,
    SystemDown,
    exit_code,
)
from robot_core.home import robot_home
from robot_core.intake import CaseStream, Intake, collect, open_cases
from robot_core.run.dryrun import dry_run
from robot_core.run.ingest import Ingested
from robot_core.run.pool import WorkerReport, worst_exit
from robot_core.run.session import Ending, RunOptions, run_direct, run_file
from robot_core.script.model import BotScript


@main.command()
@click.argument("bot_name")
@click.option("--input", "input_file", type=click.Path(path_type=Path),
              help="Case file (.xlsx) exported by the service desk.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option("--limit", type=click.IntRange(min=1), help="Enter at most N cases.")
@click.option("--direct", is_flag=True,
              help="Skip the durable queue (no crash recovery); for comparisons.")
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Queue the file once, then enter its cases with N worker processes "
                   "(as robot work --workers N; --limit is then per worker).")
@debug_flags
def run(bot_name: str, input_file: Path | None, headed: bool, limit: int | None,
        direct: bool, workers: int, **flags: Any) -> None:
    """Queue the cases of a case file for BOT_NAME, then enter them.

    With --dry-run, type them up to their commit: true step instead, without a queue.
    """
    # A robot error ends the command with its code in errors.EXIT_CODES (cli/app.py).
    bot = load_named(bot_name)
    if input_file is None:
        raise CaseDataError("give the case file with --input FILE.xlsx")
    # The header is found before anything is written; the file is then read once: into
    # the batch, or (--direct) into memory.
    debug = debug_options(flags)
    warn_unsupported(bot.driver, debug)
    warn_full_browser(bot.driver, headed=headed)
    if headed and bot.driver == "web":  # before anything is queued, not when Chromium starts
        from robot_core.drivers.web_debug import require_display  # noqa: PLC0415 - Playwright

        require_display(headed)
    if workers > 1 and (direct or debug.dry_run or debug.case or debug.pause):
        raise ConfigError("--workers works the queue with several processes: it does not go "
                          "with --direct, --dry-run, --case or --pause-on-failure")
    with STOP.abortable():
        cases = open_cases(input_file, bot.input)
        cases.only = debug.case
        intake = _collect(cases) if direct or debug.dry_run else None
    if intake is not None and debug.case is not None and not intake.rows:
        raise CaseDataError(f"{input_file}: no case {debug.case!r} (--case takes the value "
                            "of the key column)")
    options = RunOptions(robot_home(), headed, limit, debug=debug)
    if debug.dry_run:
        assert intake is not None
        _dry(bot, intake, options)
    ending = Ending()  # filled as the run goes: told however it ends
    pool: list[WorkerReport] = []
    try:
        _enter(bot, cases, intake, options, ending, workers, pool)
    except (SystemDown, ApplicationError) as exc:
        _system_failed(exc)
        tell(ending)
        sys.exit(exit_code(exc))
    except KeyboardInterrupt:  # a stop at once (StopRequested): still tell what was done
        err.print(f"[yellow]stopped ({signal_name()}){_where(ending)}; what was done is "
                  "kept[/yellow]", highlight=False, soft_wrap=True)
        tell(ending)
        sys.exit(STOP.exit_code)
    except Exception:  # another error or a bug: what was done first, then its one line
        if ending.paths is not None:
            with contextlib.suppress(Exception):
                tell(ending)
        raise
    finally:
        cases.close()
    if STOP.requested():
        err.print(f"[yellow]stopped ({signal_name()}) after the case in hand; the cases "
                  f"not entered stay queued: robot work {bot.name} carries on[/yellow]",
                  highlight=False, soft_wrap=True)
    tell(ending)
    if pool:
        pool_summary(pool)
    code = ending.outcome.exit_code if ending.outcome else EXIT_SYSTEM
    sys.exit(max(code, worst_exit(pool) if pool else 0))



def _enter(bot: BotScript, cases: CaseStream, intake: Intake | None, options: RunOptions,
           ending: Ending, workers: int, pool: list[WorkerReport]) -> None:
    """Enter the cases: from memory (``--direct``), or queued as a batch and worked (by a
    pool of ``workers`` processes when more than one); ``ending`` fills as it goes."""
    limit, case = options.limit, options.debug.case
    with ProgressReport() as report:
        if intake is not None:
            report.expect(_capped(len(intake.rows), limit))
            with STOP.graceful():
                run_direct(bot, intake, options, report, STOP.requested, ending=ending)
            return
        run_file(bot, cases, options, report, STOP, ending=ending,
                 on_batch=lambda b: _batch_taken(b, limit, report, case),
                 work=None if workers == 1 else lambda batch: pool.extend(
                     work_in_pool(str(bot.file), workers, batch, limit, options.headed,
                                  report)))

def _system_failed(exc: SystemDown | ApplicationError) -> None:
    """The one line of a run the legacy system ended: it would not start (log in), or the
    breaker stopped it (``SystemDown``: the rest stays queued)."""
    if isinstance(exc, SystemDown):
        stopped(exc)
        return
    err.print(f"[red]the application could not be started:[/red] {escape(str(exc))}",
              highlight=False, soft_wrap=True)


def _where(ending: Ending) -> str:
    if ending.stopped_in == "queue":
        return " while queueing: nothing was queued"
    if ending.stopped_in == "results":
        return " while writing the results workbook"
    return ""


def _dry(bot: BotScript, intake: Intake, options: RunOptions) -> NoReturn:
    """``--dry-run``: the cases typed, not saved; the tables of what was typed."""
    try:
        with STOP.graceful():
            done = dry_run(bot, intake, options, stop=STOP.requested)
    except ApplicationError as exc:
        _system_failed(exc)
        sys.exit(exit_code(exc))
    render_dry(done)
    console.print(f"evidence: {done.paths.root}", highlight=False, soft_wrap=True)
    console.print(f"typed:    {done.report}", highlight=False, soft_wrap=True)
    sys.exit(done.outcome.exit_code)


def _collect(cases: CaseStream) -> Intake:
    with cases:
        return collect(cases)


def _capped(count: int, limit: int | None) -> int:
    return min(count, limit or count)


def _batch_taken(ingested: Ingested, limit: int | None, report: ProgressReport,
                 case: str | None = None) -> None:
    """The batch is queued: say so (what will fail, corrections, conflicts), and size the
    progress by it (every row of the file)."""
    batch = ingested.batch
    if case is not None and not batch.new + batch.duplicates + batch.corrected + batch.conflicts:
        raise CaseDataError(f"no case {case!r} in the case file (--case takes the value of "
                            "the key column)")
    console.print(escape(ingested.summary()), highlight=False, soft_wrap=True)
    report.expect(_capped(batch.new + batch.duplicates + batch.corrected + batch.conflicts,
                          limit))
