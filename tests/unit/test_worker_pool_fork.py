"""The pool's forked workers (run/forked.py): real child processes, with a tiny entry in place of
the CLI, so what the fork itself promises is checked in a second or so."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections.abc import Sequence

import pytest

from robot_core.outcome import CaseResult, Status
from robot_core.run.forked import fork_worker
from robot_core.run.pool import AS_WORKER, WorkerPool, summary_line, worker_line


def _number(argv: Sequence[str]) -> int:
    return int(argv[list(argv).index(AS_WORKER) + 1])


def _three_cases(argv: Sequence[str]) -> int:
    """Each worker reports three cases, then who it is: pid, session and a random draw."""
    number = _number(argv)
    for n in range(3):
        print(worker_line(CaseResult(f"W{number}-{n}", n, Status.DONE)))
    print(json.dumps({"worked": 3, "run_id": f"{os.getpid()}:{os.getsid(0)}",
                      "evidence": str(random.random())}))
    return 0


def test_forked_workers_report_their_cases_and_each_runs_in_a_session_of_its_own() -> None:
    """Three forked workers: every case line reaches ``on_result``, and each child leads its
    own session (a terminal's Ctrl-C reaches only the parent) with its own random draws."""
    seen: list[str] = []
    pool = WorkerPool(["prog", "work", "bot"], 3, lambda r: seen.append(r.key),
                      entry=_three_cases)
    reports = pool.run()
    assert sorted(seen) == sorted(f"W{w}-{n}" for w in (1, 2, 3) for n in range(3))
    assert [r.exit_code for r in reports] == [0, 0, 0]
    assert [r.worked for r in reports] == [3, 3, 3]
    for report in reports:
        pid, sid = report.run_id.split(":")
        assert int(pid) == report.pid != os.getpid() and sid == pid
    assert len({r.evidence for r in reports}) == 3  # the slot waits' jitter differs


def _exits_by_number(argv: Sequence[str]) -> int:
    """Worker 1 ends well, worker 2 exits 3 as an invalid input does, worker 3 crashes."""
    number = _number(argv)
    if number == 2:
        raise SystemExit(3)
    if number == 3:
        raise RuntimeError("boom")
    return 0


def test_a_forked_workers_exit_code_reaches_the_pool_and_a_crash_is_one_line(
        capfd: pytest.CaptureFixture[str]) -> None:
    """Exit codes come back as a fresh process's would (SystemExit's code; 2 for anything
    that escaped), and an escaped error is one line on stderr, never a traceback."""
    reports = WorkerPool(["prog"], 3, entry=_exits_by_number).run()
    assert [r.exit_code for r in reports] == [0, 3, 2]
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if "boom" in line] == \
        ["error: worker 3 could not start: RuntimeError('boom')"]


def _until_stopped(argv: Sequence[str]) -> int:
    """Report a case every 20 ms until SIGTERM; then finish the case in hand and stop."""
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    worked = 0
    deadline = time.monotonic() + 20
    while not stopping and time.monotonic() < deadline:
        time.sleep(0.02)
        worked += 1
        print(worker_line(CaseResult(f"{_number(argv)}-{worked}", worked, Status.DONE)))
    print(summary_line(worked, "stopped" if stopping else "timed out", ""))
    return 0


def test_sigterm_to_the_parent_reaches_every_forked_worker_once() -> None:
    """A SIGTERM to the parent while forked workers run is passed to each of them once; each
    stops at its next case boundary and reports, well before its 20 s would run out."""
    results: list[str] = []
    pool: WorkerPool

    def on_result(result: CaseResult) -> None:
        results.append(result.key)
        if len(results) == 6:  # all three are surely running by now
            os.kill(os.getpid(), signal.SIGTERM)

    pool = WorkerPool(["prog"], 3, on_result, entry=_until_stopped)
    before = signal.getsignal(signal.SIGTERM)
    started = time.monotonic()
    reports = pool.run()
    assert time.monotonic() - started < 10
    assert pool.signals == 1 and pool.signum == signal.SIGTERM
    assert [r.exit_code for r in reports] == [0, 0, 0]
    assert [r.run_id for r in reports] == ["stopped"] * 3
    assert sum(r.worked for r in reports) == len(results)  # each reported case, once
    assert signal.getsignal(signal.SIGTERM) == before  # the forwarding handler is gone


def _naps(argv: Sequence[str]) -> int:
    """Sleep a tenth of a second, then end with 7."""
    time.sleep(0.1)
    return 7


def test_a_wait_whose_signal_handler_reaped_the_worker_still_returns_its_code() -> None:
    """The pool's forwarding handler polls its workers while the main thread waits on one:
    when that poll reaps the worker, the interrupted wait still returns the worker's code."""
    worker = fork_worker(["prog", AS_WORKER, "1"], _naps)

    def handler(_signum: int, _frame: object) -> None:
        time.sleep(0.3)  # the worker ends meanwhile; this poll reaps it
        assert worker.poll() == 7

    before = signal.signal(signal.SIGUSR1, handler)
    try:
        threading.Timer(0.03, os.kill, (os.getpid(), signal.SIGUSR1)).start()
        assert worker.wait() == 7
    finally:
        signal.signal(signal.SIGUSR1, before)
    assert worker.stdout is not None and worker.stdout.read() == ""
    worker.stdout.close()
