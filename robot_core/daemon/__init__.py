"""The nightly daemon: APScheduler fires schedules; each run takes the inbox in and works it.

One run of a schedule, one module a step::

    schedules/NAME.yaml ─ schedule.py ─▶ Schedule (validated, file:line errors)
                          triggers.py   cron / interval trigger, the run window
    service.py   the daemon: APScheduler + SQLAlchemy job store (jobs.db), reloads, signals
    job.py       what APScheduler calls (``run_schedule(name)``), one instance per schedule
    night.py     the run: intake → workers → delivery, until the queue is dry or the window shuts
      inbox.py     which files are complete (settled, not open for writing)
      receive.py   checksum; archive/ and queue · duplicate · inbox/rejected/ (rejection.py)
      ledger.py    which file became which batch, and whether its results went out (jobs.db)
      crew.py      N worker processes (``work_until.py``), stopped gracefully
      delivery.py  results workbook to outbox/, summary audit event, notification (notify.py)
    paths.py · context.py · log.py   where files go · what a run shares · daemon.log, Tee

Nothing in the inbox is ever deleted: a file is archived (queued or duplicate) or rejected.
"""

from robot_core.daemon.paths import DaemonPaths
from robot_core.daemon.schedule import Schedule, load_schedule, load_schedules

__all__ = ["DaemonPaths", "Schedule", "load_schedule", "load_schedules"]
