"""Drop-down lists, check boxes and radio buttons, with the keys and looks of Windows controls."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from robot_core.drivers.desktop.locate import CHECKED, POLL_S, UNCHECKED
from robot_core.errors import BotScriptError, TargetNotFound, TransientError
from robot_core.selectors import Target

if TYPE_CHECKING:
    from robot_core.drivers.desktop.driver import DesktopDriver

DISMISS_WAIT_S = 3.0
_MAX_OPTIONS = 60


def wait(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Poll ``condition`` until it holds or ``timeout_s`` passed; its last answer."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(POLL_S / 2)
    return condition()


def select(driver: DesktopDriver, target: Target, wanted: str, timeout_ms: int) -> str:
    """Pick an option of a drop-down list with the keys of a Windows list box.

    Home takes the first option, Down the next, each read back (Ctrl+A, Ctrl+C) until the
    field shows ``wanted`` (the label, or the value); the same text twice means the end of
    the list. A list that the focusing click opened is closed with Escape first.
    """
    hit = driver.find.resolve(target, timeout_ms)
    driver.activate(hit)

    def popups() -> bool:
        return any(w.popup for w in driver.display.windows())

    if popups():
        driver.keyboard.chord(["esc"])
        if not wait(lambda: not popups() and not driver.display.keyboard_grabbed(),
                    DISMISS_WAIT_S):
            raise TransientError(f"{target.name}: its list does not close")
    clipboard = driver.clipboard
    if clipboard.read_field() == wanted:
        return hit.alt.describe()
    driver.keyboard.chord(["home"])
    seen = [clipboard.read_field()]
    while seen[-1] != wanted and len(seen) < _MAX_OPTIONS:
        driver.keyboard.chord(["down"])
        current = clipboard.read_field()
        if current == seen[-1]:
            raise TargetNotFound(f"{target.name} has no option {wanted!r} (saw "
                                 f"{', '.join(repr(s) for s in seen)})")
        seen.append(current)
    if seen[-1] != wanted:
        raise TargetNotFound(f"{target.name}: no option {wanted!r} in its first {_MAX_OPTIONS}")
    return hit.alt.describe()


def set_checked(driver: DesktopDriver, target: Target, checked: bool, timeout_ms: int) -> str:
    """Tick or untick; states are read from ``checked``/``unchecked`` image templates."""
    states = [a for a in target.alternatives if a.strategy == "image"
              and a.name in (CHECKED, UNCHECKED)]
    find = driver.find
    if not states:
        if not checked:
            raise BotScriptError(f"{target.name}: unticking needs image alternatives "
                                 "named checked and unchecked")
        hit = find.resolve(target, timeout_ms)  # a radio button: clicking sets it
        driver.activate(hit)
        return hit.alt.describe()
    state, hit = find.state(target, states, timeout_ms)
    if state == checked:
        return hit.alt.describe()
    driver.activate(hit)
    deadline = time.monotonic() + max(1.0, timeout_ms / 1000 / 4)
    while time.monotonic() < deadline:
        now, hit = find.state(target, states, timeout_ms)
        if now == checked:
            return hit.alt.describe()
        time.sleep(POLL_S)
    raise TransientError(f"{target.name} did not change to {'ticked' if checked else 'clear'}")
