"""Template matching for ``image:`` targets (OpenCV, as pyautogui's ``confidence=`` uses).

Matching is grey-scale normalised cross-correlation (``TM_CCOEFF_NORMED``): a score of 1.0 is
a pixel-perfect match, and a hover highlight or a focus ring costs a few hundredths. The
score itself is returned, not just a yes/no, so a check box can be read by asking which of
its two templates (ticked, not ticked) matches *better*.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from robot_core.errors import BotScriptError, ConfigError

if TYPE_CHECKING:
    import numpy
    from numpy.typing import NDArray

    Grey = NDArray[numpy.uint8]
else:
    Grey = Any


@dataclass(frozen=True)
class Match:
    """Where a template matched best, in screen pixels, and how well."""

    score: float
    left: int
    top: int
    width: int
    height: int

    @property
    def center(self) -> tuple[int, int]:
        """The point to click."""
        return self.left + self.width // 2, self.top + self.height // 2

    @property
    def box(self) -> tuple[int, int, int, int]:
        """``(left, top, right, bottom)``."""
        return self.left, self.top, self.left + self.width, self.top + self.height


class Templates:
    """PNG templates under one folder, loaded once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[str, Grey] = {}
        try:
            import cv2  # noqa: PLC0415 - optional dependency (desktop extra)
            import numpy  # noqa: PLC0415
        except ImportError as exc:
            raise ConfigError("image targets need opencv-python-headless: install "
                              "robot-core[desktop]") from exc
        self._cv2 = cv2
        self._np = numpy

    def _template(self, name: str) -> Grey:
        if name not in self._cache:
            path = self.folder / name
            if not path.is_file():
                raise BotScriptError(f"image template {path} does not exist")
            with Image.open(path) as image:
                self._cache[name] = self._np.asarray(image.convert("L"))
        return self._cache[name]

    def size(self, name: str) -> tuple[int, int]:
        """Width and height of a template."""
        height, width = self._template(name).shape[:2]
        return int(width), int(height)

    def grey(self, image: Image.Image) -> Grey:
        """``image`` as the grey-scale array ``best`` searches (convert once, search often)."""
        return self._np.asarray(image.convert("L"))

    def best(self, name: str, grey: Grey, box: tuple[int, int, int, int]) -> Match | None:
        """Best match of template ``name`` inside ``box`` of the grey screen ``grey``."""
        needle = self._template(name)
        width, height = self.size(name)
        left, top, right, bottom = box
        if right - left < width or bottom - top < height:
            return None
        region = grey[top:bottom, left:right]
        scores = self._cv2.matchTemplate(region, needle, self._cv2.TM_CCOEFF_NORMED)
        _min, best, _min_loc, (x, y) = self._cv2.minMaxLoc(scores)
        return Match(float(best), left + int(x), top + int(y), width, height)

    def count(self, name: str, grey: Grey, box: tuple[int, int, int, int], confidence: float,
              most: int = 10) -> int:
        """How many separate places inside ``box`` match template ``name`` at ``confidence``
        (up to ``most``): each best match masks its own area before the next is looked for."""
        needle = self._template(name)
        width, height = self.size(name)
        left, top, right, bottom = box
        if right - left < width or bottom - top < height:
            return 0
        scores = self._cv2.matchTemplate(grey[top:bottom, left:right], needle,
                                         self._cv2.TM_CCOEFF_NORMED)
        found = 0
        while found < most:
            _min, best, _min_loc, (x, y) = self._cv2.minMaxLoc(scores)
            if best < confidence:
                break
            found += 1
            # a match one pixel off is the same place: clear the template's area around it
            scores[max(0, y - height + 1):y + height, max(0, x - width + 1):x + width] = -1.0
        return found
