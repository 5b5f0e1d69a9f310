"""Read .xlsx exports with openpyxl in read-only mode, one row at a time, in flat memory.

``load_workbook(read_only=True, data_only=True)`` opens the file; each sheet is then read by
openpyxl's own cell parser (the same typing of numbers, dates, booleans and strings) under a
row loop of ours, for three reasons:

- memory: openpyxl's loop leaves every parsed ``<row>`` attached to the XML tree and records
  every row's height, which grows with the sheet; ours drops each row once read;
- formulas: in ``data_only`` mode a formula cell that was never calculated (a file written
  by a program, openpyxl included, and not saved by Excel since) reads as empty. Ours tells
  it apart: it is an ``UncachedFormula``, and the row gets a problem, not a silent blank;
- error values (``#N/A``) become ``ExcelError``, never a text typed into a legacy system.

Shared strings (how Excel stores text) are held by a compact ``StringTable``; and a sheet
without a ``<dimension>`` is not parsed whole just to be measured (see ``_Sheet``).
Hidden sheets are not read unless ``input.sheet`` names one.

Hostile files: ``zipguard.check_archive`` has judged the central directory before this
module opens the file; every part is then read through ``GuardedZip`` (inflated bytes capped,
DTDs and entities refused), our own XML parsing goes through defusedxml with DTDs forbidden,
and whatever still goes wrong while a sheet is read (a bad CRC, broken XML) is one
``CaseDataError`` naming the file and the sheet.
"""

from __future__ import annotations

import re
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError
from zipfile import BadZipFile

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse as defused_iterparse
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils.cell import column_index_from_string
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import (
    CELL_TAG,
    DATA_TAG,
    FORMULA_TAG,
    INLINE_STRING,
    ROW_TAG,
    VALUE_TAG,
    WorkSheetParser,
)
from openpyxl.xml.constants import SHEET_MAIN_NS

from robot_core.errors import CaseDataError
from robot_core.intake.cells import ExcelError, UncachedFormula
from robot_core.intake.compact import StringTable
from robot_core.intake.zipguard import GuardedZip, Limits

_T = f"{{{SHEET_MAIN_NS}}}t"
_RUN = f"{{{SHEET_MAIN_NS}}}r"
_SI = f"{{{SHEET_MAIN_NS}}}si"
Row = tuple[Any, ...]
#: How a part can fail to read once the central directory has passed: refused, one line.
UNREADABLE = (BadZipFile, ParseError, DefusedXmlException, zlib.error, EOFError, KeyError,
              IndexError, OSError, ValueError, TypeError)
iterparse = partial(defused_iterparse, forbid_dtd=True)
#: A coordinate openpyxl splits into letters and digits as ``rstrip`` does (``AB12``).
_COORDINATE = re.compile(r"[A-Z]{1,3}[0-9]+").fullmatch


def read_string_table(source: IO[bytes]) -> StringTable:
    """Read ``sharedStrings.xml`` as openpyxl does (runs joined, phonetic guides left out)."""
    table = StringTable()
    root: Any = None
    for event, node in iterparse(source, events=("start", "end")):
        if root is None:
            root = node
        elif event == "end" and node.tag == _SI:
            table.append(_text_of(node).replace("x005F_", ""))
            del root[:]  # a cleared node left in the tree still costs memory per string
    return table


def _text_of(node: Any) -> str:
    """The text of an ``<si>``/``<is>`` node: its ``<t>`` and its runs' ``<t>``, not ``<rPh>``."""
    runs = "".join(run.findtext(_T) or "" for run in node.iterfind(_RUN))
    return (node.findtext(_T) or "") + runs


class _Sheet(ReadOnlyWorksheet):  # type: ignore[misc]  # openpyxl ships no type hints
    """A read-only sheet that does not measure itself when opened.

    openpyxl looks for the sheet's ``<dimension>``; a file without one (openpyxl's own
    write-only output among them) is then parsed whole, holding every row, before a single
    row is read. Intake never asks for the dimensions.
    """

    def _get_size(self) -> None:
        return None


class _Reader(ExcelReader):  # type: ignore[misc]  # openpyxl ships no type hints
    """openpyxl's read-only reader with the compact ``StringTable``, ``_Sheet``, and every
    part read through a ``GuardedZip``."""

    def __init__(self, handle: IO[bytes], path: Path, limits: Limits) -> None:
        super().__init__(handle, read_only=True, data_only=True)
        self.archive.close()  # openpyxl's own ZipFile; ours reads the same handle
        self.archive: GuardedZip = GuardedZip(handle, path, limits)

    def read_strings(self) -> None:
        found = self.package.find(SHARED_STRINGS)
        if found is not None:
            with self.archive.open(found.PartName[1:]) as source:
                self.shared_strings = read_string_table(source)

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                ws = _Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)


class _CellParser(WorkSheetParser):  # type: ignore[misc]  # openpyxl ships no type hints
    """openpyxl's cell typing, plus uncalculated formulas and error values made visible."""

    def rows(self) -> Iterator[tuple[int, Row]]:
        """(row number, values) for each ``<row>``, each dropped from the tree once read."""
        data: Any = None
        counter = 0
        cell = self._cell
        for event, element in iterparse(self.source, events=("start", "end")):
            if event == "start":
                data = element if element.tag == DATA_TAG else data
            elif element.tag == ROW_TAG:
                counter = int(float(element.get("r") or counter + 1))
                self.row_counter, self.col_counter = counter, 0
                yield counter, _values([cell(c) for c in element if c.tag == CELL_TAG])
                if data is not None:
                    del data[:]

    def _cell(self, element: Any) -> tuple[int, Any]:
        """(column, value) of one ``<c>``: a shared string, the common case, read here,
        anything else by ``parse_cell``."""
        coordinate = element.get("r")
        if element.get("t") == "s" and coordinate and _COORDINATE(coordinate):
            text = element.findtext(VALUE_TAG, None)
            if text:  # what openpyxl reads for a shared string, with the same errors
                style = element.get("s")
                if style:
                    int(style)
                self.col_counter = column = column_index_from_string(
                    coordinate.rstrip("0123456789"))
                return column, self.shared_strings[int(text)]
        parsed = self.parse_cell(element)
        return parsed["column"], parsed["value"]

    def parse_cell(self, element: Any) -> dict[str, Any]:
        """One ``<c>`` as openpyxl reads it, with the two cases openpyxl hides."""
        kind = element.get("t")
        if kind == "inlineStr":
            _inline_as_str(element)  # openpyxl's rich-text path is 10x slower for plain text
        cell: dict[str, Any] = super().parse_cell(element)
        if cell["data_type"] == "e":
            cell["value"] = ExcelError(cell["value"] or "#VALUE!")
        elif cell["value"] is None and _uncached(element, kind):
            cell["value"] = UncachedFormula("=" + (element.findtext(FORMULA_TAG) or ""))
        return cell


def _uncached(element: Any, kind: str | None) -> bool:
    """A formula without its value: no ``<v>``, or an empty one (as openpyxl writes them).

    Excel saves a formula whose result is the empty string as ``t="str"`` with ``<v></v>``:
    that one is a real blank.
    """
    if element.find(FORMULA_TAG) is None:
        return False
    return kind != "str" or element.find(VALUE_TAG) is None


def _inline_as_str(element: Any) -> None:
    inline = element.find(INLINE_STRING)
    if inline is None:
        return
    value = element.makeelement(VALUE_TAG, {})
    value.text = _text_of(inline)
    element.remove(inline)
    element.append(value)
    element.set("t", "str")


def _values(cells: list[tuple[int, Any]]) -> Row:
    if not cells:
        return ()
    row: list[Any] = [None] * max(column for column, _ in cells)
    for column, value in cells:
        row[column - 1] = value
    return tuple(row)


@dataclass
class WorkbookSource:
    """An open workbook: the sheets to search for the case table, and how to close it."""

    path: Path
    book: Any
    sheet: str | None
    handle: IO[bytes]

    @property
    def names(self) -> list[str]:
        """Every sheet name, in workbook order."""
        return list(self.book.sheetnames)

    @property
    def hidden(self) -> list[str]:
        """Sheets not searched because they are hidden (or very hidden)."""
        return [ws.title for ws in self._worksheets() if ws.sheet_state != "visible"]

    def tables(self) -> Iterator[tuple[str, Iterator[Row]]]:
        """(sheet name, its rows) for the named sheet, or for each visible sheet in order."""
        if self.sheet is not None:
            if self.sheet not in self.book.sheetnames:
                raise CaseDataError(f"{self.path}: no sheet named {self.sheet!r} "
                                    f"(sheets: {', '.join(self.names)})")
            yield self.sheet, self._rows(self.book[self.sheet])
            return
        for ws in self._worksheets():
            if ws.sheet_state == "visible":
                yield ws.title, self._rows(ws)

    def close(self) -> None:
        """Release the file."""
        self.book.close()
        self.handle.close()

    def _rows(self, ws: Any) -> Iterator[Row]:
        try:
            yield from sheet_rows(ws)
        except UNREADABLE as exc:
            raise _unreadable(self.path, ws.title, exc) from exc

    def _worksheets(self) -> list[Any]:
        return [ws for ws in self.book.worksheets if hasattr(ws, "_get_source")]


def open_workbook(path: Path, sheet: str | None, limits: Limits | None = None) -> WorkbookSource:
    """Open ``path`` read-only; ``CaseDataError`` if it is not a readable .xlsx workbook.

    The workbook is opened from a file object, so that openpyxl judges it by its content:
    a workbook saved under another name (``.csv``) is still read. ``limits`` (default: from
    the environment) cap what its parts may inflate to.
    """
    handle = path.open("rb")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it drops (data validation, styles): not data
            warnings.simplefilter("ignore", UserWarning)
            reader = _Reader(handle, path, limits or Limits.from_env())
            reader.read()
    except BaseException as exc:
        handle.close()
        raise _unreadable(path, "", exc) from exc
    return WorkbookSource(path, reader.wb, sheet, handle)


def _unreadable(path: Path, sheet: str, exc: BaseException) -> BaseException:
    """The one-line ``CaseDataError`` for ``exc`` (itself when it already is one)."""
    if isinstance(exc, CaseDataError) or not isinstance(exc, UNREADABLE):
        return exc
    where = f"{path}: sheet {sheet!r}" if sheet else f"{path}"
    if isinstance(exc, DefusedXmlException):
        return CaseDataError(f"{where}: DTD/entity declarations are not allowed in a "
                             "workbook: refused")
    return CaseDataError(f"{where}: not a readable .xlsx workbook ({type(exc).__name__}: "
                         f"{str(exc)[:200]})")


def sheet_rows(ws: Any) -> Iterator[Row]:
    """Every row of read-only sheet ``ws`` from row 1, an empty tuple for a missing row."""
    book = ws.parent
    # openpyxl's private parts are its only way to the sheet XML and the workbook's formats
    with ws._get_source() as source:
        parser = _CellParser(source, ws._shared_strings, data_only=True, epoch=book.epoch,
                             date_formats=book._date_formats,
                             timedelta_formats=book._timedelta_formats)
        expected = 1
        for number, row in parser.rows():
            for _ in range(expected, number):
                yield ()
            expected = number + 1
            yield row
