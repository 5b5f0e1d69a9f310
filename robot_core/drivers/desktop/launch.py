"""The legacy program a desktop driver starts: its own process group, so it dies whole.

What to start, and how to know it is up, is the selector map's ``launch:`` block, parsed and
checked by ``robot_core.selectors`` (``LaunchSpec``) when the map loads.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path
from typing import IO

from robot_core.errors import SystemUnavailable
from robot_core.selectors import LaunchSpec, expand


class AppProcess:
    """The legacy program the driver started (its own process group, so it dies whole)."""

    def __init__(self, spec: LaunchSpec, display: str) -> None:
        self.spec = spec
        self.display = display
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        """Start the command."""
        argv = [expand(arg) for arg in self.spec.command]
        env = {**os.environ, **{k: expand(v) for k, v in self.spec.env.items()},
               "DISPLAY": self.display}
        out: IO[bytes] | int = subprocess.DEVNULL
        if self.spec.log:
            log_path = Path(expand(self.spec.log))
            log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = log_path.open("ab")
            out = self._log
        try:
            self.proc = subprocess.Popen(argv, cwd=expand(self.spec.cwd), env=env,
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                         start_new_session=True)
        except OSError as exc:
            raise SystemUnavailable(f"cannot start {argv[0]}: {exc.strerror}") from exc

    @property
    def pid(self) -> int | None:
        """Process id, while one was started."""
        return self.proc.pid if self.proc is not None else None

    def exit_code(self) -> int | None:
        """None while running; the exit code (negative: killed by a signal) once it ended."""
        return None if self.proc is None else self.proc.poll()

    def stop(self, grace_s: float = 5.0) -> None:
        """SIGTERM the program's process group; SIGKILL it if it lingers."""
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                _signal_group(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=grace_s)
                except subprocess.TimeoutExpired:
                    _signal_group(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=grace_s)
            else:
                _signal_group(proc.pid, signal.SIGKILL)  # leftovers of a crashed program
        if self._log is not None:
            self._log.close()
            self._log = None


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(pid, sig)
