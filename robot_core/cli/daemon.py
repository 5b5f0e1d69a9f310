"""``robot daemon`` and ``robot schedule …``: the nightly runs as an operator meets them."""

from __future__ import annotations

import signal
import sqlite3
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import click
from rich.markup import escape
from rich.table import Table

from robot_core.cli.app import console, err, main
from robot_core.daemon import DaemonPaths, Schedule, job, load_schedules
from robot_core.daemon.job import find_schedule, fire
from robot_core.daemon.log import DaemonLog
from robot_core.daemon.service import Daemon
from robot_core.daemon.triggers import next_fire
from robot_core.errors import exit_code
from robot_core.home import project_dir, robot_home


@main.command()
@click.option("--poll", type=click.FloatRange(min=0.5), default=5.0, show_default=True,
              help="Seconds between looks for changed schedule files.")
def daemon(poll: float) -> None:
    """Run the schedules in schedules/ until SIGTERM (SIGHUP reloads them)."""
    sys.exit(Daemon(robot_home(), project_dir(), poll).run())  # DaemonRunningError: exit 2


@main.group()
def schedule() -> None:
    """Look at and fire the daemon's schedules."""


@schedule.command("list")
def list_schedules() -> None:
    """Every schedule with its next fire time; exit 3 if one is invalid."""
    project = project_dir()
    schedules, errors = load_schedules(project / "schedules", project / "bots")
    stored = _stored_next_runs(DaemonPaths(robot_home()).jobs_db)
    table = Table("schedule", "bot", "when", "window", "inbox", "workers", "next fire")
    for item in schedules:
        table.add_row(item.name, item.bot, item.when, str(item.window or ""), item.spec.inbox,
                      str(item.spec.workers), _next(item, stored.get(item.name)))
    console.print(table)
    for error in errors:
        err.print(f"[red]✗[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
    if errors:
        sys.exit(max(exit_code(error) for error in errors))


@schedule.command("run")
@click.argument("name")
@click.option("--ignore-window", is_flag=True, help="Take cases even outside the run window.")
def run_schedule(name: str, ignore_window: bool) -> None:
    """Fire schedule NAME now, in the foreground, as the daemon would."""
    found = find_schedule(name)

    def stop(signum: int, _frame: FrameType | None) -> None:
        err.print(f"[yellow]{signal.Signals(signum).name}: finishing the cases in hand[/yellow]")
        job.RUNTIME.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log = DaemonLog(DaemonPaths(robot_home()).log)
    try:  # AlreadyRunningError, BotScriptError, QueueError …: the table's code (cli/app.py)
        report = fire(found, log, job.RUNTIME.stopping, ignore_window)
    finally:
        log.close()
    console.print(f"taken {len(report.taken)} · duplicates {len(report.duplicates)} · "
                  f"rejected {len(report.rejected)} · results written {len(report.delivered)}"
                  f" · cases waiting {report.waiting}", highlight=False)


def _next(item: Schedule, stored: datetime | None) -> str:
    if not item.spec.enabled:
        return "disabled"
    now = datetime.now(UTC)
    when = stored if stored is not None and stored > now else next_fire(item, now)
    return when.astimezone(item.tz).strftime("%Y-%m-%d %H:%M:%S %Z") if when else "never"


def _stored_next_runs(db: Path) -> dict[str, datetime]:
    """The daemon's own next run times (an interval counts from when it was scheduled)."""
    if not db.exists():
        return {}
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            rows = conn.execute("SELECT id, next_run_time FROM apscheduler_jobs").fetchall()
    except sqlite3.Error:
        return {}  # no daemon has run here yet
    return {job_id: datetime.fromtimestamp(ts, UTC) for job_id, ts in rows if ts is not None}
