"""``robot list``, ``robot validate`` and ``robot run``: the commands of one bot and one file."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from robot_core.cli.app import STOP, bots_dir, console, err, load_named, main
from robot_core.cli.render import ProgressReport, render
from robot_core.errors import ApplicationError, BotScriptError, CaseDataError, exit_code
from robot_core.home import robot_home
from robot_core.intake import open_cases, read_cases
from robot_core.run.session import RunOptions, run_direct, run_file
from robot_core.script.model import InputSpec


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
    # Judged whole before anything is written; only --direct keeps the rows in memory.
    with STOP.abortable():
        intake = read_cases(input_file, bot.input) if direct else None
        count = len(intake.rows) if intake is not None else _count(input_file, bot.input)
    total = min(count, limit or count)
    options = RunOptions(robot_home(), headed, limit)
    try:
        with ProgressReport(total) as report:
            if intake is not None:
                with STOP.graceful():
                    outcome, paths = run_direct(bot, intake, options, report, STOP.requested)
            else:
                outcome, paths, _ = run_file(
                    bot, input_file, options, report, STOP,
                    on_batch=lambda b: console.print(
                        f"batch {b.id}: {b.new} new, {b.duplicates} already queued",
                        highlight=False))
    except ApplicationError as exc:
        err.print(f"[red]the application could not be started:[/red] {escape(str(exc))}",
                  highlight=False)
        sys.exit(exit_code(exc))
    render(outcome)
    console.print(f"evidence: {paths.root}", highlight=False, soft_wrap=True)
    console.print(f"results:  {paths.results}", highlight=False, soft_wrap=True)
    sys.exit(outcome.exit_code)


def _count(path: Path, spec: InputSpec) -> int:
    """How many cases ``path`` holds, every row read and judged, none kept."""
    with open_cases(path, spec) as cases:
        return sum(1 for _ in cases)
