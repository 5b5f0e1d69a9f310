"""What APScheduler runs: ``run_schedule(name)``, by reference, so the job store can keep it.

``fire`` is the same run in the foreground (``robot schedule run``). A lock file per
schedule keeps to one running instance across the daemon and any foreground run, on top of
APScheduler's ``max_instances=1`` within the daemon.
"""

from __future__ import annotations

import fcntl
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from robot_core.daemon.context import RunContext
from robot_core.daemon.ledger import Ledger
from robot_core.daemon.log import DaemonLog, Events, HeldBack, Tee
from robot_core.daemon.night import NightReport, NightRun
from robot_core.daemon.paths import DaemonPaths
from robot_core.daemon.schedule import Schedule, bot_path, load_schedules
from robot_core.errors import AlreadyRunningError, BotScriptError
from robot_core.evidence.anchor import audit_key, seal
from robot_core.evidence.audit import AuditTrail
from robot_core.home import new_run_id, project_dir, robot_home
from robot_core.queue import open_store
from robot_core.script.loader import load_bot

JOB_FUNC = "robot_core.daemon.job:run_schedule"


@dataclass
class Runtime:
    """The daemon's state that jobs read: its stop signal, schedules and log."""

    stopping: threading.Event = field(default_factory=threading.Event)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    log: Events | None = None


RUNTIME = Runtime()


def run_schedule(name: str) -> None:
    """APScheduler's entry point: run ``name`` once; an error is logged, never raised."""
    log = RUNTIME.log or DaemonLog(DaemonPaths(robot_home()).log)
    try:
        schedule = RUNTIME.schedules.get(name) or find_schedule(name)
        fire(schedule, log, RUNTIME.stopping)
    except AlreadyRunningError:
        log.event("run_skipped", schedule=name, reason="the previous run is still going")
    except Exception as exc:  # one failed run must never take the daemon down
        log.event("run_failed", schedule=name, error=repr(exc),
                  traceback=traceback.format_exc()[-4000:])


def find_schedule(name: str) -> Schedule:
    """Load the schedule called ``name`` from the project; ``BotScriptError`` if it is wrong."""
    project = project_dir()
    schedules, errors = load_schedules(project / "schedules", project / "bots")
    for schedule in schedules:
        if schedule.name == name:
            return schedule
    for error in errors:
        if error.location and Path(error.location.file).stem == name:
            raise error
    known = ", ".join(s.name for s in schedules) or "none"
    raise BotScriptError(f"no schedule named {name!r} (schedules: {known})")


def fire(schedule: Schedule, log: Events, stopping: threading.Event,
         ignore_window: bool = False) -> NightReport:
    """Run ``schedule`` once now; ``AlreadyRunningError`` if another run of it holds the lock."""
    paths = DaemonPaths(robot_home()).make()
    with _schedule_lock(paths.lock(schedule.name)):
        project = project_dir()
        bot = load_bot(bot_path(project / "bots", schedule.bot), project / "selectors")
        run_id = new_run_id(f"schedule-{schedule.name}")
        run_dir = paths.run_dir(run_id)
        trails: list[AuditTrail] = []

        def open_events() -> Events:
            trails.append(AuditTrail(run_dir / "audit.jsonl", audit_key(paths.home),
                                     run_id=run_id, bot=bot.name))
            return Tee(trails[0], log, schedule=schedule.name)

        store = open_store(paths.home)
        ledger = Ledger(paths.jobs_db)
        events = HeldBack(open_events, opening="run_started", closing="run_finished")
        ctx = RunContext(run_id, schedule, bot, store, ledger, paths, events)
        try:
            return NightRun(ctx, run_dir, stopping, ignore_window).run()
        finally:
            ledger.close()
            try:
                for trail in trails:  # anchored: robot audit verify can tell a cut tail
                    seal(trail, store, run_id, bot.name)
            finally:
                store.close()
                for trail in trails:
                    trail.close()


@contextmanager
def _schedule_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunningError(
                f"schedule {path.stem} is running already (in the daemon?)") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

