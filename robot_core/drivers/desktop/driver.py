"""The desktop driver: one legacy program on an X display (see the package for targets)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PIL import ImageDraw

from robot_core.drivers.desktop import choices
from robot_core.drivers.desktop.card import render_card
from robot_core.drivers.desktop.clipboard import Clipboard, same
from robot_core.drivers.desktop.identity import WindowPins
from robot_core.drivers.desktop.image import Templates
from robot_core.drivers.desktop.input import Input, key_names, key_path
from robot_core.drivers.desktop.launch import AppProcess
from robot_core.drivers.desktop.locate import POLL_S, Hit, Locator
from robot_core.drivers.desktop.program import await_exit, closing_by_itself, let_finish_s
from robot_core.drivers.desktop.x11 import Display, Window
from robot_core.errors import (
    ApplicationError,
    BotScriptError,
    ConfigError,
    SystemUnavailable,
    TargetNotFound,
    TransientError,
)
from robot_core.script.launch import LaunchSpec, images_dir, parse_launch
from robot_core.selectors import Target


class DesktopDriver:
    """``Driver`` for one legacy desktop program."""

    def __init__(self, *, launch: Mapping[str, Any]) -> None:
        self.spec: LaunchSpec = parse_launch(launch)
        self._display: Display | None = None
        self._input: Input | None = None
        self._find: Locator | None = None
        self._clip: Clipboard | None = None
        self._app: AppProcess | None = None
        self._interrupts: list[tuple[Target, type[ApplicationError]]] = []
        self._restarts = 0
        self._typed: dict[tuple[int, int, int, int], str] = {}
        self._pins = WindowPins(0)
        self._unconfirmed = False  # the last case's commit had no confirming step after it
        self._committed = False  # the last case clicked a saving button

    def set_interrupts(self, interrupts: Sequence[tuple[Target, type[ApplicationError]]]) -> None:
        """Targets that end any wait at once with their error (a busy dialog)."""
        self._interrupts[:] = interrupts  # the locator holds this very list

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """Process id of the program this driver started (None when attached)."""
        return self._app.pid if self._app is not None else None

    def start(self) -> None:
        """Connect to ``$DISPLAY``; start the program (or attach) and wait for its window."""
        name = os.environ.get("DISPLAY")
        if not name:
            raise ConfigError("DISPLAY is not set: the desktop driver needs an X display "
                              "(Xvfb :99 -screen 0 1280x1024x24 &; export DISPLAY=:99)")
        if self._display is None:
            self._display = Display(name)
            self._input = Input(name)
            self._find = Locator(self._display, Templates(images_dir(self.spec)), self.spec.window,
                                 self._interrupts, self._check_alive)
            self._clip = Clipboard(self._display, self._input,
                                   tuple(key_names(self.spec.select_all)))
            self._pins = WindowPins(self._display.client_mask)
        if not self.spec.per_case:  # a per-case program is started by begin_case
            self._launch({})

    def _launch(self, variables: Mapping[str, Any]) -> None:
        display, name = self.display, self.display.name
        if not self.spec.attach and self.spec.gui and (display.find(self.spec.ready)
                                                       or display.find(self.spec.window)):
            message = (f"a window titled {self.spec.ready!r} is already open; close that "
                       "program, or drop launch.command to attach to it")
            # at first start a person must act; on a restart our old program lingers
            raise SystemUnavailable(message) if self._restarts else ConfigError(message)
        if not self.spec.attach:
            self._app = AppProcess(self.spec, name)
            self._app.start(variables)
        if self.spec.gui:
            self._wait_ready()

    def _wait_ready(self) -> None:
        display = self.display
        deadline = time.monotonic() + self.spec.ready_timeout_ms / 1000
        while True:
            self._check_alive()
            win = display.find(self.spec.ready) or display.find(self.spec.window)
            if win is not None:
                display.focus(win)
                return
            if time.monotonic() >= deadline:
                self._stop_app()
                raise SystemUnavailable(f"no window titled {self.spec.ready!r} within "
                                        f"{self.spec.ready_timeout_ms} ms")
            time.sleep(POLL_S)

    def stop(self) -> None:
        """Stop the program (if this driver started it) and leave the display; idempotent."""
        self._stop_app()
        if self._display is not None:
            with contextlib.suppress(Exception):  # the X server may already be gone
                self._display.release_clipboard()
            self._display.close()
        self._display = self._input = None
        self._find = self._clip = None

    def _stop_app(self) -> None:
        self._typed.clear()
        if self._app is None:
            return
        wait = let_finish_s(self._app, self.spec, self._display, unconfirmed=self._unconfirmed,
                            committed=self._committed)
        self._app.stop(let_finish_s=wait)
        self._app = None
        self._unconfirmed = self._committed = False
        if self._display is None:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (self._display.find(self.spec.ready)
                                               or self._display.find(self.spec.window)):
            time.sleep(POLL_S)  # the X server drops a dead client's windows a moment later

    def recycle(self) -> None:
        """Restart the program (fresh memory, fresh session); attached: close dialogs only."""
        if self.spec.attach:
            self._dismiss_dialogs()
            return
        self.restart()

    def restart(self) -> None:
        """Kill the program and start it again (attached: close stray dialogs)."""
        if self.spec.attach:
            self._dismiss_dialogs()
            return
        self._stop_app()
        self._restarts += 1
        self.start()

    # -- cases (the runner's ``CaseAware`` hooks) --------------------------------------------
    def begin_case(self, variables: Mapping[str, Any]) -> dict[str, str]:
        """Start a per-case program (a non-GUI one is awaited: its outputs); pin the windows."""
        outputs: dict[str, str] = {}
        if self.spec.per_case:
            self._stop_app()  # a previous case's program that is still there
            self._launch(variables)
            if not self.spec.gui and self._app is not None:
                app, self._app = self._app, None
                outputs = await_exit(app, self.spec)
        self._pins.begin(self.display.windows(), (self.spec.window, self.spec.ready))
        return outputs

    def end_case(self, *, finished: bool, unconfirmed: bool,
                 committed: bool = False) -> dict[str, str]:
        """The case's steps are over: await a per-case program (its outputs), unpin."""
        self._pins.end()
        self._unconfirmed, self._committed = unconfirmed, committed
        if not self.spec.per_case or self._app is None:
            return {}
        if not finished:
            self._stop_app()  # it gets exit_timeout_ms first if its commit was unconfirmed
            return {}
        app, self._app = self._app, None
        self._unconfirmed = self._committed = False
        return await_exit(app, self.spec)

    def revive(self) -> bool:
        """Start the program again if it exited (or is closing by itself); True if it was."""
        app = self._app
        if app is None or self.spec.attach or self.spec.per_case:
            return False
        if app.exit_code() is None and not closing_by_itself(app, self.spec, self._display):
            return False
        self.restart()  # _stop_app lets a closing program finish (exit_timeout_ms) first
        return True

    # -- state -------------------------------------------------------------------------------
    @property
    def display(self) -> Display:
        """The X connection (raises if the driver is not started)."""
        if self._display is None:
            raise TransientError("the desktop driver is not started")
        return self._display

    @property
    def keyboard(self) -> Input:
        """Keyboard and mouse."""
        if self._input is None:
            raise TransientError("the desktop driver is not started")
        return self._input

    @property
    def find(self) -> Locator:
        """Where targets are on screen."""
        if self._find is None:
            raise TransientError("the desktop driver is not started")
        return self._find

    @property
    def clipboard(self) -> Clipboard:
        """Typing and reading through the clipboard."""
        if self._clip is None:
            raise TransientError("the desktop driver is not started")
        return self._clip

    def _check_alive(self) -> None:
        if self._app is None:
            return
        code = self._app.exit_code()
        if code is not None and not (code == 0 and self.spec.per_case):  # per case: it may end
            how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            raise SystemUnavailable(f"the program {how}")

    # -- actions -----------------------------------------------------------------------------
    def goto(self, url: str, timeout_ms: int) -> None:
        """Bring the window titled ``url`` forward, closing dialogs left open above it."""
        deadline = time.monotonic() + timeout_ms / 1000
        while self.display.find(url) is None:
            self._check_alive()
            if time.monotonic() >= deadline:
                raise TargetNotFound(f"no window titled {url!r} within {timeout_ms} ms")
            time.sleep(POLL_S)
        self._dismiss_dialogs()
        win = self.display.find(url)
        if win is None:
            raise TransientError(f"window {url!r} closed while its dialogs were dismissed")
        self.display.focus(win)

    def click(self, target: Target, timeout_ms: int) -> str:
        """Click (point, image), press the path (keys) or focus the window (title)."""
        hit = self.find.resolve(target, timeout_ms)
        self.activate(hit)
        return hit.alt.describe()

    def fill(self, target: Target, value: str, timeout_ms: int) -> str:
        """Paste ``value`` over the field's content, then copy it back and compare."""
        hit = self.find.resolve(target, timeout_ms)
        value = value.replace("\r\n", "\n")
        owner = self.clipboard.own(value)
        self.activate(hit)
        keys = self.keyboard
        keys.chord(self.clipboard.select_all)
        keys.chord(["delete"])
        if value:
            keys.chord(["ctrl", "v"])
        got = self.clipboard.read_back(owner, value)
        if hit.point is not None and hit.alt.strategy == "point":
            box = self.display.widget_box(*hit.point)
            if box is not None:
                self._typed[box] = value  # screenshots can then hide a secret typed here
        if target.secret:
            self.display.release_clipboard()
        if not same(got, value):
            shown = f"{len(got)} characters" if target.secret else repr(got)
            raise TransientError(f"{target.name}: the field holds {shown} after typing "
                                 f"{len(value)} characters")
        return hit.alt.describe()

    def select(self, target: Target, value: str | None, label: str | None,
               timeout_ms: int) -> str:
        """Pick an option of a drop-down list (``choices.select``: Home, Down, read back)."""
        return choices.select(self, target, label if label is not None else (value or ""),
                              timeout_ms)

    def set_checked(self, target: Target, checked: bool, timeout_ms: int) -> str:
        """Tick or untick; states are read from ``checked``/``unchecked`` image templates."""
        return choices.set_checked(self, target, checked, timeout_ms)

    def press(self, target: Target | None, key: str, timeout_ms: int) -> None:
        """Press ``key`` in the focused window, or on the target (focused first)."""
        names = key_names(key)
        if target is not None:
            self.activate(self.find.resolve(target, timeout_ms))
        else:
            windows = self.display.windows()
            focused = self.display.focused()
            self._pins.check(next((w for w in windows if w.id == focused), None), windows)
        self.keyboard.chord(names)

    def read_text(self, target: Target, timeout_ms: int) -> str:
        """A dialog's message (title target) or a field's value (point or keys target)."""
        hit = self.find.resolve(target, timeout_ms)
        readable = [hit.alt, *(a for a in target.alternatives if a is not hit.alt)]
        for alt in readable:
            if alt.strategy == "image":
                continue
            found = hit if alt is hit.alt else self.find.locate(alt, self.find.frame())
            if found is None:
                continue
            if alt.strategy == "title":
                return self.clipboard.read_dialog(found)
            self.activate(found)
            return self.clipboard.read_field()
        raise BotScriptError(f"{target.name}: an image cannot be read; add a title, point "
                             "or keys alternative")

    def read_attribute(self, target: Target, name: str, timeout_ms: int) -> str:
        """Desktop controls have no attributes (the loader refuses ``attribute:`` here)."""
        raise BotScriptError(f"{target.name}: a desktop control has no attribute {name!r}")

    def current_url(self) -> str:
        """A desktop program has no address (the loader refuses ``url:`` here)."""
        raise BotScriptError("a desktop program has no URL; read window_title instead")

    def window_title(self) -> str:
        """The title of the window holding the keyboard (else of the topmost one)."""
        self._check_alive()
        return self.display.focused_title()

    def is_visible(self, target: Target) -> bool:
        """Whether any alternative is on screen now."""
        self._check_alive()
        return self.find.first(target, self.find.frame()) is not None

    def count_visible(self, target: Target) -> int:
        """How many things on screen the first alternative that matches any matches."""
        self._check_alive()
        frame = self.find.frame()
        return next((n for alt in target.alternatives if (n := self.find.count(alt, frame))), 0)

    def wait_any(self, targets: Sequence[Target], timeout_ms: int) -> Target:
        """Poll until one of ``targets`` shows; ``TargetNotFound`` names them all."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            self._check_alive()
            frame = self.find.frame()
            for target in targets:
                if self.find.first(target, frame) is not None:
                    return target
            self.find.check_interrupts(frame)
            if time.monotonic() >= deadline:
                names = ", ".join(t.name for t in targets)
                raise TargetNotFound(f"none of {names} appeared within {timeout_ms} ms")
            time.sleep(POLL_S)

    def wait_gone(self, target: Target, timeout_ms: int) -> None:
        """Poll until no alternative of ``target`` shows (a ``point`` one: its window closed)."""
        self.find.gone(target, timeout_ms)

    def screenshot(self, path: Path, mask: Sequence[Target], secrets: Sequence[str] = ()) -> Path:
        """The whole screen as PNG, every ``mask`` target's box painted black.

        Pixels carry no text, so ``secrets`` are found only where this driver typed them: a
        field (clicked at a point) that was filled with a value containing one is blacked out
        too, even when the selector map forgot to mark it secret.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = self.find.frame()
        image = frame.pixels().copy()
        draw = ImageDraw.Draw(image)
        alts = [a for t in mask for a in t.alternatives]
        alts += [a for t in mask for o in t.options.values() for a in o.alternatives]
        boxes = [self.find.mask_box(alt, frame) for alt in alts]
        boxes += [box for box, typed in self._typed.items()
                  if any(secret and secret in typed for secret in secrets)]
        for box in boxes:
            if box is not None:
                draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill="#000000")
        try:
            image.save(path, format="PNG")
        except OSError as exc:
            raise TransientError(f"cannot save the screenshot: {exc}") from exc
        return path

    def render_html(self, document: str, path: Path) -> Path:
        """An evidence card (a row rejected at intake) as PNG: its text, no browser needed."""
        try:
            return render_card(document, path)
        except OSError as exc:
            raise TransientError(f"cannot draw the evidence card: {exc}") from exc

    # -- keyboard, clipboard -----------------------------------------------------------------
    def activate(self, hit: Hit) -> None:
        """Focus the hit's window, then click its point or press its key path."""
        self._pins.check(hit.window, self.display.windows())  # never another program's window
        if hit.window is not None and not hit.window.popup \
                and self.display.focused() != hit.window.id:
            self.display.focus(hit.window)
        if hit.alt.strategy == "keys":
            self.keyboard.path(key_path(hit.alt.value))
        elif hit.point is not None and hit.alt.strategy != "title":
            self.keyboard.click(*hit.point)

    def _dismiss_dialogs(self) -> None:
        """Close message boxes and popup menus on screen (Escape; Enter if that fails)."""
        display = self.display
        for _ in range(10):
            self._check_alive()
            open_ = [w for w in display.windows() if w.dialog or w.popup]
            if not open_:
                return
            top = open_[-1]
            for key in ("esc", "enter"):
                if not top.popup:
                    display.focus(top)
                self.keyboard.chord([key])
                if choices.wait(_gone(display, top), choices.DISMISS_WAIT_S):
                    break
            else:
                raise TransientError(f"the dialog {top.title!r} does not close")



def _gone(display: Display, win: Window) -> Callable[[], bool]:
    return lambda: all(w.id != win.id for w in display.windows())
