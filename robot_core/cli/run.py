"""``robot list``, ``robot validate`` and ``robot run``: the commands of one bot and one file."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from robot_core.cli.app import STOP, bots_dir, console, err, load_named, main, signal_name
from robot_core.cli.render import ProgressReport, tell
from robot_core.errors import (
    EXIT_SYSTEM,
    ApplicationError,
    BotScriptError,
    CaseDataError,
    exit_code,
)
from robot_core.home import robot_home
from robot_core.intake import CaseStream, Intake, collect, open_cases
from robot_core.queue import Batch
from robot_core.run.session import Ending, RunOptions, run_direct, run_file


@main.command("list")
def list_bots() -> None:
    """Each bot with its description, driver and app."""
    table = Table("bot", "driver", "app", "description")
    for path in sorted(bots_dir().glob("*.yaml")):
        try:
            bot = load_named(str(path))
            table.add_row(bot.name, bot.driver, bot.app, bot.description)
        except BotScriptError as exc:
            table.add_row(path.stem, "", "", f"[red]invalid: {escape(str(exc))}[/red]")
    console.print(table)


@main.command()
@click.argument("bots", nargs=-1)
def validate(bots: tuple[str, ...]) -> None:
    """Check bot scripts and their selector maps without running anything."""
    names = list(bots) or [str(p) for p in sorted(bots_dir().glob("*.yaml"))]
    failed: list[BotScriptError] = []
    for name in names:
        try:
            bot = load_named(name)
        except BotScriptError as exc:
            failed.append(exc)
            err.print(f"[red]✗[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            continue
        console.print(f"[green]✓[/green] {bot.file} ({len(bot.steps)} steps, "
                      f"selectors {bot.selectors.file})", highlight=False)
    if failed:
        sys.exit(max(exit_code(exc) for exc in failed))


@main.command()
@click.argument("bot_name")
@click.option("--input", "input_file", type=click.Path(path_type=Path),
              help="Case file (.xlsx) exported by the service desk.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option("--limit", type=click.IntRange(min=1), help="Enter at most N cases.")
@click.option("--direct", is_flag=True,
              help="Skip the durable queue (no crash recovery); for comparisons.")
def run(bot_name: str, input_file: Path | None, headed: bool, limit: int | None,
        direct: bool) -> None:
    """Queue the cases of a case file for BOT_NAME, then enter them."""
    # A robot error ends the command with its code in errors.EXIT_CODES (cli/app.py).
    bot = load_named(bot_name)
    if input_file is None:
        raise CaseDataError("give the case file with --input FILE.xlsx")
    # The header is found before anything is written; the file is then read once: into
    # the batch, or (--direct) into memory.
    with STOP.abortable():
        cases = open_cases(input_file, bot.input)
        intake = _collect(cases) if direct else None
    options = RunOptions(robot_home(), headed, limit)
    ending = Ending()  # filled as the run goes: told however it ends
    try:
        with ProgressReport() as report:
            if intake is not None:
                report.expect(_capped(len(intake.rows), limit))
                with STOP.graceful():
                    run_direct(bot, intake, options, report, STOP.requested, ending=ending)
            else:
                run_file(bot, cases, options, report, STOP, ending=ending,
                         on_batch=lambda b: _batch_taken(b, limit, report))
    except ApplicationError as exc:
        err.print(f"[red]the application could not be started:[/red] {escape(str(exc))}",
                  highlight=False, soft_wrap=True)
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
    sys.exit(ending.outcome.exit_code if ending.outcome else EXIT_SYSTEM)


def _where(ending: Ending) -> str:
    if ending.stopped_in == "queue":
        return " while queueing: nothing was queued"
    if ending.stopped_in == "results":
        return " while writing the results workbook"
    return ""


def _collect(cases: CaseStream) -> Intake:
    with cases:
        return collect(cases)


def _capped(count: int, limit: int | None) -> int:
    return min(count, limit or count)


def _batch_taken(batch: Batch, limit: int | None, report: ProgressReport) -> None:
    """The batch is queued: say so, and size the progress by it (every row of the file)."""
    console.print(f"batch {batch.id}: {batch.new} new, {batch.duplicates} already queued",
                  highlight=False)
    report.expect(_capped(batch.new + batch.duplicates, limit))
