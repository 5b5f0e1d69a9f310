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
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from robot_core.drivers.desktop_card import render_card
from robot_core.drivers.desktop_image import Grey, Match, Templates
from robot_core.drivers.desktop_input import Input, key_names, key_path
from robot_core.drivers.desktop_launch import AppProcess, LaunchSpec, images_dir, parse_launch
from robot_core.drivers.desktop_x11 import Display, Window
from robot_core.errors import (
    ApplicationError,
    BotScriptError,
    ConfigError,
    SystemUnavailable,
    TargetNotFound,
    TransientError,
)
from robot_core.selectors import Alternative, Target

_POLL_S = 0.05
_COPY_WAIT_S = 2.0  # a field that holds text answers Ctrl+C within this
_EMPTY_WAIT_S = 0.15  # ...and one that is empty never does: how long to give it
_PASTE_POLL_S = 0.04  # copy again this often while a paste is still arriving
_DISMISS_WAIT_S = 3.0
_MAX_OPTIONS = 60
_BLIND = frozenset({"point", "keys"})
_BLIND_GRACE_S = 1.5  # how long seeing alternatives get before a blind fallback is used
_RULE = "-" * 10
CHECKED, UNCHECKED = "checked", "unchecked"


@dataclass(frozen=True)
class _Hit:
    """Where an alternative was found: its window and, for point and image, a screen point."""

    alt: Alternative
    window: Window | None
    point: tuple[int, int] | None
    box: tuple[int, int, int, int] | None
    score: float = 1.0


class _Frame:
    """One poll's view of the screen: windows and pixels read once, used by every target."""

    def __init__(self, display: Display, templates: Templates | None = None) -> None:
        self.display = display
        self.templates = templates
        self.windows = display.windows()
        self._pixels: Image.Image | None = None
        self._grey: Grey | None = None

    def find(self, title: str, exact: bool = True) -> Window | None:
        for win in reversed(self.windows):
            if (win.title == title) if exact else (title in win.title):
                return win
        return None

    def pixels(self) -> Image.Image:
        if self._pixels is None:
            self._pixels = self.display.grab()
        return self._pixels

    def grey(self) -> Grey:
        if self._grey is None:
            assert self.templates is not None
            self._grey = self.templates.grey(self.pixels())
        return self._grey

    def top_window_at(self, x: int, y: int) -> Window | None:
        for win in reversed(self.windows):
            if win.contains(x, y):
                return win
        return None


class DesktopDriver:
    """``Driver`` for one legacy desktop program."""

    def __init__(self, *, launch: Mapping[str, Any]) -> None:
        self.spec: LaunchSpec = parse_launch(launch)
        self._display: Display | None = None
        self._input: Input | None = None
        self._templates: Templates | None = None
        self._app: AppProcess | None = None
        self._interrupts: list[tuple[Target, type[ApplicationError]]] = []
        self._restarts = 0
        self._typed: dict[tuple[int, int, int, int], str] = {}

    def set_interrupts(self, interrupts: Sequence[tuple[Target, type[ApplicationError]]]) -> None:
        """Targets that end any wait at once with their error (a busy dialog)."""
        self._interrupts = list(interrupts)

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
            self._templates = Templates(images_dir(self.spec))
        display = self._display
        if not self.spec.attach:
            if display.find(self.spec.ready) or display.find(self.spec.window):
                message = (f"a window titled {self.spec.ready!r} is already open; close that "
                           "program, or drop launch.command to attach to it")
                # at first start a person must act; on a restart our old program lingers
                raise SystemUnavailable(message) if self._restarts else ConfigError(message)
            self._app = AppProcess(self.spec, name)
            self._app.start()
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
            time.sleep(_POLL_S)

    def stop(self) -> None:
        """Stop the program (if this driver started it) and leave the display; idempotent."""
        self._stop_app()
        if self._display is not None:
            with contextlib.suppress(Exception):  # the X server may already be gone
                self._display.release_clipboard()
            self._display.close()
        self._display = self._input = self._templates = None

    def _stop_app(self) -> None:
        self._typed.clear()
        if self._app is None:
            return
        self._app.stop()
        self._app = None
        if self._display is None:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (self._display.find(self.spec.ready)
                                               or self._display.find(self.spec.window)):
            time.sleep(_POLL_S)  # the X server drops a dead client's windows a moment later

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

    def _check_alive(self) -> None:
        if self._app is None:
            return
        code = self._app.exit_code()
        if code is not None:
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
            time.sleep(_POLL_S)
        self._dismiss_dialogs()
        win = self.display.find(url)
        if win is None:
            raise TransientError(f"window {url!r} closed while its dialogs were dismissed")
        self.display.focus(win)

    def click(self, target: Target, timeout_ms: int) -> str:
        """Click (point, image), press the path (keys) or focus the window (title)."""
        hit = self._resolve(target, timeout_ms)
        self._activate(hit)
        return hit.alt.describe()

    def fill(self, target: Target, value: str, timeout_ms: int) -> str:
        """Paste ``value`` over the field's content, then copy it back and compare."""
        hit = self._resolve(target, timeout_ms)
        value = value.replace("\r\n", "\n")
        owner = self._set_clipboard(value)
        self._activate(hit)
        keys = self.keyboard
        keys.chord(["ctrl", "a"])
        keys.chord(["delete"])
        if value:
            keys.chord(["ctrl", "v"])
        got = self._read_back(owner, value)
        if hit.point is not None and hit.alt.strategy == "point":
            box = self.display.widget_box(*hit.point)
            if box is not None:
                self._typed[box] = value  # screenshots can then hide a secret typed here
        if target.secret:
            self.display.release_clipboard()
        if not _same(got, value):
            shown = f"{len(got)} characters" if target.secret else repr(got)
            raise TransientError(f"{target.name}: the field holds {shown} after typing "
                                 f"{len(value)} characters")
        return hit.alt.describe()

    def select(self, target: Target, value: str | None, label: str | None,
               timeout_ms: int) -> str:
        """Pick an option of a drop-down list with the keys of a Windows list box.

        Home takes the first option, Down the next, each read back (Ctrl+A, Ctrl+C) until the
        field shows ``label`` (or ``value``); the same text twice means the end of the list.
        A list that the focusing click opened is closed with Escape first.
        """
        wanted = label if label is not None else (value or "")
        hit = self._resolve(target, timeout_ms)
        self._activate(hit)
        if self._popups():
            self.keyboard.chord(["esc"])
            if not _wait(lambda: not self._popups() and not self.display.keyboard_grabbed(),
                         _DISMISS_WAIT_S):
                raise TransientError(f"{target.name}: its list does not close")
        current = self._read_field()
        if current == wanted:
            return hit.alt.describe()
        self.keyboard.chord(["home"])
        seen = [self._read_field()]
        while seen[-1] != wanted and len(seen) < _MAX_OPTIONS:
            self.keyboard.chord(["down"])
            current = self._read_field()
            if current == seen[-1]:
                raise TargetNotFound(f"{target.name} has no option {wanted!r} (saw "
                                     f"{', '.join(repr(s) for s in seen)})")
            seen.append(current)
        if seen[-1] != wanted:
            raise TargetNotFound(f"{target.name}: no option {wanted!r} in its first "
                                 f"{_MAX_OPTIONS}")
        return hit.alt.describe()

    def _popups(self) -> list[Window]:
        return [w for w in self.display.windows() if w.popup]

    def set_checked(self, target: Target, checked: bool, timeout_ms: int) -> str:
        """Tick or untick; states are read from ``checked``/``unchecked`` image templates."""
        states = [a for a in target.alternatives if a.strategy == "image"
                  and a.name in (CHECKED, UNCHECKED)]
        if not states:
            if not checked:
                raise BotScriptError(f"{target.name}: unticking needs image alternatives "
                                     "named checked and unchecked")
            hit = self._resolve(target, timeout_ms)  # a radio button: clicking sets it
            self._activate(hit)
            return hit.alt.describe()
        state, hit = self._state(target, states, timeout_ms)
        if state == checked:
            return hit.alt.describe()
        self._activate(hit)
        deadline = time.monotonic() + max(1.0, timeout_ms / 1000 / 4)
        while time.monotonic() < deadline:
            now, hit = self._state(target, states, timeout_ms)
            if now == checked:
                return hit.alt.describe()
            time.sleep(_POLL_S)
        raise TransientError(f"{target.name} did not change to {'ticked' if checked else 'clear'}")

    def press(self, target: Target | None, key: str, timeout_ms: int) -> None:
        """Press ``key`` in the focused window, or on the target (focused first)."""
        names = key_names(key)
        if target is not None:
            self._activate(self._resolve(target, timeout_ms))
        self.keyboard.chord(names)

    def read_text(self, target: Target, timeout_ms: int) -> str:
        """A dialog's message (title target) or a field's value (point or keys target)."""
        hit = self._resolve(target, timeout_ms)
        readable = [hit.alt, *(a for a in target.alternatives if a is not hit.alt)]
        for alt in readable:
            if alt.strategy == "image":
                continue
            found = hit if alt is hit.alt else self._locate(alt, self._frame())
            if found is None:
                continue
            if alt.strategy == "title":
                return self._read_dialog(found)
            self._activate(found)
            return self._read_field()
        raise BotScriptError(f"{target.name}: an image cannot be read; add a title, point "
                             "or keys alternative")

    def is_visible(self, target: Target) -> bool:
        """Whether any alternative is on screen now."""
        self._check_alive()
        return self._first(target, self._frame()) is not None

    def wait_any(self, targets: Sequence[Target], timeout_ms: int) -> Target:
        """Poll until one of ``targets`` shows; ``TargetNotFound`` names them all."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            self._check_alive()
            frame = self._frame()
            for target in targets:
                if self._first(target, frame) is not None:
                    return target
            self._check_interrupts(frame)
            if time.monotonic() >= deadline:
                names = ", ".join(t.name for t in targets)
                raise TargetNotFound(f"none of {names} appeared within {timeout_ms} ms")
            time.sleep(_POLL_S)

    def screenshot(self, path: Path, mask: Sequence[Target], secrets: Sequence[str] = ()) -> Path:
        """The whole screen as PNG, every ``mask`` target's box painted black.

        Pixels carry no text, so ``secrets`` are found only where this driver typed them: a
        field (clicked at a point) that was filled with a value containing one is blacked out
        too, even when the selector map forgot to mark it secret.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = self._frame()
        image = frame.pixels().copy()
        draw = ImageDraw.Draw(image)
        alts = [a for t in mask for a in t.alternatives]
        alts += [a for t in mask for o in t.options.values() for a in o.alternatives]
        boxes = [self._mask_box(alt, frame) for alt in alts]
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

    # -- resolution --------------------------------------------------------------------------
    def _frame(self) -> _Frame:
        return _Frame(self.display, self._templates)

    def _frame_window(self, alt: Alternative, frame: _Frame) -> Window | None:
        return frame.find(alt.frame or self.spec.window)

    def _locate(self, alt: Alternative, frame: _Frame) -> _Hit | None:
        if alt.strategy == "title":
            win = frame.find(alt.value, alt.exact)
            return None if win is None else _Hit(
                alt, win, (win.x + win.width // 2, win.y + win.height // 2), win.box)
        if alt.strategy in _BLIND:
            win = self._frame_window(alt, frame)
            if win is None or alt.strategy == "keys":
                return None if win is None else _Hit(alt, win, None, None)
            x, y = _point(alt)
            return _Hit(alt, win, (win.x + x, win.y + y), None)
        if alt.strategy == "image":
            found = self._match(alt, frame)
            if found is None or found.score < alt.confidence:
                return None
            win = self._frame_window(alt, frame) if alt.frame else \
                frame.top_window_at(*found.center)
            return _Hit(alt, win, found.center, found.box, found.score)
        raise BotScriptError(f"strategy {alt.strategy!r} is not a desktop strategy")

    def _match(self, alt: Alternative, frame: _Frame) -> Match | None:
        assert self._templates is not None
        if alt.frame:
            win = frame.find(alt.frame)
            if win is None:
                return None
            width, height = self.display.size
            box = (max(0, win.x), max(0, win.y), min(width, win.x + win.width),
                   min(height, win.y + win.height))
        else:
            box = (0, 0, *self.display.size)
        return self._templates.best(alt.value, frame.grey(), box)

    def _first(self, target: Target, frame: _Frame, *, seeing_only: bool = False,
               ) -> _Hit | None:
        """The first alternative on screen.

        ``point`` and ``keys`` cannot see their control: they count as present as soon as
        their window is. With ``seeing_only``, such a blind alternative listed after an
        ``image`` or ``title`` one is skipped, so a menu that is still opening is not
        pre-empted by its keyboard fallback.
        """
        seen_seeing = False
        for alt in target.alternatives:
            blind = alt.strategy in _BLIND
            if blind and seeing_only and seen_seeing:
                continue
            seen_seeing |= not blind
            hit = self._locate(alt, frame)
            if hit is not None:
                return hit
        return None

    def _check_interrupts(self, frame: _Frame) -> None:
        for target, error in self._interrupts:
            if self._first(target, frame) is not None:
                raise error(f"{target.name} is on screen")

    def _resolve(self, target: Target, timeout_ms: int) -> _Hit:
        wait_ms = target.timeout_ms or timeout_ms
        started = time.monotonic()
        deadline = started + wait_ms / 1000
        patience = min(_BLIND_GRACE_S, wait_ms / 4000)
        while True:
            self._check_alive()
            frame = self._frame()
            hit = self._first(target, frame,
                              seeing_only=time.monotonic() - started < patience)
            if hit is not None:
                return hit
            self._check_interrupts(frame)
            if time.monotonic() >= deadline:
                tried = "; ".join(a.describe() for a in target.alternatives)
                raise TargetNotFound(f"{target.name} not found within {wait_ms} ms "
                                     f"(tried {tried})")
            time.sleep(_POLL_S)

    def _state(self, target: Target, states: list[Alternative],
               timeout_ms: int) -> tuple[bool, _Hit]:
        """Which of the checked/unchecked templates matches better, and where."""
        deadline = time.monotonic() + (target.timeout_ms or timeout_ms) / 1000
        while True:
            self._check_alive()
            frame = self._frame()
            best: tuple[float, Alternative, Match] | None = None
            for alt in states:
                found = self._match(alt, frame)
                if found is not None and (best is None or found.score > best[0]):
                    best = (found.score, alt, found)
            if best is not None and best[0] >= best[1].confidence:
                score, alt, found = best
                win = self._frame_window(alt, frame) if alt.frame else \
                    frame.top_window_at(*found.center)
                return alt.name == CHECKED, _Hit(alt, win, found.center, found.box, score)
            self._check_interrupts(frame)
            if time.monotonic() >= deadline:
                raise TargetNotFound(f"{target.name}: neither its checked nor its unchecked "
                                     "image is on screen")
            time.sleep(_POLL_S)

    def _mask_box(self, alt: Alternative, frame: _Frame) -> tuple[int, int, int, int] | None:
        try:
            hit = self._locate(alt, frame)
        except BotScriptError:
            return None
        if hit is None:
            return None
        if hit.box is not None:
            return hit.box
        if hit.point is not None:
            return self.display.widget_box(*hit.point)
        return None

    # -- keyboard, clipboard -----------------------------------------------------------------
    def _activate(self, hit: _Hit) -> None:
        """Focus the hit's window, then click its point or press its key path."""
        if hit.window is not None and not hit.window.popup \
                and self.display.focused() != hit.window.id:
            self.display.focus(hit.window)
        if hit.alt.strategy == "keys":
            self.keyboard.path(key_path(hit.alt.value))
        elif hit.point is not None and hit.alt.strategy != "title":
            self.keyboard.click(*hit.point)

    def _set_clipboard(self, text: str) -> int:
        """Put ``text`` on the clipboard (the robot owns it); returns the owner's id."""
        self.display.set_clipboard(text)
        return self.display.clipboard_window

    def _copy(self, owner: int, *, select_all: bool, wait_s: float = _EMPTY_WAIT_S) -> str:
        """Ctrl+A (optional), Ctrl+C, and the clipboard once the program has taken it.

        Nothing copied (an empty field does not take the clipboard) reads as ''.
        """
        if select_all:
            self.keyboard.chord(["ctrl", "a"])
        self.keyboard.chord(["ctrl", "c"])
        if self.display.wait_owner_change(owner, wait_s):
            return self.display.get_clipboard()
        return ""

    def _read_back(self, owner: int, value: str) -> str:
        """Copy the field until it shows ``value`` (or ``_COPY_WAIT_S`` is over).

        A paste is asynchronous: the program fetches the clipboard while it goes on handling
        queued keys, so the first Ctrl+C may come before the text is in. Poll, never sleep.
        """
        deadline = time.monotonic() + _COPY_WAIT_S
        while True:
            got = self._copy(owner, select_all=True, wait_s=_PASTE_POLL_S if value else
                             _EMPTY_WAIT_S)
            if _same(got, value) or time.monotonic() >= deadline:
                return got
            if got:
                owner = self._set_clipboard("")  # take the clipboard back before copying again

    def _read_field(self) -> str:
        owner = self._set_clipboard("")
        return _strip_text_end(self._copy(owner, select_all=True))

    def _read_dialog(self, hit: _Hit) -> str:
        assert hit.window is not None
        if self.display.focused() != hit.window.id:
            self.display.focus(hit.window)
        owner = self._set_clipboard("")
        text = self._copy(owner, select_all=False, wait_s=_COPY_WAIT_S / 2)
        return _message_of(text) if text else hit.window.title

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
                if _wait(_gone(display, top), _DISMISS_WAIT_S):
                    break
            else:
                raise TransientError(f"the dialog {top.title!r} does not close")


def _wait(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(_POLL_S / 2)
    return condition()


def _gone(display: Display, win: Window) -> Callable[[], bool]:
    return lambda: all(w.id != win.id for w in display.windows())


def _point(alt: Alternative) -> tuple[int, int]:
    try:
        x_text, y_text = alt.value.split(",")
        return int(x_text), int(y_text)
    except ValueError:
        raise BotScriptError(f"point {alt.value!r} must be 'x,y' (window-relative pixels)"
                             ) from None


def _strip_text_end(text: str) -> str:
    # A multi-line text box copies its final line break along with the text.
    return text[:-1] if text.endswith("\n") else text


def _same(got: str, wanted: str) -> bool:
    """Equal, or a masked field showing one mask character per character typed."""
    got = _strip_text_end(got)
    if got == wanted:
        return True
    return bool(wanted) and len(got) == len(wanted) and len(set(got)) == 1 \
        and got[0] in "*●•"


def _message_of(text: str) -> str:
    """The message part of a Windows message box copied with Ctrl+C."""
    lines = text.replace("\r\n", "\n").split("\n")
    rules = [i for i, line in enumerate(lines) if line.strip().startswith(_RULE)
             and set(line.strip()) == {"-"}]
    if len(rules) >= 3:
        return "\n".join(lines[rules[1] + 1:rules[2]]).strip()
    return text.strip()
