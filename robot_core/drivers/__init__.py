"""Drivers: the web browser (Playwright) and desktop programs (pyautogui) behind one Protocol.

Nothing here imports a backend at import time: the CLI starts, and web bots run, on a plain
``pip install robot-core``; the desktop backend needs the ``desktop`` extra, the terminal
one the ``terminal`` extra.
"""

from __future__ import annotations

from robot_core.drivers.base import Driver
from robot_core.drivers.desktop.extra import require_desktop
from robot_core.drivers.terminal.extra import require_terminal
from robot_core.errors import BotScriptError

__all__ = ["Driver", "make_driver"]


def make_driver(kind: str, *, headed: bool = False, launch: dict[str, object] | None = None,
                slow_mo_ms: int = 0, response_timeout_ms: int | None = None,
                block: tuple[str, ...] | None = None) -> Driver:
    """A driver for ``kind`` (``web``, ``desktop``, ``terminal``); backends load on demand."""
    if kind == "web":
        from robot_core.drivers.web import WebDriver  # noqa: PLC0415 - Playwright loads lazily

        return WebDriver(headed=headed, slow_mo_ms=slow_mo_ms,
                         response_timeout_ms=response_timeout_ms, block=block)
    if kind == "desktop":
        require_desktop()  # before the import: one line naming the extra, not a traceback
        from robot_core.drivers.desktop import DesktopDriver  # noqa: PLC0415 - needs a display

        return DesktopDriver(launch=launch or {})
    if kind == "terminal":
        require_terminal()
        if "tn3270" in (launch or {}):  # IBM 3270 through s3270
            from robot_core.drivers.terminal.tn3270 import Tn3270Driver  # noqa: PLC0415

            return Tn3270Driver(launch or {})
        from robot_core.drivers.terminal.driver import TerminalDriver  # noqa: PLC0415

        return TerminalDriver(launch or {})
    raise BotScriptError(f"driver {kind!r} is not available in this installation")
