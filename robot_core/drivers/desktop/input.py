"""Keyboard and mouse for the desktop driver (pyautogui over XTest), and key-name grammar.

Bot scripts name keys the way the web driver does (``Enter``, ``Control+S``, ``Alt+F``);
selector maps write keyboard paths as chords separated by spaces, each with an optional
repeat: ``alt+u tab*3`` (Alt+U, then Tab three times). Both become pyautogui key names.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import warnings
from dataclasses import dataclass
from typing import Any

from robot_core.errors import BotScriptError, ConfigError

#: bot-script / Playwright key names -> pyautogui names
_ALIASES = {
    "control": "ctrl", "ctrl": "ctrl", "shift": "shift", "alt": "alt", "meta": "win",
    "escape": "esc", "esc": "esc", "enter": "enter", "return": "enter", "tab": "tab",
    "space": "space", " ": "space", "backspace": "backspace", "delete": "delete",
    "del": "delete", "insert": "insert", "home": "home", "end": "end",
    "pageup": "pageup", "pagedown": "pagedown", "arrowup": "up", "arrowdown": "down",
    "arrowleft": "left", "arrowright": "right", "up": "up", "down": "down", "left": "left",
    "right": "right",
}
_FUNCTION = re.compile(r"f([1-9]|1[0-2])")
_STEP = re.compile(r"^(?P<chord>[^*]+)(?:\*(?P<times>[1-9][0-9]?))?$")


def key_names(key: str) -> list[str]:
    """``Control+S`` -> ``['ctrl', 's']``; unknown names raise ``BotScriptError``."""
    parts = [p for p in re.split(r"\+(?!$)", key.strip()) if p != ""]
    if not parts:
        raise BotScriptError(f"empty key {key!r}")
    names: list[str] = []
    for part in parts:
        lower = part.lower()
        if lower in _ALIASES:
            names.append(_ALIASES[lower])
        elif _FUNCTION.fullmatch(lower) or (len(part) == 1 and part.isascii()
                                            and part.isprintable()):
            names.append(lower)
        else:
            raise BotScriptError(f"unknown key {part!r} in {key!r} (use names like Enter, Tab, "
                                 "Escape, Control+S, Alt+F, F12, ArrowDown)")
    return names


@dataclass(frozen=True)
class Chord:
    """Keys pressed together, ``times`` times."""

    keys: tuple[str, ...]
    times: int = 1


def key_path(path: str) -> list[Chord]:
    """``alt+u tab*3`` -> ``[Chord(('alt','u')), Chord(('tab',), 3)]``."""
    chords: list[Chord] = []
    for token in path.split():
        match = _STEP.match(token)
        if match is None:
            raise BotScriptError(f"bad keyboard path step {token!r} in {path!r}")
        chords.append(Chord(tuple(key_names(match.group("chord"))),
                            int(match.group("times") or 1)))
    if not chords:
        raise BotScriptError(f"empty keyboard path {path!r}")
    return chords


class Input:
    """pyautogui, imported on first use (it connects to ``$DISPLAY`` when imported)."""

    def __init__(self, display: str) -> None:
        os.environ["DISPLAY"] = display
        self._gui: Any = _import_pyautogui(display)

    def click(self, x: int, y: int) -> None:
        """Left click at a screen point."""
        self._gui.click(x, y)

    def chord(self, keys: tuple[str, ...] | list[str]) -> None:
        """Press ``keys`` together (modifiers first), then release them in reverse."""
        if len(keys) == 1:
            self._gui.press(keys[0])
        else:
            self._gui.hotkey(*keys)

    def path(self, chords: list[Chord]) -> None:
        """Press every chord of a keyboard path."""
        for chord in chords:
            for _ in range(chord.times):
                self.chord(chord.keys)


def _import_pyautogui(display: str) -> Any:
    """pyautogui, bound to ``display``, without the noise of its import.

    On import it connects to ``$DISPLAY`` once for the whole process (python-xlib prints a
    warning on an empty ``~/.Xauthority``) and pyscreeze leaves two ``which`` pipes open. The
    first is silenced, the second closed; a later driver on another display rebinds it, and
    so does one whose X server was restarted under the same name (the old connection is dead).
    """
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            import pyautogui  # noqa: PLC0415 - optional dependency, needs a display
            import pyscreeze  # noqa: PLC0415 - pyautogui's screen module
            from pyautogui import _pyautogui_x11 as x11  # noqa: PLC0415
            from Xlib.display import Display  # noqa: PLC0415

            leftover = getattr(pyscreeze, "whichProc", None)
            for stream in (getattr(leftover, "stdout", None), getattr(leftover, "stderr", None)):
                if stream is not None:
                    stream.close()
            if x11._display.get_display_name() != display or not _alive(x11._display):
                with contextlib.suppress(Exception):  # a dead server's connection
                    x11._display.close()
                x11._display = Display(display)
    except (ImportError, KeyError, OSError) as exc:
        raise ConfigError(f"pyautogui is not usable ({exc}); install robot-core[desktop] "
                          "and run on an X display") from exc
    pyautogui.FAILSAFE = False  # nobody sits at a robot's screen to slam the corner
    pyautogui.PAUSE = 0.0  # the X server queues events in order; polling does the waiting
    return pyautogui


def _alive(display: Any) -> bool:
    """Whether an X connection still answers (one round trip)."""
    try:
        display.get_input_focus()
    except Exception:  # python-xlib's closed-connection errors vary
        return False
    return True
