"""The cut: a box of pixels from the live screen or a screenshot, and whether it is unique."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from robot_core.drivers.desktop.extra import require_desktop
from robot_core.errors import TargetNotFound
from robot_core.tools.capture.region import CaptureError, Region

if TYPE_CHECKING:  # the desktop extra: imported where pixels are handled, so the CLI starts
    from PIL import Image  # on a plain install and `robot capture` says which extra it needs

    from robot_core.drivers.desktop.x11 import Display, Window

_SETTLE_S = 2.0  # how long a window gets to draw itself (raised, or still painting)
_SETTLE_POLL_S = 0.1


@dataclass
class Cut:
    """The captured pixels, what they were cut from, and what was noticed on the way."""

    image: Image.Image
    source: Image.Image  # the window (or whole screenshot) the box lies in
    region: Region  # as asked: from the window's (or screenshot's) corner
    origin: str  # where it came from, for the report
    offset: tuple[int, int] = (0, 0)  # source pixel = region pixel + offset
    warnings: list[str] = field(default_factory=list)


def cut_from_screenshot(path: Path, region: Region) -> Cut:
    """``region`` of a saved screenshot (its pixels: a window shot or a whole screen)."""
    require_desktop("robot capture")
    from PIL import Image  # noqa: PLC0415 - the desktop extra

    try:
        with Image.open(path) as shot:
            source = shot.convert("RGB")
    except OSError as exc:
        raise CaptureError(f"cannot read the screenshot {path}: {exc}") from exc
    _inside(region, source.size, f"the screenshot {path.name}")
    return Cut(source.crop(region.box), source, region, f"screenshot {path}")


def cut_from_display(display_name: str, window: str, region: Region, *,
                     whole_screen: bool = False) -> Cut:
    """``region`` of the window titled ``window`` on the live display ``display_name``.

    The cut's source (where it is checked for look-alikes) is the window, or the whole
    screen for an alternative the driver will look for everywhere (``whole_screen``).
    """
    require_desktop("robot capture")
    from robot_core.drivers.desktop.x11 import Display  # noqa: PLC0415 - the desktop extra

    display = Display(display_name)
    try:
        win = display.find(window)
        if win is None:
            titles = sorted({w.title for w in display.windows() if w.title})
            raise TargetNotFound(f"no window titled {window!r} on {display_name} (open: "
                                 f"{', '.join(repr(t) for t in titles) or 'none'}); give the "
                                 "exact title with --window")
        width, height = display.size
        visible = (max(0, win.x), max(0, win.y), min(width, win.x + win.width),
                   min(height, win.y + win.height))
        _inside(region, (visible[2] - win.x, visible[3] - win.y), f"the window {window!r}")
        warnings: list[str] = []
        screen_box = (win.x + region.x, win.y + region.y, win.x + region.x + region.width,
                      win.y + region.y + region.height)
        covered = _covered(display.windows(), win, screen_box)
        if covered:
            display.focus(win)  # raised, so the box shows the window's own pixels
            warnings.append(f"{covered!r} lay over the box: {window!r} was raised first")
        searched = (0, 0, width, height) if whole_screen else visible
        source, steady = _steady_grab(display, searched)
        if not steady:
            warnings.append("the window kept changing while it was captured (a blinking "
                            "cursor, an animation?): check the image")
    finally:
        display.close()
    left, top = win.x - searched[0], win.y - searched[1]  # window corner in the source
    inner = Region(region.x + left, region.y + top, region.width, region.height)
    return Cut(source.crop(inner.box), source, region,
               f"window {window!r} at +{win.x}+{win.y} on {display_name}", (left, top),
               warnings)


def _inside(region: Region, size: tuple[int, int], what: str) -> None:
    if region.x + region.width > size[0] or region.y + region.height > size[1]:
        raise CaptureError(f"region {region} reaches outside {what}, which is "
                           f"{size[0]}x{size[1]} pixels")


def _covered(windows: list[Window], win: Window, box: tuple[int, int, int, int]) -> str | None:
    """Title of a window stacked above ``win`` that overlaps ``box`` (None if none does)."""
    above = False
    for other in windows:  # bottom of the stack first
        if other.id == win.id:
            above = True
            continue
        if above and other.x < box[2] and box[0] < other.x + other.width \
                and other.y < box[3] and box[1] < other.y + other.height:
            return str(other.title or f"window {other.id:#x}")
    return None


def _steady_grab(display: Display, box: tuple[int, int, int, int]) -> tuple[Image.Image, bool]:
    """Grab ``box`` until two grabs in a row agree (the program has finished drawing)."""
    deadline = time.monotonic() + _SETTLE_S
    last = display.grab(box)
    while time.monotonic() < deadline:
        time.sleep(_SETTLE_POLL_S)
        now = display.grab(box)
        if now.tobytes() == last.tobytes():
            return now, True
        last = now
    return last, False


# -- checking the cut --------------------------------------------------------------------------
@dataclass(frozen=True)
class Uniqueness:
    """The best match of the cut away from its own place (1.0 there, by construction)."""

    other: float
    other_at: tuple[int, int]  # counted like the region


def uniqueness(cut: Cut) -> Uniqueness:
    """Match the cut over its source the way the driver will (grey, normalised)."""
    require_desktop("robot capture")
    import cv2  # noqa: PLC0415 - the desktop extra
    import numpy  # noqa: PLC0415

    needle = numpy.asarray(cut.image.convert("L"))
    if float(needle.std()) < 1.0:
        raise CaptureError(f"region {cut.region} is one flat colour: there is nothing to "
                           "match; take in the control's text or border")
    haystack = numpy.asarray(cut.source.convert("L"))
    scores = cv2.matchTemplate(haystack, needle, cv2.TM_CCOEFF_NORMED)
    x, y = cut.region.x + cut.offset[0], cut.region.y + cut.offset[1]
    # Blank out the neighbourhood of its own place: a shift of a few pixels is the same hit.
    dx, dy = max(2, cut.region.width // 2), max(2, cut.region.height // 2)
    scores[max(0, y - dy):y + dy + 1, max(0, x - dx):x + dx + 1] = -1.0
    _min, other, _min_at, (ox, oy) = cv2.minMaxLoc(scores)
    return Uniqueness(float(other), (int(ox) - cut.offset[0], int(oy) - cut.offset[1]))
