"""Draw an evidence card (the runner's small HTML document) as a PNG without a browser.

The desktop driver has no HTML engine, so it renders the card's *text*: headings, paragraphs
and table rows each on their own lines, table cells side by side, in Noto Sans CJK so the
Japanese reads. Styling (CSS) is ignored; the words are what an auditor needs.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

_BLOCKS = frozenset({"h1", "h2", "h3", "p", "div", "tr", "table", "li", "br", "section"})
_CELLS = frozenset({"th", "td"})
_SKIP = frozenset({"style", "script", "head", "title"})
WIDTH = 860
MARGIN = 28
_FontT = ImageFont.FreeTypeFont | ImageFont.ImageFont


class _Text(HTMLParser):
    """HTML -> lines of (text, bold) runs; a row's cells are joined by a wide gap."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[str, bool]] = []
        self._current: list[str] = []
        self._bold = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCKS:
            self._flush()
            self._bold = tag.startswith("h")
        elif tag in _CELLS and self._current and self._current[-1].strip():
            self._current.append("    ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._current.append(" ".join(data.split()) if data.strip() else "")

    def _flush(self) -> None:
        text = "".join(self._current).strip()
        if text:
            self.lines.append((text, self._bold))
        self._current = []
        self._bold = False

    def text_lines(self) -> list[tuple[str, bool]]:
        self._flush()
        return self.lines


@lru_cache(maxsize=4)
def _font(size: int, bold: bool) -> _FontT:
    name = "Noto Sans CJK JP:bold" if bold else "Noto Sans CJK JP"
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", name],
                               capture_output=True, text=True, check=False, timeout=10)
        parts = found.stdout.split("\n")
        if found.returncode == 0 and parts[0] and Path(parts[0]).is_file():
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            return ImageFont.truetype(parts[0], size, index=index)
    return ImageFont.load_default()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: _FontT, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for char in text:
        if current and draw.textlength(current + char, font=font) > width:
            lines.append(current)
            current = char.lstrip()
        else:
            current += char
    return [*lines, current] if current else lines


def render_card(document: str, path: Path) -> Path:
    """Write the text of ``document`` as a card-like PNG to ``path``."""
    parser = _Text()
    parser.feed(document)
    parser.close()
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    rows: list[tuple[str, _FontT]] = []
    for text, bold in parser.text_lines():
        font = _font(20 if bold else 16, bold)
        rows += [(line, font) for line in _wrap(scratch, text, font, WIDTH - 2 * MARGIN)]
    line_height = 30
    height = 2 * MARGIN + line_height * max(1, len(rows))
    image = Image.new("RGB", (WIDTH, height), "#fff8dc")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH - 1, height - 1), outline="#c9a400", width=3)
    for i, (line, font) in enumerate(rows):
        draw.text((MARGIN, MARGIN + i * line_height), line, fill="#222222", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")
    return path
