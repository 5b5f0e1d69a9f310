"""The daemon's log: structlog JSON lines in ``ROBOT_HOME/daemon.log``, a short line on stdout.

The audit trail of each schedule run (hash-chained, ``runs/<run_id>/audit.jsonl``) is the
evidence; this log is for the operator: what was loaded, when schedules fire next, errors.
It is appended to by whole lines, so a foreground ``robot schedule run`` may share it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

import structlog

from robot_core.private import open_append


class Events(Protocol):
    """Anything that records named events (``AuditTrail``, ``DaemonLog``, ``Tee``)."""

    def event(self, name: str, **fields: Any) -> None:
        """Record one event."""


class _Sink:
    """structlog logger: the JSON line to the file, a readable line to the echo stream."""

    def __init__(self, stream: IO[str], echo: IO[str] | None) -> None:
        self.stream = stream
        self.echo = echo
        self.lock = threading.Lock()

    def msg(self, line: str, *, human: str = "") -> None:
        with self.lock:
            self.stream.write(line + "\n")
            self.stream.flush()
            if self.echo is not None:
                self.echo.write(human + "\n")
                self.echo.flush()


class DaemonLog:
    """``event(name, **fields)`` appends one JSON line (and echoes it)."""

    def __init__(self, path: Path, echo: IO[str] | None = sys.stdout) -> None:
        self.path = path
        self._stream = open_append(path)  # 0600 in a 0700 folder: it names files and cases
        self._sink = _Sink(self._stream, echo)
        self._render = structlog.processors.JSONRenderer(ensure_ascii=False, default=str)

    def event(self, name: str, **fields: Any) -> None:
        """Write one event."""
        ts = datetime.now(UTC).isoformat(timespec="milliseconds")
        record = {"ts": ts, "event": name, **fields}
        line = self._render(None, "info", dict(record))
        shown = " ".join(f"{k}={v}" for k, v in fields.items())
        local = datetime.now().astimezone().strftime("%H:%M:%S")
        self._sink.msg(str(line), human=f"{local} {name} {shown}".rstrip())

    def close(self) -> None:
        """Close the file."""
        self._stream.close()


class Tee:
    """Send each event to several recorders (a run's audit trail and the daemon log)."""

    def __init__(self, *targets: Events, **context: Any) -> None:
        self.targets = targets
        self.context = context
        self._lock = threading.Lock()

    def event(self, name: str, **fields: Any) -> None:
        """Record ``name`` everywhere; the lock keeps a hash chain in order across threads."""
        with self._lock:
            for target in self.targets:
                target.event(name, **{**self.context, **fields})


class HeldBack:
    """Holds a run's opening event back until something happens in the run.

    An interval schedule fires every few minutes, mostly to find an empty inbox; such a run
    leaves no audit folder and no log lines. ``make`` opens the real recorder when needed.
    """

    def __init__(self, make: Callable[[], Events], opening: str, closing: str) -> None:
        self._make = make
        self._opening = opening
        self._closing = closing
        self._held: list[tuple[str, dict[str, Any]]] = []
        self.target: Events | None = None

    def event(self, name: str, **fields: Any) -> None:
        """Hold the opening event; drop the closing one if nothing came between."""
        if self.target is None:
            if name == self._opening:
                self._held.append((name, fields))
                return
            if name == self._closing:
                return
            self.target = self._make()
            for held, held_fields in self._held:
                self.target.event(held, **held_fields)
        self.target.event(name, **fields)
