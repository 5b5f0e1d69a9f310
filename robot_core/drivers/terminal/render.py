"""Screenshots of a text screen: a PNG drawn with a CJK monospace font, and the plain text.

Masked cells (secret fields, and anywhere a secret value shows) are ``*`` in the text and
black boxes in the picture: the secret is never drawn, not drawn and painted over.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from robot_core.drivers.terminal.screen import STUB, Region, Snapshot, width

_BREAKS = {"h1", "h2", "p", "tr", "br", "div", "li", "table"}

# Noto Sans Mono CJK JP (Debian's fonts-noto-cjk): half-width glyphs are exactly half an em.
FONTS = (("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 5),
         ("/usr/share/fonts/opentype/noto/NotoSansMonoCJK-Regular.ttc", 0))
SIZE = 18
CELL_W, CELL_H, PAD = SIZE // 2, SIZE + 6, 8
FG, BG, CURSOR = (120, 255, 140), (8, 16, 8), (200, 200, 80)


def masked_cells(snap: Snapshot, regions: Iterable[Region], secrets: Sequence[str]) -> set[
        tuple[int, int]]:
    """(row, col) of every cell to hide."""
    cells: set[tuple[int, int]] = set()
    for region in regions:
        for r in range(region.row, min(snap.rows, region.row + region.rows)):
            cells.update((r, c) for c in range(region.col, min(snap.cols, region.col +
                                                                region.cols)))
    for secret in (s for s in secrets if len(s) >= 4):  # short values would mask everything
        for row, col in snap.find(secret):
            cells.update((row, c) for c in range(col, min(snap.cols, col + width(secret))))
    return cells


def screen_text(snap: Snapshot, hidden: set[tuple[int, int]]) -> str:
    """The screen as text, a hidden cell as ``*`` (a hidden kanji as ``**``: columns stay)."""
    lines = []
    for r in range(snap.rows):
        out = []
        for c in range(snap.cols):
            ch = snap.cells[r][c]
            if (r, c) in hidden:
                out.append("*")
            elif ch == STUB:
                if c and (r, c - 1) in hidden:
                    out.append("*")  # the right half of a hidden kanji
                continue
            else:
                out.append(ch)
        lines.append("".join(out).rstrip())
    return "\n".join(lines) + "\n"


def save(snap: Snapshot, path: Path, hidden: set[tuple[int, int]]) -> Path:
    """Write ``path`` (PNG) and the same screen as ``path.with_suffix('.txt')``."""
    text = screen_text(snap, hidden)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".txt").write_text(text, encoding="utf-8")
    from PIL import Image, ImageDraw, ImageFont  # noqa: PLC0415 - the terminal extra

    font = _font(ImageFont)
    image = Image.new("RGB", (snap.cols * CELL_W + 2 * PAD, snap.rows * CELL_H + 2 * PAD), BG)
    draw = ImageDraw.Draw(image)
    for r in range(snap.rows):
        for c in range(snap.cols):
            x, y = PAD + c * CELL_W, PAD + r * CELL_H
            if (r, c) in hidden:
                draw.rectangle((x, y, x + CELL_W - 1, y + CELL_H - 1), fill=(0, 0, 0),
                               outline=(90, 90, 90))
                continue
            ch = snap.cells[r][c]
            if ch not in (STUB, " "):
                draw.text((x, y + 2), ch, font=font, fill=FG)
    row, col = snap.cursor
    if row < snap.rows and col < snap.cols:
        x, y = PAD + col * CELL_W, PAD + row * CELL_H
        draw.rectangle((x, y + CELL_H - 3, x + CELL_W - 1, y + CELL_H - 1), fill=CURSOR)
    image.save(path, format="PNG")
    return path


def _font(module: Any) -> Any:
    for file, index in FONTS:
        if Path(file).exists():
            return module.truetype(file, SIZE, index=index)
    return module.load_default()


class _Text(HTMLParser):
    """An evidence card's HTML as lines of text (block tags and <br> end a line)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = [""]
        self._skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip = tag == "style"
        if tag in _BREAKS:
            self.lines.append("")
        elif tag in {"td", "th"} and self.lines[-1]:
            self.lines[-1] += "  "

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.lines[-1] += " ".join(data.split())


def card_snapshot(document: str, rows: int, cols: int) -> Snapshot:
    """An HTML evidence card laid out as a text screen (wrapped by columns, kanji as two)."""
    parser = _Text()
    parser.feed(document)
    cells: list[tuple[str, ...]] = []
    for line in (x.strip() for x in parser.lines if x.strip()):
        row: list[str] = []
        for ch in line:
            w = max(width(ch), 1)
            if len(row) + w > cols:
                cells.append(tuple(row + [" "] * (cols - len(row))))
                row = []
            row += [ch] + [STUB] * (w - 1)
        cells.append(tuple(row + [" "] * (cols - len(row))))
    cells += [(" ",) * cols] * max(0, rows - len(cells))
    return Snapshot(tuple(cells), (len(cells), 0), 0)
