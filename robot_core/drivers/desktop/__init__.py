"""The desktop driver: a legacy Windows-style program on an X display, through pyautogui.

Targets (``DESKTOP_STRATEGIES`` in ``robot_core.selectors``), each relative to a window: the
alternative's ``frame:`` (usually set once per screen) names the window by its exact title,
and the map's ``launch.window`` is the default.

``title: 入力エラー``
    A window or dialog by title (``exact: false``: the title contains it). Visible while such
    a window is mapped. ``read_text`` gives the dialog's message, copied with Ctrl+C the way
    Windows message boxes allow (the title when the box cannot be copied).
``point: "140,44"``
    Window-relative pixel; clicking it focuses the control there. Visible while its window
    is. ``read_text``/``fill`` work on the field at that point; screenshots mask the whole
    control (the innermost X window) under a secret point.
``image: form_save.png``
    A template under ``selectors/images/`` found with ``confidence`` (default 0.9) inside the
    window (anywhere on screen without ``frame``). Check boxes and radio buttons can be
    read: give two image alternatives with ``name: checked`` and ``name: unchecked``, and
    the better match of the two is their state.
``keys: "alt+u tab*2"``
    Chords pressed in the focused window to reach (``fill``) or trigger (``click``) the
    target; start from an access key so the path does not depend on where the focus was.

Typing goes through the clipboard (Ctrl+V; the driver serves CLIPBOARD itself), so kanji
and kana arrive whole (key-by-key typing drops them); every ``fill`` selects the field again
(Ctrl+A), copies it (Ctrl+C) and compares: a field that did not take the value raises
``TransientError`` and the step is retried. Masked fields (``show="*"``) copy as asterisks,
so only their length can be checked. After a secret target the clipboard is released, so
the value does not linger. Drop-down lists are walked with Home/Down and read back.

``goto: TITLE`` brings the window titled TITLE forward, after closing any dialog or popup
menu left open above the program (Escape, like a clerk would): the desktop counterpart of
loading a page. The program's death is noticed at once: every wait raises
``SystemUnavailable`` when the process started by ``launch.command`` has exited, so the
runner recovers (and restarts it) instead of waiting for time-outs.

Modules: ``driver`` (the ``Driver``), ``locate`` (finding targets), ``clipboard`` (typing and
reading back), ``input`` (keys, clicks), ``image`` (template matching), ``card`` (evidence
cards), ``launch`` (the program's process), ``x11`` (the X11 backend: windows, focus,
pixels, the clipboard; a Windows UI Automation backend goes beside it), ``extra`` (is the
``desktop`` extra installed?). Importing this package imports none of the backends'
packages: ``DesktopDriver`` is looked up on first use, so ``extra`` can say what is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from robot_core.drivers.desktop.driver import DesktopDriver

__all__ = ["DesktopDriver"]


def __getattr__(name: str) -> Any:
    """``DesktopDriver`` on first use (it needs Pillow, python-xlib and a display)."""
    if name == "DesktopDriver":
        from robot_core.drivers.desktop.driver import DesktopDriver  # noqa: PLC0415

        return DesktopDriver
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
