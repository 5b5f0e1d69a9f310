"""The debugging flags of ``robot run`` and what a dry run shows on the terminal.

``--dry-run`` types every case into the real screens up to its ``commit: true`` step and
saves nothing (``run/dryrun.py``); ``--case KEY`` runs one case; ``--trace`` keeps a
Playwright trace of every failed case; ``--slow-mo MS`` slows each browser action;
``--pause-on-failure`` waits for Enter on the terminal after a failure, before recovering.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from robot_core.cli.app import console, err
from robot_core.cli.render import STYLE
from robot_core.run.debug import DebugOptions
from robot_core.run.dryrun import DryRun

FLAGS = ("dry_run", "case", "trace", "slow_mo", "pause_on_failure")


def debug_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the debugging flags to ``command`` (they arrive as keyword arguments, ``FLAGS``)."""
    for option in reversed([
        click.option("--dry-run", is_flag=True,
                     help="Type each case up to, not including, its commit: true step, then "
                          "abandon it through recover: nothing is saved, no queue is used."),
        click.option("--case", metavar="KEY", help="Run only the case with this key."),
        click.option("--trace", is_flag=True,
                     help="Keep a Playwright trace (trace.zip) of every failed case in the "
                          "evidence folder (playwright show-trace FILE)."),
        click.option("--slow-mo", type=click.IntRange(min=0), default=0, metavar="MS",
                     help="Wait MS milliseconds after each browser action (with --headed)."),
        click.option("--pause-on-failure", is_flag=True,
                     help="After a failure, leave the screen as it is and wait for Enter on "
                          "the terminal before recovering."),
    ]):
        command = option(command)
    return command


def debug_options(flags: dict[str, Any]) -> DebugOptions:
    """The ``DebugOptions`` of the flags given."""
    return DebugOptions(dry_run=bool(flags["dry_run"]), trace=bool(flags["trace"]),
                        slow_mo_ms=int(flags["slow_mo"] or 0), case=flags["case"],
                        pause=pause_on_terminal if flags["pause_on_failure"] else None)


def warn_unsupported(driver: str, debug: DebugOptions) -> None:
    """Flags that only a web bot honours, said once instead of silently ignored."""
    if driver != "web" and (debug.trace or debug.slow_mo_ms):
        err.print("[yellow]warning:[/yellow] --trace and --slow-mo are for web bots; "
                  f"this bot drives a {driver} program", highlight=False)


def pause_on_terminal(line: str) -> None:
    """Say what failed and wait for Enter (end of input goes on at once)."""
    err.print(f"[yellow]paused:[/yellow] {escape(line)}", highlight=False, soft_wrap=True)
    err.print("  the screen is as the failure left it; press Enter to recover and go on",
              highlight=False)
    sys.stdin.readline()
    err.print("  going on", highlight=False)


def render_dry(run: DryRun) -> None:
    """Per case: where it stopped, then what it typed (secrets masked)."""
    for result in run.outcome.results:
        style = STYLE[result.status]
        stopped = run.stopped_at.get(result.key)
        verdict = (f"would save at {stopped}" if stopped else
                   result.error or ("reached the end (no commit: true step)"
                                    if result.status.value == "done" else result.status.value))
        table = Table("step", "target", "value", title=f"{result.key}: "
                      f"[{style}]{escape(verdict)}[/{style}]", title_justify="left")
        for typed in run.typed.get(result.key, []):
            table.add_row(escape(typed.step), escape(typed.target), escape(typed.value))
        console.print(table)
    counts = run.outcome.counts()
    tally = " · ".join(f"{s.value}: {n}" for s, n in counts.items())
    console.print(f"dry run: {tally} · nothing was saved, the queue was not used",
                  highlight=False)
