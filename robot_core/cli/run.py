"""``robot run``: queue the cases of one file for one bot and enter them."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.markup import escape

from robot_core.cli.app import STOP, console, err, main, signal_name
from robot_core.cli.bots import load_named
from robot_core.cli.debugging import debug_flags, debug_options, render_dry, warn_unsupported
from robot_core.cli.render import ProgressReport, stopped, tell
from robot_core.errors import (
    EXIT_SYSTEM,
    ApplicationError,
    CaseDataError,
    ConfigError,
    SystemDown,
    exit_code,
)
from robot_core.run.ending import Ending, Polled
from robot_core.script.model import BotScript

# The modules of the run itself (openpyxl, SQLite, the evidence) are imported where they
# are used: with a web bot, on the thread that queues the batch while the browser starts
# (run/early.py), so their import overlaps Chromium's start.
if TYPE_CHECKING:
    from robot_core.intake import CaseStream, Intake
    from robot_core.run.ingest import Ingested
    from robot_core.run.pool import WorkerReport
    from robot_core.run.session import Queued, RunOptions


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
    if headed and bot.driver == "web":  # before anything is queued, not when Chromium starts
        from robot_core.drivers.web_debug import require_display  # noqa: PLC0415 - Playwright

        require_display(headed)
    if workers > 1 and (direct or flags["dry_run"] or flags["case"] is not None
                        or flags["pause_on_failure"]):
        raise ConfigError("--workers works the queue with several processes: it does not go "
                          "with --direct, --dry-run, --case or --pause-on-failure")
    ending = Ending()  # filled as the run goes: told however it ends
    pool: list[WorkerReport] = []
    early = bot.driver == "web" and workers == 1 and not (direct or flags["dry_run"])
    cases: CaseStream | None = None
    try:
        if early:  # the batch queued on another thread while the browser starts
            cases, options, queued = _queued_early(bot, input_file, headed, limit, flags,
                                                   ending)
            _enter(bot, cases, None, options, ending, workers, pool, queued)
        else:
            cases, intake, options = _opened(bot, input_file, headed, limit, direct, flags)
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
        if cases is not None:
            cases.close()
    if STOP.requested():
        err.print(f"[yellow]stopped ({signal_name()}) after the case in hand; the cases "
                  f"not entered stay queued: robot work {bot.name} carries on[/yellow]",
                  highlight=False, soft_wrap=True)
    _told(ending, pool)


def _told(ending: Ending, pool: list[WorkerReport]) -> NoReturn:
    """Tell how the run ended (and each worker of its pool); exit with its code."""
    tell(ending)
    worst = 0
    if pool:
        from robot_core.cli.queue import pool_summary  # noqa: PLC0415 - see the imports
        from robot_core.run.pool import worst_exit  # noqa: PLC0415

        pool_summary(pool)
        worst = worst_exit(pool)
    code = ending.outcome.exit_code if ending.outcome else EXIT_SYSTEM
    sys.exit(max(code, worst))


def _opened(bot: BotScript, input_file: Path, headed: bool, limit: int | None,
            direct: bool, flags: dict[str, Any]) -> tuple[CaseStream, Intake | None, RunOptions]:
    """Without the early browser: the case file opened (its header found before anything
    is written) and, with --direct or --dry-run, read into memory."""
    from robot_core.home import robot_home  # noqa: PLC0415 - see the imports
    from robot_core.intake import open_cases  # noqa: PLC0415
    from robot_core.run.session import RunOptions  # noqa: PLC0415

    debug = debug_options(flags)
    warn_unsupported(bot.driver, debug)
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
    return cases, intake, options


def _queued_early(bot: BotScript, input_file: Path, headed: bool, limit: int | None,
                  flags: dict[str, Any], ending: Ending,
                  ) -> tuple[CaseStream, RunOptions, Queued]:
    """A web bot's batch queued on another thread while its browser starts on this one
    (``run/early.py``): the stream, the run's options and the queued batch."""
    from robot_core.run.early import driver_for, start_while  # noqa: PLC0415 - light

    driver = driver_for(bot, headed=headed, slow_mo_ms=int(flags["slow_mo"] or 0))
    opened: list[CaseStream] = []

    def prepare(ready: Callable[[], None]) -> tuple[RunOptions, Queued]:
        from robot_core.home import robot_home  # noqa: PLC0415 - imported on this thread
        from robot_core.intake import open_cases  # noqa: PLC0415
        from robot_core.run.early import environment  # noqa: PLC0415

        opened.append(open_cases(input_file, bot.input))  # the header, first
        environment(bot)
        ready()  # Chromium may launch: what is left to fail is the rows and the queue
        from robot_core.run.session import RunOptions, queue_cases  # noqa: PLC0415

        debug = debug_options(flags)
        opened[0].only = debug.case
        options = RunOptions(robot_home(), headed, limit, debug=debug,
                             driver_factory=lambda _bot: driver)
        return options, queue_cases(bot, opened[0], options, Polled(STOP), ending)

    try:
        options, queued = start_while(driver, prepare, STOP)
    except BaseException:
        for stream in opened:
            stream.close()
        raise
    return opened[0], options, queued


def _enter(bot: BotScript, cases: CaseStream, intake: Intake | None, options: RunOptions,
           ending: Ending, workers: int, pool: list[WorkerReport],
           queued: Queued | None = None) -> None:
    """Enter the cases: from memory (``--direct``), or queued as a batch (``queued`` when
    it already is) and worked (by a pool of ``workers`` processes when more than one);
    ``ending`` fills as it goes."""
    from robot_core.run.session import run_direct, run_file, work_queued  # noqa: PLC0415

    limit, case = options.limit, options.debug.case
    with ProgressReport() as report:
        if intake is not None:
            report.expect(_capped(len(intake.rows), limit))
            with STOP.graceful():
                run_direct(bot, intake, options, report, STOP.requested, ending=ending)
            return
        on_batch = lambda b: _batch_taken(b, limit, report, case)  # noqa: E731
        work = None if workers == 1 else lambda batch: pool.extend(_pool(
            bot, workers, batch, limit, options.headed, report))
        try:
            if queued is not None:
                work_queued(bot, queued, options, report, STOP, on_batch, ending, work)
            else:
                run_file(bot, cases, options, report, STOP, ending=ending,
                         on_batch=on_batch, work=work)
        finally:
            if options.driver_factory is not None:  # the early browser, if no case used it
                options.driver_factory(bot).stop()


def _pool(bot: BotScript, workers: int, batch: int, limit: int | None, headed: bool,
          report: ProgressReport) -> list[WorkerReport]:
    from robot_core.cli.queue import work_in_pool  # noqa: PLC0415 - see the imports

    return work_in_pool(str(bot.file), workers, batch, limit, headed, report)


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
    from robot_core.run.dryrun import dry_run  # noqa: PLC0415 - see the imports

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
    from robot_core.intake import collect  # noqa: PLC0415 - see the imports

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
