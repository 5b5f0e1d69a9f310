"""``robot daemon``: APScheduler with a persistent job store, reloads, and a graceful stop.

* Jobs live in ``ROBOT_HOME/jobs.db`` (SQLAlchemyJobStore). A job is replaced only when its
  trigger changed, so a run missed while the daemon was down is still known at start-up: it
  runs once (``coalesce``) if it is less than ``misfire_grace_s`` late.
* ``max_instances=1`` per schedule; the schedule's lock file backs it up across processes.
* SIGHUP, or a changed file in ``schedules/``, reloads. A file that turned invalid is
  reported and its last valid version kept: a typo at 21:59 does not cancel the night.
* SIGTERM/SIGINT: the scheduler pauses, running jobs stop their workers (each finishes
  its case, leases are released), the daemon waits for them and exits 0.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import time
from datetime import UTC
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from robot_core.daemon import job
from robot_core.daemon.log import DaemonLog
from robot_core.daemon.paths import DaemonPaths
from robot_core.daemon.schedule import Schedule, bot_path, load_schedules
from robot_core.daemon.triggers import make_trigger
from robot_core.errors import BotScriptError, ConfigError, DaemonRunningError
from robot_core.private import private_file
from robot_core.run.session import environment
from robot_core.script.loader import load_bot


class Daemon:
    """Runs the project's schedules until asked to stop."""

    def __init__(self, home: Path, project: Path, poll_s: float = 5.0) -> None:
        self.paths = DaemonPaths(home)
        self.project = project
        self.poll_s = poll_s
        self.log = DaemonLog(self.paths.log)
        # The listener logs skipped and missed runs in our own words; APScheduler's own
        # warnings about them would only repeat it on stderr.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        private_file(self.paths.jobs_db)  # 0600 before SQLAlchemy creates it (and -wal/-shm)
        self.jobstore = SQLAlchemyJobStore(url=self.paths.jobs_url)
        self.executor = ThreadPoolExecutor(8)
        self.scheduler = BackgroundScheduler(
            jobstores={"default": self.jobstore}, executors={"default": self.executor},
            job_defaults={"coalesce": True, "max_instances": 1}, timezone=UTC)
        self._stop = False
        self._hup = False
        self._fired = False
        # What the jobs of this process read: this daemon's stop signal, schedules and log.
        self.runtime = job.Runtime(log=self.log)
        job.RUNTIME = self.runtime
        self._seen: dict[str, tuple[int, int]] = {}

    def run(self) -> int:
        """Start, serve until SIGTERM/SIGINT, stop gracefully; the exit code."""
        self.paths.make()
        with (self.paths.locks / "daemon.lock").open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DaemonRunningError(f"a daemon already runs on {self.paths.home}") from None
            self._serve()
        return 0

    def _serve(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_hup)
        self.scheduler.add_listener(self._on_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
                                    | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        self.log.event("daemon_started", pid=os.getpid(), home=str(self.paths.home),
                       project=str(self.project), jobs=self.paths.jobs_url)
        # Paused: reconcile the stored jobs with the files before anything may fire.
        self.scheduler.start(paused=True)
        self.reload("start")
        self.scheduler.resume()
        last_look = time.monotonic()
        while not self._stop:
            time.sleep(0.2)  # signals interrupt the sleep; handlers only set flags
            if self._fired:
                self._fired = False
                self.log_next_fire_times()
            if self._hup or time.monotonic() - last_look >= self.poll_s:
                last_look = time.monotonic()
                # Take the flag before reloading: a SIGHUP arriving during this reload
                # must cause another one, not be wiped out when this one ends.
                hup, self._hup = self._hup, False
                if hup or self._files() != self._seen:
                    self.reload("SIGHUP" if hup else "files changed")
        self.log.event("daemon_stopping", note="running schedules finish the cases in hand")
        self.halt()
        self.log.event("daemon_stopped")
        self.log.close()

    def halt(self) -> None:
        """Stop firing, let running jobs stop their workers, wait for them; touch no job.

        Not ``scheduler.shutdown()``: in APScheduler 3.x it looks for due jobs once more
        after its executors are gone, and would move a fire time that passed while we waited
        to the next one without running it. A paused scheduler leaves the store alone, so
        the next start sees that run as missed and runs it within ``misfire_grace_s``.
        """
        self.scheduler.pause()
        self.runtime.stopping.set()
        self.executor.shutdown(wait=True)
        self.jobstore.shutdown()

    def reload(self, why: str) -> None:
        """Read ``schedules/`` and bring the job store in line with it."""
        self._seen = self._files()
        found, errors = load_schedules(self.project / "schedules", self.project / "bots")
        current = {s.name: s for s in found}
        broken = set()
        for error in errors:
            stem = Path(error.location.file).stem if error.location else error.key
            broken.add(stem)
            kept = self.runtime.schedules.get(stem)
            if kept is not None and stem not in current:
                current[stem] = kept
            self.log.event("schedule_invalid", error=str(error),
                           kept_last_valid=kept is not None)
        for schedule in current.values():
            if schedule.spec.enabled:
                self._put(schedule)
                self._check_bot(schedule)
        for stored in self.scheduler.get_jobs():
            wanted = current.get(stored.id)
            if stored.id in broken and wanted is None:
                continue  # keep it: if the file is still wrong at the fire time, the run says so
            if wanted is None or not wanted.spec.enabled:
                self.scheduler.remove_job(stored.id)
                self.log.event("schedule_removed", schedule=stored.id)
        self.runtime.schedules = current
        self.log.event("schedules_loaded", why=why, schedules=sorted(current),
                       invalid=len(errors))
        self.log_next_fire_times()

    def log_next_fire_times(self) -> None:
        """One ``next_fire`` line per scheduled job, in the schedule's own time zone."""
        for stored in self.scheduler.get_jobs():
            schedule = self.runtime.schedules.get(stored.id)
            when = stored.next_run_time
            if when is not None and schedule is not None:
                when = when.astimezone(schedule.tz)
            self.log.event("next_fire", schedule=stored.id,
                           at=when.isoformat() if when else "paused")

    def _put(self, schedule: Schedule) -> None:
        name = f"{schedule.name} [{schedule.trigger_key}]"
        stored = self.scheduler.get_job(schedule.name)
        if stored is not None and stored.name == name:
            return  # unchanged: keep its next run time, missed runs included
        self.scheduler.add_job(job.JOB_FUNC, make_trigger(schedule), args=[schedule.name],
                               id=schedule.name, name=name, replace_existing=True,
                               coalesce=True, max_instances=1,
                               misfire_grace_time=schedule.spec.misfire_grace_s)
        self.log.event("schedule_added" if stored is None else "schedule_changed",
                       schedule=schedule.name, when=schedule.when, bot=schedule.bot)

    def _check_bot(self, schedule: Schedule) -> None:
        """Say at load time, not at 22:00, that a bot is broken or its set-up missing."""
        try:
            bot = load_bot(bot_path(self.project / "bots", schedule.bot),
                           self.project / "selectors")
            environment(bot)
        except (BotScriptError, ConfigError) as exc:
            self.log.event("schedule_not_ready", schedule=schedule.name, error=str(exc))

    def _files(self) -> dict[str, tuple[int, int]]:
        folder = self.project / "schedules"
        files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in files}

    def _on_job(self, event: Any) -> None:
        kind = {EVENT_JOB_EXECUTED: "job_done", EVENT_JOB_ERROR: "job_error",
                EVENT_JOB_MISSED: "run_missed",
                EVENT_JOB_MAX_INSTANCES: "run_skipped"}.get(event.code, "job_event")
        when = getattr(event, "scheduled_run_time", None) or \
            getattr(event, "scheduled_run_times", [None])[-1]
        fields: dict[str, Any] = {"schedule": event.job_id, "scheduled_for": str(when)}
        if getattr(event, "exception", None) is not None:
            fields["error"] = repr(event.exception)
        self.log.event(kind, **fields)
        # The main loop logs the next fire times: a listener that asked the scheduler
        # would deadlock with a shutdown waiting for this very job.
        self._fired = True

    def _on_stop(self, _signum: int, _frame: FrameType | None) -> None:
        # No logging here: the handler may interrupt the main thread inside a log write.
        self._stop = True
        self.runtime.stopping.set()  # at once: running jobs tell their workers now

    def _on_hup(self, _signum: int, _frame: FrameType | None) -> None:
        self._hup = True

