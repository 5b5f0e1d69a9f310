"""The ``robot`` command. Thin: parse, call the library, render with rich.

Exit codes of ``robot run``: 0 every case done · 1 some business failures · 2 system
failures remain · 3 the bot script, input or set-up is invalid (nothing was entered).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from robot_core import __version__
from robot_core.batch import RunOptions, run_direct, run_file
from robot_core.errors import ApplicationError, BotScriptError, CaseDataError, ConfigError
from robot_core.home import project_dir, robot_home
from robot_core.intake import CaseRow, read_cases
from robot_core.outcome import CaseResult, RunOutcome, Status
from robot_core.queue import QueueError
from robot_core.script.loader import load_bot
from robot_core.script.model import BotScript

EXIT_INVALID = 3
EXIT_SYSTEM = 2
# Piped output (logs, CI) gets a wide table instead of rich's 80-column default.
_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 140
console = Console(width=_WIDTH, emoji=False)
err = Console(stderr=True, width=_WIDTH, emoji=False)
STYLE = {Status.DONE: "green", Status.BUSINESS_FAILED: "yellow", Status.FAILED: "red",
         Status.PENDING: "dim"}


def _bots_dir() -> Path:
    return project_dir() / "bots"


def _load(name: str) -> BotScript:
    path = Path(name) if name.endswith((".yaml", ".yml")) else _bots_dir() / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in _bots_dir().glob("*.yaml"))) or "none"
        raise BotScriptError(f"no bot named {name!r} (bots: {known})")
    return load_bot(path, project_dir() / "selectors")


@click.group()
@click.version_option(__version__, prog_name="robot")
def main() -> None:
    """robot: declarative RPA for back-office data entry."""
    os.umask(0o077)  # everything a run writes (queue, evidence, logs) is this user's alone


@main.command("list")
def list_bots() -> None:
    """Each bot with its description, driver and app."""
    table = Table("bot", "driver", "app", "description")
    for path in sorted(_bots_dir().glob("*.yaml")):
        try:
            bot = _load(str(path))
            table.add_row(bot.name, bot.driver, bot.app, bot.description)
        except BotScriptError as exc:
            table.add_row(path.stem, "", "", f"[red]invalid: {escape(str(exc))}[/red]")
    console.print(table)


@main.command()
@click.argument("bots", nargs=-1)
def validate(bots: tuple[str, ...]) -> None:
    """Check bot scripts and their selector maps without running anything."""
    names = list(bots) or [str(p) for p in sorted(_bots_dir().glob("*.yaml"))]
    failed = 0
    for name in names:
        try:
            bot = _load(name)
        except BotScriptError as exc:
            failed += 1
            err.print(f"[red]✗[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            continue
        console.print(f"[green]✓[/green] {bot.file} ({len(bot.steps)} steps, "
                      f"selectors {bot.selectors.file})", highlight=False)
    if failed:
        sys.exit(EXIT_INVALID)


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
    try:
        bot = _load(bot_name)
        if input_file is None:
            raise CaseDataError("give the case file with --input FILE.xlsx")
        intake = read_cases(input_file, bot.input)
    except (BotScriptError, CaseDataError) as exc:
        fail(exc, EXIT_INVALID)
    total = min(len(intake.rows), limit or len(intake.rows))
    stopper = GracefulStop()
    options = RunOptions(robot_home(), headed, limit)
    try:
        with ProgressReport(total) as report:
            if direct:
                outcome, paths = run_direct(bot, intake, options, report, stopper.requested)
            else:
                outcome, paths, _ = run_file(
                    bot, input_file, options, report, stopper.requested,
                    on_batch=lambda b: console.print(
                        f"batch {b.id}: {b.new} new, {b.duplicates} already queued",
                        highlight=False))
    except (ConfigError, CaseDataError, QueueError) as exc:
        fail(exc, EXIT_INVALID)
    except ApplicationError as exc:
        err.print(f"[red]the application could not be started:[/red] {escape(str(exc))}",
                  highlight=False)
        sys.exit(EXIT_SYSTEM)
    render(outcome)
    console.print(f"evidence: {paths.root}", highlight=False, soft_wrap=True)
    console.print(f"results:  {paths.results}", highlight=False, soft_wrap=True)
    sys.exit(outcome.exit_code)


def fail(exc: Exception, code: int) -> NoReturn:
    """Print ``exc`` as an error and exit with ``code``."""
    err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
    sys.exit(code)


class GracefulStop:
    """First Ctrl-C / SIGTERM: finish the current case, then stop. Second: stop now."""

    def __init__(self) -> None:
        self.count = 0
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.count += 1
        if self.count > 1:
            raise KeyboardInterrupt
        err.print(f"[yellow]{signal.Signals(signum).name}: finishing the current case, "
                  "then stopping (again to stop now)[/yellow]")

    def requested(self) -> bool:
        return self.count > 0


class ProgressReport:
    """A rich progress bar on a terminal; one plain line per case otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.seen = 0
        self.counts = {s: 0 for s in Status}
        self.bar: Progress | None = None

    def __enter__(self) -> ProgressReport:
        if console.is_terminal:
            self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TextColumn("{task.fields[tally]}"),
                                TimeRemainingColumn(), console=console)
            self.bar.start()
            self.task = self.bar.add_task("entering", total=self.total, tally="")
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, case: CaseRow, result: CaseResult) -> None:
        self.seen += 1
        self.counts[result.status] += 1
        tally = (f"done {self.counts[Status.DONE]} · business "
                 f"{self.counts[Status.BUSINESS_FAILED]} · failed {self.counts[Status.FAILED]}")
        if self.bar is not None:
            self.bar.update(self.task, advance=1, tally=tally)
            return
        extra = " ".join(result.outputs.values()) or result.error
        console.print(escape(f"[{self.seen}/{self.total}] {case.key} {result.status.value} "
                             f"{extra}"),
                      highlight=False, soft_wrap=True)


def render(outcome: RunOutcome) -> None:
    """The results table and the counts."""
    table = Table("case", "status", "outputs", "error", "attempts", title=f"run {outcome.run_id}")
    for r in outcome.results:
        style = STYLE[r.status]
        table.add_row(escape(r.key), f"[{style}]{r.status.value}[/{style}]",
                      escape(" ".join(r.outputs.values())), escape(r.error[:80]),
                      str(r.attempts))
    console.print(table)
    counts = outcome.counts()
    console.print(" · ".join(f"{s.value}: {counts.get(s, 0)}" for s in Status))


import robot_core.cli_capture  # noqa: E402, F401 - registers `robot capture` on main
from robot_core import cli_daemon, cli_queue  # noqa: E402 - they register their commands on main

__all__ = ["cli_daemon", "cli_queue", "main"]
