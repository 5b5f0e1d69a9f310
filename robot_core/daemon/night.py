"""One run of a schedule: take the inbox in, work the queue, deliver what is finished.

The loop looks at the inbox about once a second. Settled files are taken (``Receiver``);
while cases wait and the window is open, a crew of workers works the bot's whole queue
(last night's leftovers and crashed workers' items included). It ends when the crew is done,
nothing in the inbox is still being copied, and nothing can progress any more, or when the
window shuts (workers finish the case in hand) or the daemon stops (the same, by SIGTERM).

Cases that failed for system reasons come back deferred (``retry.system_failures``): a
windowed run stays for the first of them due before the window shuts and starts a crew
again then; a run without a window ends, and the schedule's next run takes them.

A crew whose worker exits 2 met the system down: the login failed, the app would not
start, or the run's breaker tripped (``retry.breaker``: case after case failed on the
system). All three are treated alike: no new crew at once for what the last one got done
before it stopped, only for new files or deferred cases coming due (``system_down``).
"""

from __future__ import annotations

import fcntl
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from robot_core.daemon.context import RunContext
from robot_core.daemon.crew import Crew
from robot_core.daemon.delivery import deliver_finished
from robot_core.daemon.inbox import Inbox
from robot_core.daemon.receive import Receiver
from robot_core.errors import EXIT_SYSTEM, ConfigError
from robot_core.outcome import Status
from robot_core.run.session import environment
from robot_core.run.worker import owner_alive

POLL_S = 1.0
PATIENCE_S = 60.0


@dataclass
class NightReport:
    """What one run did, for the command line and the audit trail."""

    taken: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    waiting: int = 0
    until: str = ""


class NightRun:
    """Runs one schedule once; ``stopping`` is the daemon's SIGTERM."""

    def __init__(self, ctx: RunContext, run_dir: Path, stopping: threading.Event,
                 ignore_window: bool = False) -> None:
        self.ctx = ctx
        self.run_dir = run_dir
        self.stopping = stopping
        window = None if ignore_window else ctx.schedule.window
        self.windowed = window is not None
        self.until = window.until(datetime.now(UTC)) if window else None
        spec = ctx.schedule.spec
        self.inbox = Inbox(ctx.schedule.inbox_pattern(ctx.paths.inbox), ctx.paths.rejected,
                           spec.settle_s)
        self.receiver = Receiver(ctx)
        self.report = NightReport(until=self.until.isoformat() if self.until else "")
        self.crew: Crew | None = None
        self.final_at_start = -1
        self.set_up = True
        self.next_try: datetime | None = None  # the first deferred case due in the window

    def run(self) -> NightReport:
        """Loop until done; always waits for the crew and delivers what finished."""
        ctx = self.ctx
        ctx.events.event("run_started", run_id=ctx.run_id, inbox=self.inbox.pattern,
                         window=str(ctx.schedule.window or ""), until=self.report.until,
                         window_open=self.open())
        fresh = bool(self.receiver.recover())
        started = time.monotonic()
        self._find_next_try()
        try:
            while not self.stopping.is_set():
                fresh |= self._intake() | self._deferred_due()
                self._deliver()
                if self.crew is not None and not self.crew.running():
                    self._crew_done()
                if self.crew is None and self.open() and self._worth_working(fresh):
                    self._start_crew()
                    fresh = False
                if self.crew is None and self._done(time.monotonic() - started):
                    break
                self.stopping.wait(POLL_S)
        finally:
            if self.crew is not None:
                if self.stopping.is_set():
                    self.crew.stop()
                self.crew.wait()
                self._crew_done()
            self._deliver()
            self.report.waiting = self._counts()[0]
            ctx.events.event("run_finished", taken=len(self.report.taken),
                             duplicates=len(self.report.duplicates),
                             rejected=len(self.report.rejected),
                             delivered=len(self.report.delivered),
                             cases_waiting=self.report.waiting,
                             stopped=self.stopping.is_set())
        return self.report

    def _find_next_try(self) -> None:
        """When the first deferred case comes due, if a crew may still take it then."""
        if not self.windowed or self.until is None:
            self.next_try = None  # no window to stay in: the next run takes them
            return
        now = datetime.now(UTC)
        due = [i.defer_until for i in self.ctx.store.items(self.ctx.bot.name,
                                                           states=[Status.PENDING,
                                                                   Status.UNCERTAIN])
               if i.defer_until is not None and now < i.defer_until < self.until]
        self.next_try = min(due) if due else None

    def _deferred_due(self) -> bool:
        """A deferred case has come due: worth a crew again."""
        if self.crew is not None or self.next_try is None:
            return False
        if datetime.now(UTC) < self.next_try:
            return False
        self.next_try = None
        return True

    def _done(self, elapsed: float) -> bool:
        """Nothing to work on; is anything in the inbox worth staying for?"""
        if self.next_try is not None and self.open():
            return False  # a deferred case comes due before the window shuts
        if not self.inbox.waiting():
            return True
        if not self.open():
            return elapsed > 2 * self.inbox.settle_s + POLL_S  # one look was enough
        # A file that stopped changing but stays open (in Excel, a copy that hung) is
        # left for the next run rather than holding this one forever.
        if self.inbox.unchanged_for() > max(PATIENCE_S, 10 * self.inbox.settle_s):
            self.ctx.events.event("inbox_files_left", files=self.inbox.waiting_files(),
                                  reason="still open or still being copied")
            return True
        return False

    def open(self) -> bool:
        """Whether cases may be taken now."""
        if not self.windowed:
            return True
        return self.until is not None and datetime.now(UTC) < self.until

    def _intake(self) -> bool:
        queued = False
        with _intake_lock(self.ctx.paths.locks / "intake.lock"):
            for path in self.inbox.complete():
                try:
                    entry = self.receiver.receive(path)
                except Exception as exc:  # one bad file must not stop the others
                    self.ctx.events.event("intake_error", file=path.name, error=repr(exc))
                    self.inbox.ignore(path)
                    continue
                self.inbox.forget(path)
                kind = {"queued": self.report.taken, "duplicate": self.report.duplicates,
                        "rejected": self.report.rejected}[entry.state]
                kind.append(entry.name)
                queued |= entry.state == "queued"
        return queued

    def _deliver(self) -> None:
        self.report.delivered += [e.name for e in deliver_finished(self.ctx)]

    def _counts(self) -> tuple[int, int]:
        """(claimable items, final items) of the bot."""
        claimable = final = 0
        for (bot, _batch), by_state in self.ctx.store.counts(self.ctx.bot.name).items():
            if bot != self.ctx.bot.name:
                continue
            claimable += by_state.get(Status.PENDING, 0) + by_state.get(Status.UNCERTAIN, 0)
            final += sum(n for s, n in by_state.items() if s.final)
        return claimable, final

    def _worth_working(self, fresh: bool) -> bool:
        """Cases wait, and either new ones came or the last crew got somewhere."""
        if not self.set_up:
            return False
        # Items of workers that died (a killed daemon) count as waiting: make them uncertain.
        self.ctx.store.reclaim_dead(socket.gethostname(), owner_alive)
        claimable, final = self._counts()
        # A lease that ran out (its worker died on another machine) is claimable too.
        now = datetime.now(UTC)
        claimable += sum(1 for i in self.ctx.store.items(self.ctx.bot.name,
                                                         states=[Status.IN_PROGRESS])
                         if i.lease_expires is not None and i.lease_expires < now)
        return claimable > 0 and (fresh or final > self.final_at_start)

    def _start_crew(self) -> None:
        try:
            environment(self.ctx.bot)
        except ConfigError as exc:
            self.set_up = False
            self.ctx.events.event("run_not_set_up", error=str(exc))
            return
        self.final_at_start = self._counts()[1]
        self.crew = Crew(self.ctx.bot.name, self.ctx.schedule.spec.workers, self.until,
                         self.ctx.paths.home, self.run_dir)
        self.crew.start()
        self.ctx.events.event("workers_started", pids=self.crew.pids, until=self.report.until)

    def _crew_done(self) -> None:
        assert self.crew is not None
        codes = self.crew.codes()
        self.ctx.events.event("workers_finished", exit_codes=codes, logs=str(self.run_dir))
        self.crew = None
        if EXIT_SYSTEM in codes:
            # The system is down (a failed login, the breaker): what the crew got done
            # before is no reason to start another against it now.
            self.final_at_start = self._counts()[1]
            self.ctx.events.event("system_down", app=self.ctx.bot.app, logs=str(self.run_dir))
        self._find_next_try()
        if self.next_try is not None:
            self.ctx.events.event("cases_deferred", next_try=self.next_try.isoformat())


@contextmanager
def _intake_lock(path: Path) -> Iterator[None]:
    """One intake pass at a time, across schedules and processes: a file is taken once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
