"""The legacy program a desktop driver starts: its own process group, so it dies whole.

What to start, and how to know it is up, is the selector map's ``launch:`` block, parsed and
checked by ``robot_core.selectors`` (``LaunchSpec``) when the map loads.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from robot_core.errors import SystemUnavailable
from robot_core.script.launch import LaunchSpec, expand, render_launch

_STDOUT_LIMIT = 1 << 20  # a per-case program's output kept as a case output: 1 MiB at most


class AppProcess:
    """The legacy program the driver started (its own process group, so it dies whole)."""

    def __init__(self, spec: LaunchSpec, display: str) -> None:
        self.spec = spec
        self.display = display
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._stdout: IO[bytes] | None = None

    def start(self, variables: Mapping[str, Any] | None = None) -> None:
        """Start the command; a per-case one gets the case (``variables``) in its templates.

        The arguments stay a list (no shell ever parses a case value); a per-case program's
        standard output goes to an unnamed temporary file, read back by ``stdout()``.
        """
        values = variables or {}
        argv = [render_launch(arg, values) for arg in self.spec.command]
        env = {**os.environ, **{k: expand(v) for k, v in self.spec.env.items()},
               "DISPLAY": self.display}
        out: IO[bytes] | int = subprocess.DEVNULL
        if self.spec.log:
            log_path = Path(expand(self.spec.log))
            log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = log_path.open("ab")
            out = self._log
        stdout: IO[bytes] | int = out
        if self.spec.per_case:
            self._stdout = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
            stdout = self._stdout
        text = render_launch(self.spec.stdin, values) if self.spec.stdin is not None else None
        try:
            self.proc = subprocess.Popen(argv, cwd=expand(self.spec.cwd), env=env,
                                         stdin=subprocess.DEVNULL if text is None
                                         else subprocess.PIPE,
                                         stdout=stdout, stderr=out, start_new_session=True)
        except OSError as exc:
            raise SystemUnavailable(f"cannot start {argv[0]}: {exc.strerror}") from exc
        if text is not None and self.proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):  # it exited without reading: its code says
                self.proc.stdin.write(text.encode("utf-8"))
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()

    def wait_exit(self, timeout_s: float) -> int | None:
        """Its exit code once it ended by itself within ``timeout_s``; None if it still runs."""
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout=max(0.0, timeout_s))
        except subprocess.TimeoutExpired:
            return None

    def stdout(self) -> str:
        """What a per-case program printed (UTF-8; at most 1 MiB kept)."""
        if self._stdout is None:
            return ""
        self._stdout.seek(0)
        return self._stdout.read(_STDOUT_LIMIT).decode("utf-8", errors="replace")

    @property
    def pid(self) -> int | None:
        """Process id, while one was started."""
        return self.proc.pid if self.proc is not None else None

    def exit_code(self) -> int | None:
        """None while running; the exit code (negative: killed by a signal) once it ended."""
        return None if self.proc is None else self.proc.poll()

    def stop(self, grace_s: float = 5.0, *, let_finish_s: float = 0.0) -> None:
        """SIGTERM the program's process group; SIGKILL it if it lingers.

        ``let_finish_s``: first wait that long for it to exit by itself (it may be writing a
        record it was told to save); only then is it signalled.
        """
        proc, self.proc = self.proc, None
        if proc is not None and let_finish_s > 0:
            deadline = time.monotonic() + let_finish_s
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
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
        for stream in (self._log, self._stdout):
            if stream is not None:
                stream.close()
        self._log = self._stdout = None


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(pid, sig)
