"""The ``launch:`` block of a desktop selector map, and the program it starts.

::

    launch:
      command: ["{python}", -m, fixtures.legacy_desktop, run, --db, "{env.LEDGER_DB}",
                --busy-rate, "{env.LEDGER_BUSY_RATE:-0}"]
      cwd: "{project}"                  # default: the project folder
      ready: ログイン - 台帳管理システム   # the window that says the program is up
      window: 台帳管理システム           # targets without a window (frame:) live here
      ready_timeout_ms: 30000
      images: selectors/images          # image templates, relative to the project
      env: {LANG: ja_JP.UTF-8}          # extra environment of the program
      log: "{env.ROBOT_HOME:-var}/ledger-client.log"   # its stdout/stderr (default: dropped)

Placeholders: ``{python}`` (this interpreter), ``{project}`` (``ROBOT_PROJECT`` or the current
folder), ``{env.NAME}`` (must be set) and ``{env.NAME:-default}``. Without ``command`` the
driver attaches to a program that is already running (it waits for ``ready``) and never
stops or restarts it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from robot_core.errors import BotScriptError, ConfigError, SystemUnavailable
from robot_core.home import project_dir

LAUNCH_KEYS = frozenset({"command", "cwd", "ready", "window", "ready_timeout_ms", "images",
                         "env", "log"})
_PLACEHOLDER = re.compile(r"\{(python|project|env\.([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?)\}")


@dataclass(frozen=True)
class LaunchSpec:
    """What to start and how to know it is up (placeholders still unexpanded)."""

    window: str
    ready: str
    command: tuple[str, ...] = ()
    cwd: str = "{project}"
    ready_timeout_ms: int = 30_000
    images: str = "selectors/images"
    env: Mapping[str, str] = field(default_factory=dict)
    log: str | None = None

    @property
    def attach(self) -> bool:
        """True when the program is started by someone else."""
        return not self.command


def parse_launch(data: Mapping[str, Any]) -> LaunchSpec:
    """Check a ``launch:`` mapping (no display needed: the loader may call this too)."""
    unknown = sorted(set(data) - LAUNCH_KEYS)
    if unknown:
        raise BotScriptError(f"launch: unknown key {unknown[0]!r} (expected "
                             f"{', '.join(sorted(LAUNCH_KEYS))})")
    window = data.get("window")
    if not isinstance(window, str) or not window:
        raise BotScriptError("launch: `window:` must name the program's main window title")
    command = data.get("command", [])
    if isinstance(command, str):
        command = command.split()
    if not isinstance(command, list) or not all(isinstance(c, str | int | float)
                                                for c in command):
        raise BotScriptError("launch: `command:` must be a list of arguments")
    timeout = data.get("ready_timeout_ms", 30_000)
    if not isinstance(timeout, int) or timeout <= 0:
        raise BotScriptError("launch: ready_timeout_ms must be a positive whole number")
    env = data.get("env", {})
    if not isinstance(env, dict):
        raise BotScriptError("launch: `env:` must be a mapping")
    return LaunchSpec(window=window, ready=str(data.get("ready") or window),
                      command=tuple(str(c) for c in command),
                      cwd=str(data.get("cwd", "{project}")), ready_timeout_ms=timeout,
                      images=str(data.get("images", "selectors/images")),
                      env={str(k): str(v) for k, v in env.items()},
                      log=str(data["log"]) if data.get("log") else None)


def expand(text: str) -> str:
    """Fill ``{python}``, ``{project}`` and ``{env.NAME[:-default]}`` in ``text``."""

    def one(match: re.Match[str]) -> str:
        if match.group(1) == "python":
            return sys.executable
        if match.group(1) == "project":
            return str(project_dir())
        name, default = match.group(2), match.group(3)
        value = os.environ.get(name)
        if value:
            return value
        if default is not None:
            return default
        raise ConfigError(f"launch: set the environment variable {name}")

    return _PLACEHOLDER.sub(one, text)


def images_dir(spec: LaunchSpec) -> Path:
    """Folder of the image templates."""
    path = Path(expand(spec.images))
    return path if path.is_absolute() else project_dir() / path


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
