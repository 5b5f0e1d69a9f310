"""What every ``robot`` command shares: the group, the consoles, exit codes, signals, failing.

The command modules (``run``, ``queue``, ``daemon``, ``capture``, …) import this module and
register their commands on ``main`` when they are imported. They are imported lazily: the
group knows each command's module and one-line help (``COMMANDS`` in ``robot_core.cli``)
and imports a module only when its command runs, so ``robot --help`` and ``robot
--version`` load neither openpyxl, SQLAlchemy, APScheduler, Pillow, Jinja2 nor pydantic.
This module keeps to light imports for the same reason.

Exit codes of ``robot run``: 0 every case done · 1 some business failures · 2 system
failures remain · 3 the bot script, input or set-up is invalid (nothing was entered).
Of every command, when it ends with a robot error: that error's code in the one table,
``robot_core.errors.EXIT_CODES`` (3 invalid input, 2 the system failed); a command never
picks a code for an error itself. 2 for an unexpected error (one line; the traceback goes
to a report under ``ROBOT_HOME/logs/``, see ``crash.py``), 130 (SIGINT) or 143 (SIGTERM)
when a signal stopped it before it could finish, 1 (quietly) when its reader went away. No
traceback reaches the terminal, whatever the input.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, ClassVar, NoReturn

import click
from rich.console import Console
from rich.markup import escape

from robot_core import __version__
from robot_core.cli.crash import summary, write_report
from robot_core.errors import (
    EXIT_PIPE,
    EXIT_SYSTEM,
    RobotError,
    StopRequested,
    exit_code,
)

# Piped output (logs, CI) gets a wide table instead of rich's 80-column default.
_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 140
console = Console(width=_WIDTH, emoji=False)
err = Console(stderr=True, width=_WIDTH, emoji=False)


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
    """The top command: every exception of every subcommand ends as one line and a code.

    ``lazy`` names, for each command not imported yet, its module and its one-line help;
    the module is imported when the command is looked up, and ``--help`` lists it from the
    table (a test keeps the table true to the commands).
    """

    lazy: ClassVar[dict[str, tuple[str, str]]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, imported or not, by name."""
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, importing its module the first time."""
        if cmd_name not in self.commands and cmd_name in self.lazy:
            importlib.import_module(self.lazy[cmd_name][0])
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of commands in ``--help``, without importing the ones not loaded."""
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        # A command not imported yet is listed through a stand-in with its help's first
        # sentence, shortened as click shortens every command's.
        rows = [(name, self.commands.get(name, click.Command(name, help=self.lazy.get(
                 name, ("", ""))[1])).get_short_help_str(limit))
                for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

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
            err.print(f"[yellow]stopped ({signal_name()}); what was done is kept[/yellow]",
                      highlight=False)
            sys.exit(STOP.exit_code)
        except BrokenPipeError:
            _flush_quietly()
            sys.exit(EXIT_PIPE)
        except RobotError as exc:  # expected, named failures: one line, the table's code
            fail(exc)
        except Exception as exc:  # the one place every other error ends
            crashed(exc)


def warn_full_browser(driver: str, *, headed: bool = False) -> None:
    """Headless pages in the full browser because the headless shell is missing: said once
    per command, before it starts (``drivers/chromium_pick``; the audit trail's
    ``session_started`` says it too)."""
    from robot_core.drivers.chromium_pick import full_browser_note  # noqa: PLC0415 - drivers/

    note = full_browser_note(headless=not headed) if driver == "web" else None
    if note:
        err.print(f"[yellow]warning:[/yellow] {escape(note)}", highlight=False, soft_wrap=True)


def signal_name() -> str:
    """The name of the signal that asked to stop (SIGINT when none did: a KeyboardInterrupt)."""
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


def fail(exc: RobotError) -> NoReturn:
    """Print ``exc`` as an error and exit with its code in the table (``errors.EXIT_CODES``).

    Paths like ``map.yaml:100:`` stay text: the consoles read no emoji codes.
    """
    err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
    sys.exit(exit_code(exc))


