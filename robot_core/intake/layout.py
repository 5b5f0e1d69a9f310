"""Find the header of a case table: which row it is on and which column is which.

Exports carry title lines above the header, so the first row of the first 30 (or the row
``input.header_row`` names) that has a header for the key and every required column wins.
Header text matches a column's aliases after ``normalise_header``, and a cell whose first line
matches counts too (``郵便番号⏎(ハイフンなし)``).

Merged header cells: openpyxl's read-only mode gives a merged cell's value in its top-left
cell and nothing in the rest. A parent merged across several columns over a row of children
(``届出人`` over ``氏名 | フリガナ | 性別``, with ``受付番号`` merged down both rows) is a
two-row header: each child column is known as ``親/子`` (``届出人/氏名``), by the child alone,
and the parent alone names its first column. The row below the header is taken for children
only if it cannot be a case: it is all text, has nothing under the key or under a one-column
header, and has a child under a merged parent.

Two columns whose headers are the same after ``normalise_header`` (``氏名`` and ``氏名　``)
make the file ambiguous: which one holds the data the bot types is a guess, so the layout
records them (``Layout.repeated``) and the file is refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from robot_core.intake.cells import is_blank
from robot_core.script.model import InputSpec

HEADER_SCAN_ROWS = 30
Row = Sequence[Any]
_NOISE = re.compile(r"[\s_\-]+")


def normalise_header(text: object) -> str:
    """Headers compare after NFKC, case folding, and without spaces, ``_`` and ``-``.

    ``ＮＡＭＥ `` == ``name``, ``Case ID`` == ``case_id``, ``※氏名`` == ``氏名`` (a leading or
    trailing ``*``/``※`` marks a required column on many forms).
    """
    folded = unicodedata.normalize("NFKC", str(text if text is not None else "")).casefold()
    return _NOISE.sub("", folded).strip("*※")


def aliases(name: str, spec: InputSpec) -> list[str]:
    """The header texts a column goes by: its ``header:`` list, then its own name."""
    return [*spec.columns[name].header, name]


def header_matches(found: str, alias: str) -> bool:
    """Whether header text ``found`` (``親/子`` included) names the column known as ``alias``."""
    return normalise_header(alias) in _names(found, "")


@dataclass(frozen=True)
class Layout:
    """Where the table is: its last header row, each file column's header, each bot column."""

    last_row: int
    headers: list[str]
    index: dict[str, int]
    #: The first two file columns (0-based, with their header text) that normalise alike.
    repeated: tuple[tuple[int, str], tuple[int, str]] | None = None

    def header_of(self, name: str) -> str:
        """The header text the file uses for bot column ``name``."""
        return self.headers[self.index[name]]


@dataclass
class HeaderSearch:
    """Scans one table's first rows for the header; ``closest`` remembers the best miss."""

    spec: InputSpec
    closest: tuple[int, list[str]] | None = field(default=None)

    @property
    def wanted(self) -> list[str]:
        """The key and the required columns, in spec order."""
        return [n for n, c in self.spec.columns.items() if c.required or n == self.spec.key]

    def run(self, rows: Iterator[Row]) -> tuple[Layout, Iterator[Row]] | None:
        """The layout and the rows after the header, or None when no row is the header."""
        ahead = Lookahead(rows)
        limit = self.spec.header_row or HEADER_SCAN_ROWS
        for number in range(1, limit + 1):
            row = ahead.next()
            if row is None:
                return None
            if self.spec.header_row is not None and number < self.spec.header_row:
                continue
            layout = self._layout_at(number, row, ahead.peek())
            if layout is not None:
                if layout.last_row > number:
                    ahead.next()
                return layout, ahead
        return None

    def _layout_at(self, number: int, row: Row, below: Row | None) -> Layout | None:
        single = self._match([_names(_text(c), "") for c in row])
        if not self._missing(single, number):
            key_at = single[self.spec.key]
            if below is not None and _is_subheader(row, below, key_at):
                return self._two_rows(number, row, below)
            texts = [_text(c) for c in row]
            return Layout(number, _unique(texts), single, repeated(texts))
        if below is None or not _is_subheader(row, below, None):
            return None
        if not self._missing(self._match([_names(_text(c), "") for c in below]), number + 1):
            return None  # the row below is the header on its own; this row is a title
        return self._two_rows(number, row, below)

    def _two_rows(self, number: int, top: Row, below: Row) -> Layout | None:
        headers, names = _combined(top, below)
        index = self._match(names)
        if self._missing(index, number):
            return None
        return Layout(number + 1, _unique(headers), index, repeated(headers))

    def _match(self, names: list[set[str]]) -> dict[str, int]:
        index: dict[str, int] = {}
        for name in self.spec.columns:
            for alias in aliases(name, self.spec):
                wanted = normalise_header(alias)
                hit = next((i for i, n in enumerate(names)
                            if wanted in n and i not in index.values()), None)
                if hit is not None:
                    index[name] = hit
                    break
        return index

    def _missing(self, index: dict[str, int], number: int) -> list[str]:
        missing = [aliases(n, self.spec)[0] for n in self.wanted if n not in index]
        if missing and (self.closest is None or len(missing) < len(self.closest[1])):
            self.closest = (number, missing)
        return missing


class Lookahead(Iterator[Row]):
    """An iterator of rows that can show the next row without taking it."""

    def __init__(self, rows: Iterator[Row]) -> None:
        self._rows = rows
        self._ahead: list[Row] = []

    def __next__(self) -> Row:
        return self._ahead.pop() if self._ahead else next(self._rows)

    def next(self) -> Row | None:
        """The next row, or None at the end."""
        return next(self, None)

    def peek(self) -> Row | None:
        """The next row, left in place; None at the end."""
        if not self._ahead:
            row = next(self._rows, None)
            if row is None:
                return None
            self._ahead.append(row)
        return self._ahead[0]


def _text(cell: Any) -> str:
    return "" if is_blank(cell) else str(cell).strip()


def _names(text: str, child: str) -> set[str]:
    """Every normalised name a header cell answers to (its first line too; ``親/子`` parts)."""
    names: set[str] = set()
    for part in (text, child, *text.split("/")[-1:]):
        if part:
            names |= {normalise_header(part), normalise_header(part.splitlines()[0])}
    return names - {""}


def _cell(row: Row, i: int) -> Any:
    return row[i] if i < len(row) else None


def _is_subheader(top: Row, below: Row, key_at: int | None) -> bool:
    """Whether ``below`` holds the children of merged cells in ``top``, and is not a case."""
    cells = [(i, c) for i, c in enumerate(below) if not is_blank(c)]
    if not cells or any(not isinstance(c, str) for _, c in cells):
        return False
    if key_at is not None and not is_blank(_cell(below, key_at)):
        return False
    under_merge = False
    for i, _ in cells:
        if is_blank(_cell(top, i)):
            under_merge = True
        elif not is_blank(_cell(top, i + 1)):
            return False  # a child under a one-column header: this is data, not a header
    return under_merge


def _combined(top: Row, below: Row) -> tuple[list[str], list[set[str]]]:
    """Headers (``親/子``) and the names of each column of a two-row header."""
    headers: list[str] = []
    names: list[set[str]] = []
    parent = ""
    for i in range(max(len(top), len(below))):
        own, child = _text(_cell(top, i)), _text(_cell(below, i))
        parent = own or parent
        header = f"{parent}/{child}" if child and parent else (own or child)
        headers.append(header)
        names.append(_names(header, child) | _names(own, ""))
    return headers, names


def repeated(headers: Sequence[str]) -> tuple[tuple[int, str], tuple[int, str]] | None:
    """The first two columns whose non-blank headers are equal once normalised."""
    first: dict[str, int] = {}
    for i, header in enumerate(headers):
        name = normalise_header(header)
        if not name:
            continue
        if name in first:
            return (first[name], headers[first[name]]), (i, header)
        first[name] = i
    return None


def _unique(headers: list[str]) -> list[str]:
    """Header texts, a repeated one numbered (``備考``, ``備考 (2)``) so each names one column."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
        out.append(f"{header} ({seen[header]})" if header and seen[header] > 1 else header)
    return out
