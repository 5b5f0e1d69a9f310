"""A worker process forked from the pool's parent instead of started afresh.

A fresh ``robot work --as-worker K`` imports the CLI, the bot loader, Playwright and the
evidence writers again, then loads the bot: about 1.4 s of CPU each. Four of them at once on
two cores (beside the parent doing the same) took 9 s before the first one even asked for a
browser. A child forked from the parent has all of that already; it only re-reads its
command line (``entry``) and launches its own browser, so each worker still has its own
browser, lease owner, run folder and audit chain.

Only a parent with no browser and no open queue connection may fork (``robot work`` is such a
parent: it closed its store after counting what waits). The child gets a session of its own
(as ``start_new_session`` gives a ``Popen``), stdout on a pipe to the parent, stdin on
/dev/null, default signal handlers until its command installs its own, and it leaves through
``os._exit`` so none of the parent's exit handlers run twice.

``ForkedWorker`` answers the parts of ``subprocess.Popen`` the pool uses.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

#: Runs a worker's whole command line (``command`` + ``--as-worker K``) in the child;
#: returns its exit code (or raises SystemExit, as a script does).
Entry = Callable[[Sequence[str]], int | None]
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class ForkedWorker:
    """A forked child: ``pid``, ``stdout`` (its lines) and Popen's wait/poll/signal calls."""

    def __init__(self, pid: int, stdout: TextIO) -> None:
        self.pid = pid
        self.stdout: TextIO | None = stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code if the child has ended, else None (without waiting)."""
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        """Wait for the child; its exit code (minus the signal's number if one ended it)."""
        while self.returncode is None:
            try:
                _, status = os.waitpid(self.pid, 0)
            except ChildProcessError:
                # A signal interrupted the wait and its handler's poll() reaped the child
                # (the retried wait then finds none): poll() has kept the code.
                if self.returncode is None:
                    raise
            else:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the child, unless it has already been reaped."""
        if self.returncode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL the child."""
        self.send_signal(signal.SIGKILL)


def fork_worker(argv: Sequence[str], entry: Entry) -> ForkedWorker:
    """Fork a child that runs ``entry(argv)`` and exits with its code."""
    read_fd, write_fd = os.pipe()
    # Blocked across the fork: a signal in between would run the parent's forwarding handler
    # in the child; the parent gets it (and passes it on) once unblocked.
    signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; its effects are what the tests check
            _child(read_fd, write_fd, argv, entry)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    os.close(write_fd)  # only the child writes: its exit is our end of file
    return ForkedWorker(pid, open(read_fd, encoding="utf-8", errors="replace"))


def _child(read_fd: int, write_fd: int, argv: Sequence[str], entry: Entry) -> None:
    """The child's whole life: set up, run ``entry``, and leave with its code."""
    code = 2
    try:
        os.setsid()
        os.close(read_fd)
        os.dup2(write_fd, 1)
        os.close(write_fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        for signum in _SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
        # A new stdout on the pipe: the parent's may be mid-write in another thread.
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                      line_buffering=True)
        random.seed()  # the slot waits' jitter must differ between workers
        code = _code(entry, argv)
    except BaseException as exc:  # nothing may escape into the parent's code
        sys.stderr.write(f"error: worker {' '.join(argv[-1:])} could not start: {exc!r}\n")
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)


def _code(entry: Entry, argv: Sequence[str]) -> int:
    """``entry``'s exit code, whether returned or raised as SystemExit (as a script's)."""
    try:
        return entry(argv) or 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        sys.stderr.write(f"{exc.code}\n")
        return 1
