"""Several worker processes on one queue: ``robot work BOT --workers N``.

Each worker is a process of its own (``robot work BOT --as-worker K``): its own browser, its
own lease owner, its own run id, audit trail, evidence folder and report, so every audit
chain stays one process's unbroken chain. The queue is the only thing they share; its claims
are atomic, so each case is entered once whichever worker takes it.

The workers run in sessions of their own, so a terminal's Ctrl-C reaches only this parent,
which passes every SIGINT or SIGTERM on to each worker once: the first lets each finish the
case in hand and stop, a second stops them at once (as it stops one ``robot work``).

With an ``entry`` (``robot work``), a worker is forked from this parent rather than started
afresh (run/forked.py): it skips the imports and the bot load every fresh process pays, which
on a loaded two-core machine was most of a pool's start-up. Without one (``robot run``, whose
parent holds the queue open while the pool works), each worker is ``command`` run anew.

A worker reports on its stdout, one JSON object a line: ``{"case": …, "status": …}`` for
each case it finished, then ``{"worked": n, "run_id": …, "evidence": …}``; the parent
turns those into one progress bar and one summary.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from robot_core.outcome import CaseResult, Status
from robot_core.run.forked import Entry, ForkedWorker, fork_worker

AS_WORKER = "--as-worker"


@dataclass
class WorkerReport:
    """What one worker process did."""

    number: int
    pid: int
    exit_code: int | None = None
    worked: int = 0
    run_id: str = ""
    evidence: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def worker_line(result: CaseResult) -> str:
    """The line a worker prints for each finished case (no error text: it may hold data)."""
    return json.dumps({"case": result.key, "status": result.status.value})


def summary_line(worked: int, run_id: str, evidence: str) -> str:
    """The last line a worker prints."""
    return json.dumps({"worked": worked, "run_id": run_id, "evidence": evidence})


Process = subprocess.Popen[str] | ForkedWorker


class WorkerPool:
    """``size`` worker processes running ``command`` (plus ``--as-worker K``): forked and
    handed to ``entry`` when one is given (and the platform forks), else executed."""

    def __init__(self, command: Sequence[str], size: int,
                 on_result: Callable[[CaseResult], None] | None = None,
                 entry: Entry | None = None) -> None:
        self.command = list(command)
        self.size = size
        self.on_result = on_result
        self.entry = entry if hasattr(os, "fork") else None
        self.reports: list[WorkerReport] = []
        self.signals = 0
        self.signum = 0  # the last signal passed on
        self._procs: list[Process] = []
        self._readers: list[threading.Thread] = []
        self._lock = threading.Lock()

    def run(self) -> list[WorkerReport]:
        """Start the workers, pass signals on, wait for all; one report per worker."""
        with self.started():
            return self.wait()

    @contextmanager
    def started(self) -> Iterator[WorkerPool]:
        """The workers started, and every SIGINT/SIGTERM passed on to them, until the block
        ends (call ``wait`` in it). The caller may start a progress bar only now: a child
        forked while another thread draws could inherit that thread's locks."""
        with self._forwarding():
            self._start()
            yield self

    def wait(self) -> list[WorkerReport]:
        """Read every worker's lines (into ``on_result``) and wait for all to end."""
        for proc, report in zip(self._procs, self.reports, strict=True):
            reader = threading.Thread(target=self._read, args=(proc, report), daemon=True)
            reader.start()
            self._readers.append(reader)
        for proc, report in zip(self._procs, self.reports, strict=True):
            report.exit_code = _wait(proc)
        for reader in self._readers:
            reader.join()
        return self.reports

    def _start(self) -> None:
        """Every worker started before any is read (so none is forked beside a reader)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for number in range(1, self.size + 1):
            argv = [*self.command, AS_WORKER, str(number)]
            proc: Process
            if self.entry is not None:
                proc = fork_worker(argv, self.entry)
            else:
                proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                        stdin=subprocess.DEVNULL, text=True,
                                        start_new_session=True)
            self._procs.append(proc)
            self.reports.append(WorkerReport(number, proc.pid))

    def _read(self, proc: Process, report: WorkerReport) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            message = _parsed(line)
            if "case" in message:
                status = Status(message["status"])
                report.counts[status.value] = report.counts.get(status.value, 0) + 1
                if self.on_result is not None:
                    with self._lock:  # one progress bar, fed from every reader
                        self.on_result(CaseResult(str(message["case"]), 0, status))
            elif "worked" in message:
                report.worked = int(message["worked"])
                report.run_id = str(message["run_id"])
                report.evidence = str(message["evidence"])
        proc.stdout.close()

    @contextmanager
    def _forwarding(self) -> Iterator[None]:
        """While the workers run, every SIGINT/SIGTERM here is sent on to each of them."""
        def forward(signum: int, _frame: FrameType | None) -> None:
            self.signals += 1
            self.signum = signum
            for proc in self._procs:
                if proc.poll() is None:
                    proc.send_signal(signum)

        before = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        except BaseException:
            for proc in self._procs:  # an error of our own: no worker outlives the parent
                if proc.poll() is None:
                    proc.kill()
            raise
        finally:
            for signum, handler in before.items():
                signal.signal(signum, handler)


def _wait(proc: Process) -> int:
    # A plain wait() may be interrupted by our own forwarding handler: just wait again.
    while True:
        try:
            return proc.wait()
        except InterruptedError:  # pragma: no cover - Python retries EINTR itself
            continue


def _parsed(line: str) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except ValueError:
        sys.stdout.write(line)  # not ours (a library's print): shown, not lost
        return {}
    return message if isinstance(message, dict) else {}


def worst_exit(reports: Sequence[WorkerReport]) -> int:
    """The pool's exit code: 0 if every worker's was, else the first worker's that was not."""
    return next((r.exit_code for r in reports if r.exit_code), 0) or 0
