"""Finding a desktop target on screen: its alternatives tried in order, one poll at a time.

Every poll reads the screen once (``Frame``: the window list and, when an image is looked
for, the pixels) and every target of the poll is judged on that same view.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image

from robot_core.drivers.desktop.image import Grey, Match, Templates
from robot_core.drivers.desktop.x11 import Display, Window
from robot_core.errors import ApplicationError, BotScriptError, TargetNotFound
from robot_core.selectors import Alternative, Target

POLL_S = 0.05
BLIND = frozenset({"point", "keys"})
_BLIND_GRACE_S = 1.5  # how long seeing alternatives get before a blind fallback is used
CHECKED, UNCHECKED = "checked", "unchecked"


@dataclass(frozen=True)
class Hit:
    """Where an alternative was found: its window and, for point and image, a screen point."""

    alt: Alternative
    window: Window | None
    point: tuple[int, int] | None
    box: tuple[int, int, int, int] | None
    score: float = 1.0


class Frame:
    """One poll's view of the screen: windows and pixels read once, used by every target."""

    def __init__(self, display: Display, templates: Templates | None = None) -> None:
        self.display = display
        self.templates = templates
        self.windows = display.windows()
        self._pixels: Image.Image | None = None
        self._grey: Grey | None = None

    def find(self, title: str, exact: bool = True) -> Window | None:
        """The topmost window titled ``title`` (``exact=False``: whose title contains it)."""
        for win in reversed(self.windows):
            if (win.title == title) if exact else (title in win.title):
                return win
        return None

    def pixels(self) -> Image.Image:
        """The screen's pixels, grabbed once per frame."""
        if self._pixels is None:
            self._pixels = self.display.grab()
        return self._pixels

    def grey(self) -> Grey:
        """The screen in grey, for template matching (computed once per frame)."""
        if self._grey is None:
            assert self.templates is not None
            self._grey = self.templates.grey(self.pixels())
        return self._grey

    def top_window_at(self, x: int, y: int) -> Window | None:
        """The topmost window under the screen point ``(x, y)``."""
        for win in reversed(self.windows):
            if win.contains(x, y):
                return win
        return None


class Locator:
    """Where a target is, on one display: polled until an alternative shows or time is up.

    ``window`` is the map's ``launch.window`` (targets without ``frame:`` live there);
    ``interrupts`` are the targets that end any wait at once with their error (the driver
    keeps that list and may change it); ``check_alive`` raises once the program has died.
    """

    def __init__(self, display: Display, templates: Templates | None, window: str,
                 interrupts: Sequence[tuple[Target, type[ApplicationError]]],
                 check_alive: Callable[[], None]) -> None:
        self.display = display
        self.templates = templates
        self.window = window
        self.interrupts = interrupts
        self.check_alive = check_alive

    def frame(self) -> Frame:
        return Frame(self.display, self.templates)

    def frame_window(self, alt: Alternative, frame: Frame) -> Window | None:
        return frame.find(alt.frame or self.window)

    def locate(self, alt: Alternative, frame: Frame) -> Hit | None:
        if alt.strategy == "title":
            win = frame.find(alt.value, alt.is_exact)
            return None if win is None else Hit(
                alt, win, (win.x + win.width // 2, win.y + win.height // 2), win.box)
        if alt.strategy in BLIND:
            win = self.frame_window(alt, frame)
            if win is None or alt.strategy == "keys":
                return None if win is None else Hit(alt, win, None, None)
            x, y = point_of(alt)
            return Hit(alt, win, (win.x + x, win.y + y), None)
        if alt.strategy == "image":
            found = self.match(alt, frame)
            if found is None or found.score < alt.confidence:
                return None
            win = self.frame_window(alt, frame) if alt.frame else \
                frame.top_window_at(*found.center)
            return Hit(alt, win, found.center, found.box, found.score)
        raise BotScriptError(f"strategy {alt.strategy!r} is not a desktop strategy")

    def _box(self, alt: Alternative, frame: Frame) -> tuple[int, int, int, int] | None:
        """Where an image alternative is looked for: its frame window, else the screen."""
        if not alt.frame:
            return (0, 0, *self.display.size)
        win = frame.find(alt.frame)
        if win is None:
            return None
        width, height = self.display.size
        return (max(0, win.x), max(0, win.y), min(width, win.x + win.width),
                min(height, win.y + win.height))

    def match(self, alt: Alternative, frame: Frame) -> Match | None:
        assert self.templates is not None
        box = self._box(alt, frame)
        return None if box is None else self.templates.best(alt.value, frame.grey(), box)

    def count(self, alt: Alternative, frame: Frame) -> int:
        """How many things on screen ``alt`` matches (``robot check``'s ambiguity): windows
        with that title, places the image matches; a blind one is its window (0 or 1)."""
        if alt.strategy == "title":
            exact = alt.is_exact
            return sum(1 for w in frame.windows
                       if (w.title == alt.value if exact else alt.value in w.title))
        if alt.strategy == "image":
            assert self.templates is not None
            box = self._box(alt, frame)
            return 0 if box is None else self.templates.count(alt.value, frame.grey(), box,
                                                               alt.confidence)
        return int(self.locate(alt, frame) is not None)

    def first(self, target: Target, frame: Frame, *, seeing_only: bool = False,
               ) -> Hit | None:
        """The first alternative on screen.

        ``point`` and ``keys`` cannot see their control: they count as present as soon as
        their window is. With ``seeing_only``, such a blind alternative listed after an
        ``image`` or ``title`` one is skipped, so a menu that is still opening is not
        pre-empted by its keyboard fallback.
        """
        seen_seeing = False
        for alt in target.alternatives:
            blind = alt.strategy in BLIND
            if blind and seeing_only and seen_seeing:
                continue
            seen_seeing |= not blind
            hit = self.locate(alt, frame)
            if hit is not None:
                return hit
        return None

    def check_interrupts(self, frame: Frame) -> None:
        for target, error in self.interrupts:
            if self.first(target, frame) is not None:
                raise error(f"{target.name} is on screen")

    def resolve(self, target: Target, timeout_ms: int) -> Hit:
        wait_ms = timeout_ms
        started = time.monotonic()
        deadline = started + wait_ms / 1000
        patience = min(_BLIND_GRACE_S, wait_ms / 4000)
        while True:
            self.check_alive()
            frame = self.frame()
            hit = self.first(target, frame,
                              seeing_only=time.monotonic() - started < patience)
            if hit is not None:
                return hit
            self.check_interrupts(frame)
            if time.monotonic() >= deadline:
                tried = "; ".join(a.describe() for a in target.alternatives)
                raise TargetNotFound(f"{target.name} not found within {wait_ms} ms "
                                     f"(tried {tried})")
            time.sleep(POLL_S)

    def gone(self, target: Target, timeout_ms: int) -> None:
        """Poll until no alternative of ``target`` is on screen; ``TargetNotFound`` if it stays."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            self.check_alive()
            if self.first(target, self.frame()) is None:
                return
            if time.monotonic() >= deadline:
                raise TargetNotFound(f"{target.name} still on screen after {timeout_ms} ms")
            time.sleep(POLL_S)

    def state(self, target: Target, states: list[Alternative],
               timeout_ms: int) -> tuple[bool, Hit]:
        """Which of the checked/unchecked templates matches better, and where."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            self.check_alive()
            frame = self.frame()
            best: tuple[float, Alternative, Match] | None = None
            for alt in states:
                found = self.match(alt, frame)
                if found is not None and (best is None or found.score > best[0]):
                    best = (found.score, alt, found)
            if best is not None and best[0] >= best[1].confidence:
                score, alt, found = best
                win = self.frame_window(alt, frame) if alt.frame else \
                    frame.top_window_at(*found.center)
                return alt.name == CHECKED, Hit(alt, win, found.center, found.box, score)
            self.check_interrupts(frame)
            if time.monotonic() >= deadline:
                raise TargetNotFound(f"{target.name}: neither its checked nor its unchecked "
                                     "image is on screen")
            time.sleep(POLL_S)

    def mask_box(self, alt: Alternative, frame: Frame) -> tuple[int, int, int, int] | None:
        try:
            hit = self.locate(alt, frame)
        except BotScriptError:
            return None
        if hit is None:
            return None
        if hit.box is not None:
            return hit.box
        if hit.point is not None:
            return self.display.widget_box(*hit.point)
        return None


def point_of(alt: Alternative) -> tuple[int, int]:
    """A ``point`` alternative's window-relative ``x,y``."""
    try:
        x_text, y_text = alt.value.split(",")
        return int(x_text), int(y_text)
    except ValueError:
        raise BotScriptError(f"point {alt.value!r} must be 'x,y' (window-relative pixels)"
                             ) from None
