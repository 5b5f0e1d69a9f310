"""The terminal's screen: pyte, with East Asian width made right, and snapshots to read.

pyte 0.8.2 gives full-width characters two cells (the second an empty "stub"), as wcwidth
says, but it gets three things wrong that a Japanese host screen hits at once:

* a full-width character drawn in the last column is written half off the screen instead of
  wrapping first, as a real terminal does;
* overwriting either half of a full-width character with a half-width one leaves the other
  half behind (an orphan stub, or a kanji whose second half is now another character), so
  the row reads wrong and every column after it shifts;
* ``display`` renders an orphan stub as nothing, so rows come out short.

``WideScreen`` fixes the first two as it draws; ``Snapshot`` reads rows by column, never by
string index, and turns an orphan stub into a space. Widths are wcwidth's on both ends (the
fixture host uses the same): East Asian *ambiguous* characters (○, ※) are one column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyte
from wcwidth import wcwidth

STUB = ""  # the cell after a full-width character


def width(text: str) -> int:
    """Columns ``text`` takes on the screen (kanji and full-width kana: two each)."""
    return sum(max(wcwidth(ch), 0) for ch in text)


class WideScreen(pyte.Screen):
    """A pyte screen whose full-width characters wrap and overwrite as on a real VT."""

    def draw(self, data: str) -> None:
        """Draw ``data`` one character at a time, keeping both halves of kanji consistent."""
        for char in data.translate(self.g1_charset if self.charset else self.g0_charset):
            cells = wcwidth(char)
            if cells <= 0:
                super().draw(char)
                continue
            if cells == 2 and self.cursor.x == self.columns - 1 \
                    and pyte.modes.DECAWM in self.mode:
                self._blank(self.cursor.y, self.cursor.x)
                self.carriage_return()
                self.linefeed()
            if self.cursor.x < self.columns:
                self._split(self.cursor.y, self.cursor.x)
                if cells == 2 and self.cursor.x + 1 < self.columns:
                    self._split(self.cursor.y, self.cursor.x + 1, right_only=True)
            super().draw(char)

    def _blank(self, y: int, x: int) -> None:
        line = self.buffer[y]
        line[x] = line[x]._replace(data=" ")

    def _split(self, y: int, x: int, *, right_only: bool = False) -> None:
        """Before writing at x: blank the other half of any full-width character there."""
        line = self.buffer[y]
        here = line[x].data
        if here == STUB and x > 0 and not right_only:
            self._blank(y, x - 1)
        if here and wcwidth(here[0]) == 2 and x + 1 < self.columns:
            self._blank(y, x + 1)


@dataclass(frozen=True)
class Region:
    """Cells of one row (0-based row, col; width in columns) or a rectangle of rows."""

    row: int
    col: int
    cols: int
    rows: int = 1

    def contains(self, row: int, col: int) -> bool:
        """Whether (row, col) is inside (a field's end column counts: the cursor rests there)."""
        return self.row <= row < self.row + self.rows and self.col <= col <= self.col + self.cols


@dataclass(frozen=True)
class Snapshot:
    """A copy of the screen at one moment: cells (stubs as ""), cursor, when it last changed."""

    cells: tuple[tuple[str, ...], ...]
    cursor: tuple[int, int]
    generation: int
    #: cells drawn underlined or in reverse video: how curses forms show their fields
    marked: frozenset[tuple[int, int]] = frozenset()

    @property
    def rows(self) -> int:
        """Rows of the screen."""
        return len(self.cells)

    @property
    def cols(self) -> int:
        """Columns of the screen."""
        return len(self.cells[0]) if self.cells else 0

    def text(self, row: int, col: int = 0, cols: int | None = None) -> str:
        """The text of ``cols`` columns of ``row`` from ``col`` (a kanji cut in half: a space)."""
        line = self.cells[row]
        end = len(line) if cols is None else min(len(line), col + cols)
        out = []
        for x in range(col, end):
            ch = line[x]
            if ch == STUB:
                if x == col or wcwidth((line[x - 1] or " ")[0]) != 2:
                    out.append(" ")  # an orphan half, or the cut-off tail of a kanji
                continue
            if wcwidth(ch[0]) == 2 and x + 1 >= end:
                out.append(" ")  # only its left half is inside
                continue
            out.append(ch)
        return "".join(out)

    def lines(self) -> list[str]:
        """Every row as text (trailing blanks kept: columns line up)."""
        return [self.text(r) for r in range(self.rows)]

    def find(self, needle: str, row: int | None = None) -> list[tuple[int, int]]:
        """(row, col) of every place ``needle`` shows (in one row when ``row`` is given)."""
        found = []
        for r in [row] if row is not None else range(self.rows):
            line, columns = self._row_map(r)
            for match in re.finditer(re.escape(needle), line):
                found.append((r, columns[match.start()]))
        return found

    def _row_map(self, row: int) -> tuple[str, list[int]]:
        """A row's text and, for each of its characters, the column it starts in."""
        chars, columns = [], []
        for x, ch in enumerate(self.cells[row]):
            if ch == STUB:
                continue
            chars.append(ch)
            columns.append(x)
        return "".join(chars), columns

    def fields(self) -> list[Region]:
        """The screen's input fields, in reading order.

        VT screens carry no field attributes, so a field is what the clerk sees as one: the
        inside of a bracketed, fixed-width slot (its free part shown as ``_``), or a run of
        underlined or reverse-video cells (how curses forms draw theirs).
        """
        out = []
        for r in range(self.rows):
            line, columns = self._row_map(r)
            for match in re.finditer(r"\[([^\[\]]*)\]", line):
                start = columns[match.start()] + 1
                end = columns[match.end() - 1]
                out.append(Region(r, start, end - start))
            out += [run for run in self._marked_runs(r)
                    if not any(f.row == r and f.col - 1 <= run.col <= f.col + f.cols
                               for f in out)]
        return sorted(out, key=lambda f: (f.row, f.col))

    def _marked_runs(self, row: int) -> list[Region]:
        runs, start = [], None
        for x in range(self.cols + 1):
            on = (row, x) in self.marked
            if on and start is None:
                start = x
            elif not on and start is not None:
                runs.append(Region(row, start, x - start))
                start = None
        return runs

    def value(self, region: Region) -> str:
        """A field's content: its text without the ``_`` padding and trailing blanks."""
        if region.rows > 1:
            return "\n".join(self.text(region.row + i, region.col, region.cols).rstrip()
                             for i in range(region.rows)).strip("\n")
        return self.text(region.row, region.col, region.cols).rstrip(" _")


def snapshot(screen: pyte.Screen, generation: int) -> Snapshot:
    """A frozen copy of ``screen`` (call it under the lock that guards the screen)."""
    cells = tuple(tuple(screen.buffer[y][x].data for x in range(screen.columns))
                  for y in range(screen.lines))
    marked = frozenset((y, x) for y, line in screen.buffer.items() for x, ch in line.items()
                       if (ch.underscore or ch.reverse) and y < screen.lines
                       and x < screen.columns)
    return Snapshot(cells, (screen.cursor.y, screen.cursor.x), generation, marked)
