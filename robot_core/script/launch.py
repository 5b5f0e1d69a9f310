"""The ``launch:`` block of a desktop selector map: what program to start, how to know it is up.

Checked when the map loads (``selectors.load_selector_map``), expanded when a run starts:
``{python}``, ``{project}`` and ``{env.NAME}`` placeholders in the map's own text, then, for
a program started once per case (``mode: per_case``), the case's values in its templates.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot_core.errors import BotScriptError, ConfigError
from robot_core.home import project_dir
from robot_core.script.templating import TemplateProblem, compile_template

LAUNCH_KEYS = frozenset({"command", "cwd", "ready", "window", "ready_timeout_ms", "images",
                         "env", "log", "mode", "stdin", "exit_timeout_ms", "settle_ms",
                         "select_all"})
LAUNCH_MODES = ("session", "per_case")
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
    mode: str = "session"
    stdin: str | None = None
    exit_timeout_ms: int = 10_000
    settle_ms: int = 3_000
    #: the keys that select a field's whole text before it is replaced or copied back:
    #: Windows and GTK fields know Ctrl+A; a plain Tk entry on X11 wants Control+/
    select_all: str = "ctrl+a"

    @property
    def attach(self) -> bool:
        """True when the program is started by someone else."""
        return not self.command

    @property
    def per_case(self) -> bool:
        """True when the program is started for each case and awaited (``mode: per_case``)."""
        return self.mode == "per_case"

    @property
    def gui(self) -> bool:
        """False for a per-case program without ``window:`` (it prints and exits)."""
        return bool(self.window)


def parse_launch(data: Mapping[str, Any]) -> LaunchSpec:
    """Check a ``launch:`` mapping (no display needed: the loader may call this too)."""
    unknown = sorted(set(data) - LAUNCH_KEYS)
    if unknown:
        raise BotScriptError(f"launch: unknown key {unknown[0]!r} (expected "
                             f"{', '.join(sorted(LAUNCH_KEYS))})")
    mode = data.get("mode", "session")
    if mode not in LAUNCH_MODES:
        raise BotScriptError(f"launch: mode must be one of {', '.join(LAUNCH_MODES)}")
    window = data.get("window", "" if mode == "per_case" else None)
    if not isinstance(window, str) or (not window and mode != "per_case"):
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
    exit_timeout = data.get("exit_timeout_ms", 10_000)
    if not isinstance(exit_timeout, int) or exit_timeout <= 0:
        raise BotScriptError("launch: exit_timeout_ms must be a positive whole number")
    settle = data.get("settle_ms", 3_000)
    if not isinstance(settle, int) or settle < 0:
        raise BotScriptError("launch: settle_ms must be a whole number of milliseconds, 0 or more")
    select_all = _select_all(data)
    stdin = data.get("stdin")
    if stdin is not None and (mode != "per_case" or not isinstance(stdin, str)):
        raise BotScriptError("launch: `stdin:` is a text template, for mode: per_case only")
    if mode == "per_case" and not command:
        raise BotScriptError("launch: mode: per_case needs a `command:` to start for each case")
    for text in (*(str(c) for c in command), stdin or ""):
        _check_template(text, per_case=mode == "per_case")
    return LaunchSpec(window=window, ready=str(data.get("ready") or window),
                      command=tuple(str(c) for c in command),
                      cwd=str(data.get("cwd", "{project}")), ready_timeout_ms=timeout,
                      images=str(data.get("images", "selectors/images")),
                      env={str(k): str(v) for k, v in env.items()},
                      log=str(data["log"]) if data.get("log") else None, mode=str(mode),
                      stdin=stdin, exit_timeout_ms=exit_timeout, settle_ms=settle,
                      select_all=select_all)


def _select_all(data: Mapping[str, Any]) -> str:
    """``select_all:``, keys pressed together; their names are checked when a run starts."""
    keys = data.get("select_all", "ctrl+a")
    if not isinstance(keys, str) or not keys.strip():
        raise BotScriptError("launch: select_all names keys pressed together (ctrl+a, "
                             "Control+/)")
    return keys.strip()


def _check_template(text: str, *, per_case: bool) -> None:
    """Case templates in a launch command compile (and are only for per-case programs)."""
    if "{{" not in text and "{%" not in text:
        return
    if not per_case:
        raise BotScriptError("launch: templates of the case (`{{ ... }}`) need mode: per_case")
    try:
        compile_template(text)
    except TemplateProblem as exc:
        raise BotScriptError(f"launch: {text!r}: {exc}") from None


def render_launch(text: str, variables: Mapping[str, Any]) -> str:
    """One argument (or the stdin) of a per-case program: placeholders, then the case.

    Placeholders are filled in the bot's own text first, so a case value that reads like
    ``{env.NAME}`` stays as typed.
    """
    expanded = expand(text)
    if "{{" not in expanded and "{%" not in expanded:
        return expanded
    try:
        return compile_template(expanded).render(variables)
    except TemplateProblem as exc:
        raise BotScriptError(f"launch: {exc}") from None


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
