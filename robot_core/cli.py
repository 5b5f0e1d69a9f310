"""The ``robot`` command. Thin: parse, call the library, render with rich.

Exit codes of ``robot run``: 0 every case done · 1 some business failures · 2 system
failures remain · 3 the bot script, input or set-up is invalid (nothing was entered).
Of every command: 2 for an unexpected error (one line; the traceback goes to a report under
``ROBOT_HOME/logs/``, see ``crash.py``), 3 for invalid input, 130 (SIGINT) or 143 (SIGTERM)
when a signal stopped it before it could finish, 1 (quietly) when its reader went away. No
traceback reaches the terminal, whatever the input.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from robot_core import __version__
from robot_core.batch import RunOptions, run_direct, run_file
from robot_core.crash import summary, write_report
from robot_core.errors import (
    ApplicationError,
    BotScriptError,
    CaseDataError,
    ConfigError,
    RobotError,
)
from robot_core.home import project_dir, robot_home
from robot_core.intake import CaseRow, open_cases, read_cases
from robot_core.outcome import CaseResult, RunOutcome, Status
from robot_core.queue import QueueError
from robot_core.results import StopRequested
from robot_core.script.loader import load_bot
from robot_core.script.model import BotScript, InputSpec

EXIT_INVALID = 3
EXIT_SYSTEM = 2
EXIT_PIPE = 1  # as rich, click and the Python docs do for a reader that went away
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


class GracefulStop:
    """SIGINT and SIGTERM, for the whole process.

    By default a signal stops the command at once (``StopRequested`` where the code is: a
    transaction rolls back, a temporary file is removed). Within ``graceful()`` the first
    signal only asks to stop (the case in hand is finished; a results workbook gets
    ``GRACE`` seconds); a second stops at once.
    """

    GRACE = 1.0

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """No signal seen yet; outside ``graceful()``."""
        self.count = 0
        self.signum = 0
        self.first_at = 0.0
        self._doing = ""  # "" outside graceful(): stop at once

    def install(self) -> None:
        """Handle SIGINT and SIGTERM from now on (a fresh count: one per command)."""
        self.reset()
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.count += 1
        if not self.signum:
            self.signum, self.first_at = signum, time.monotonic()
        if self.count > 1 or not self._doing:
            raise StopRequested
        err.print(f"[yellow]{signal.Signals(signum).name}: finishing {self._doing}, "
                  "then stopping (again to stop now)[/yellow]", highlight=False)

    def requested(self) -> bool:
        """A stop was asked for."""
        return self.count > 0

    @contextmanager
    def graceful(self, doing: str = "the current case") -> Iterator[None]:
        """Within: the first signal lets ``doing`` finish."""
        before, self._doing = self._doing, doing
        try:
            yield
        finally:
            self._doing = before

    @contextmanager
    def abortable(self) -> Iterator[None]:
        """Within: any signal stops at once (one that came before, too)."""
        before, self._doing = self._doing, ""
        try:
            if self.count:
                raise StopRequested
            yield
        finally:
            self._doing = before

    def deadline(self) -> Callable[[], bool]:
        """From now: true once a stop has had ``GRACE`` seconds, or at a second signal."""
        started = time.monotonic()
        return lambda: self.count > 1 or (
            self.count > 0 and time.monotonic() - max(started, self.first_at) > self.GRACE)

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a program the signal ended."""
        return 128 + (self.signum or signal.SIGINT)


STOP = GracefulStop()


class RobotGroup(click.Group):
    """The top command: every exception of every subcommand ends as one line and a code."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line with private file modes and a quiet broken pipe."""
        os.umask(0o077)  # files 0600, folders 0700: case data belongs to this user alone
        try:
            return super().main(*args, **kwargs)
        finally:
            _flush_quietly()

    def invoke(self, ctx: click.Context) -> Any:
        """Invoke the subcommand; turn whatever escapes it into one line and an exit code."""
        STOP.install()
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise  # click's own: usage errors keep click's message and code
        except KeyboardInterrupt:
            err.print(f"[yellow]stopped ({_signal_name()}); what was done is kept[/yellow]",
                      highlight=False)
            sys.exit(STOP.exit_code)
        except BrokenPipeError:
            _flush_quietly()
            sys.exit(EXIT_PIPE)
        except (BotScriptError, CaseDataError, ConfigError) as exc:
            fail(exc, EXIT_INVALID)
        except RobotError as exc:  # expected, named failures (queue, application): no report
            fail(exc, EXIT_SYSTEM)
        except Exception as exc:  # the one place every other error ends
            crashed(exc)


def _signal_name() -> str:
    return signal.Signals(STOP.signum).name if STOP.signum else "SIGINT"


def _flush_quietly() -> None:
    """Flush stdout; if its reader is gone, point it at /dev/null so exit stays quiet."""
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass


def crashed(exc: BaseException) -> NoReturn:
    """One line naming the error and its report; exit 2."""
    report = write_report(exc)
    where = f"full report: {report}" if report else "no report could be written"
    err.print(f"[red]error:[/red] {escape(summary(exc))} ({escape(where)})", highlight=False,
              soft_wrap=True, emoji=False)
    sys.exit(EXIT_SYSTEM)


@click.group(cls=RobotGroup)
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
        # Judged whole before anything is written; only --direct keeps the rows in memory.
        with STOP.abortable():
            intake = read_cases(input_file, bot.input) if direct else None
            count = len(intake.rows) if intake is not None else _count(input_file, bot.input)
    except (BotScriptError, CaseDataError) as exc:
        fail(exc, EXIT_INVALID)
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


def _count(path: Path, spec: InputSpec) -> int:
    """How many cases ``path`` holds, every row read and judged, none kept."""
    with open_cases(path, spec) as cases:
        return sum(1 for _ in cases)


SHOWN = 200  # cases in the table at the end of a run; the results workbook has every one


def render(outcome: RunOutcome) -> None:
    """The results table (the first ``SHOWN`` cases) and the counts."""
    table = Table("case", "status", "outputs", "error", "attempts", title=f"run {outcome.run_id}",
                  caption=f"the first {SHOWN} of {len(outcome.results)} cases: every one is "
                          "in the results workbook" if len(outcome.results) > SHOWN else None)
    for r in outcome.results[:SHOWN]:
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
