"""Which windows a case may type into: the ones of the program instance it started in.

At the start of a case the driver notes the X id of the application window (``launch.window``,
else ``ready``) and the X client that owns it. Before every input action the window about
to receive it is checked (a few comparisons on the window list the locator has just read):

* the application window must still be the same X window (a restarted program, or its
  launcher, opens a new one under the same title);
* the target window must belong to the same X client (X gives each connection its own range
  of ids, so a window of another process, or of the same program started again, differs);
* a window (not a dialog or popup menu: those come and go) keeps, for the rest of the case,
  the id it had when first used: a fresh, empty form with the same title is a replacement.

Any of these raises ``SystemUnavailable`` (nothing is typed; the runner screenshots and
recovers). Between cases (recover, setup, recycle) nothing is pinned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from robot_core.drivers.desktop.x11 import Window
from robot_core.errors import SystemUnavailable


@dataclass
class WindowPins:
    """The windows of the case in progress (``client_mask``: the X server's resource-id mask)."""

    client_mask: int
    app_title: str = ""
    app_id: int | None = None
    pinned: dict[str, int] = field(default_factory=dict)
    active: bool = False

    def client(self, window_id: int) -> int:
        """The X client (connection) that created ``window_id``."""
        return window_id & ~self.client_mask

    def begin(self, windows: Sequence[Window], titles: Sequence[str]) -> None:
        """Note the application window (the first of ``titles`` on screen) for a new case."""
        self.pinned.clear()
        self.app_id = None
        self.app_title = ""
        for title in titles:
            win = next((w for w in windows if title and w.title == title), None)
            if win is not None:
                self.app_title, self.app_id = title, win.id
                self.pinned[title] = win.id
                break
        self.active = True

    def end(self) -> None:
        """The case is over: recovery and setup may use any window."""
        self.active = False
        self.pinned.clear()

    def check(self, target: Window | None, windows: Sequence[Window]) -> None:
        """Raise ``SystemUnavailable`` unless ``target`` belongs to the case's program."""
        if not self.active or self.app_id is None:
            return
        app = next((w for w in windows if w.title == self.app_title), None)
        if app is not None and app.id != self.app_id:
            raise SystemUnavailable(f"the window {self.app_title!r} was replaced mid-case "
                                    f"(X id {self.app_id:#x}, now {app.id:#x}): the program "
                                    "was restarted; nothing more is typed into it")
        if target is None:
            return
        if self.client(target.id) != self.client(self.app_id):
            raise SystemUnavailable(f"the window {target.title!r} belongs to another program "
                                    f"than {self.app_title!r} at the start of the case")
        if target.dialog or target.popup:
            return
        first = self.pinned.setdefault(target.title, target.id)
        if first != target.id:
            raise SystemUnavailable(f"the window {target.title!r} was replaced mid-case by a "
                                    f"new one (X id {first:#x}, now {target.id:#x}); nothing "
                                    "is typed into a window the case did not start with")
