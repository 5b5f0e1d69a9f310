"""The worker processes of one schedule run.

Each worker is ``python -m robot_core.daemon.work_until BOT --until T``: its own process, its
own browser, its own lease owner. A worker that dies leaves its item ``in_progress`` under a
dead pid; the next worker on this machine turns it ``uncertain`` and verifies it. Workers stay
in the daemon's process group, so whatever kills the group kills them too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from robot_core.home import project_dir


class Crew:
    """``size`` workers for ``bot``, taking no new case from ``until`` on."""

    def __init__(self, bot: str, size: int, until: datetime | None, home: Path,
                 logs: Path) -> None:
        self.bot = bot
        self.size = size
        self.until = until
        self.home = home
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []
        self.stopped = False

    def command(self) -> list[str]:
        """The command line of one worker."""
        cmd = [sys.executable, "-m", "robot_core.daemon.work_until", self.bot]
        return cmd + (["--until", self.until.isoformat()] if self.until else [])

    def start(self) -> None:
        """Start the workers; each writes to ``logs/worker-N.log``."""
        self.logs.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "ROBOT_HOME": str(self.home), "ROBOT_PROJECT": str(project_dir()),
               "PYTHONUNBUFFERED": "1"}
        for n in range(1, self.size + 1):
            with (self.logs / f"worker-{n}.log").open("ab") as out:
                self.procs.append(subprocess.Popen(self.command(), env=env, stdout=out,
                                                   stderr=subprocess.STDOUT,
                                                   stdin=subprocess.DEVNULL))

    @property
    def pids(self) -> list[int]:
        """The workers' process ids."""
        return [p.pid for p in self.procs]

    def running(self) -> bool:
        """Whether any worker is still at work."""
        return any(p.poll() is None for p in self.procs)

    def stop(self) -> None:
        """Ask every worker to finish its case and stop (SIGTERM, sent once)."""
        if self.stopped:
            return
        self.stopped = True
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    def wait(self) -> list[int]:
        """Wait for every worker; their exit codes."""
        return [p.wait() for p in self.procs]

    def codes(self) -> list[int | None]:
        """Exit codes so far (None: still running)."""
        return [p.poll() for p in self.procs]
