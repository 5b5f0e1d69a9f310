"""What ``robot capture`` is asked: a target (``form.save``) and a box in its window."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml

from robot_core.errors import BotScriptError

if TYPE_CHECKING:  # the desktop extra: imported where pixels are handled, so the CLI starts

    pass

DEFAULT_CONFIDENCE = 0.9
MIN_SIDE = 4  # a smaller box matches noise
_NAME = re.compile(r"[^\W\d]\w*")


class CaptureError(BotScriptError):
    """The capture cannot be done as asked (nothing was written)."""


@dataclass(frozen=True)
class Region:
    """A box: ``x,y`` from the top-left corner of a window (or screenshot), ``w`` by ``h``."""

    x: int
    y: int
    width: int
    height: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        """``(left, top, right, bottom)``."""
        return self.x, self.y, self.x + self.width, self.y + self.height

    def __str__(self) -> str:
        return f"{self.x},{self.y},{self.width},{self.height}"


def parse_region(text: str) -> Region:
    """``"360,570,136,28"`` -> ``Region``; anything else raises ``CaptureError``."""
    parts = [p.strip() for p in text.split(",")]
    try:
        x, y, width, height = (int(p) for p in parts)
    except ValueError:
        raise CaptureError(f"region {text!r} must be x,y,w,h (four whole numbers, pixels)"
                           ) from None
    if x < 0 or y < 0:
        raise CaptureError(f"region {text!r}: x and y count from the window's top-left "
                           "corner and cannot be negative")
    if width < MIN_SIDE or height < MIN_SIDE:
        raise CaptureError(f"region {text!r} is too small to match reliably (at least "
                           f"{MIN_SIDE}x{MIN_SIDE} pixels)")
    return Region(x, y, width, height)


def split_target(name: str) -> tuple[str, str]:
    """``form.save`` -> ``("form", "save")``; both parts must be plain YAML keys."""
    screen, dot, target = name.partition(".")
    if not dot or not all(_NAME.fullmatch(p) and _plain_key(p) for p in (screen, target)):
        raise CaptureError(f"target {name!r} must be SCREEN.TARGET, each a name of letters, "
                           "digits and _ (e.g. form.save)")
    return screen, target


def _plain_key(text: str) -> bool:
    """Whether ``text`` reads back from YAML as the same text (not true, null, 1e3 ...)."""
    try:
        data = yaml.safe_load(f"{text}: 1")
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and list(data) == [text]


