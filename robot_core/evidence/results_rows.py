"""The results sheet's rows, streamed as SpreadsheetML into a file, then into the workbook.

openpyxl builds an object (and an XML element) per cell, about 25 µs each: 50 s of CPU for a
100,000-row workbook of 19 columns. Here a row is one formatted string, a tenth of that,
and openpyxl still writes everything else (styles, header, frozen pane, filter, summary):
``splice`` copies its small skeleton into the final zip and streams these rows into the
results sheet's ``<sheetData>``. What a cell may hold is exactly what openpyxl would write:
inline strings, numbers, dates as serial numbers under a date format.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from io import BytesIO
from typing import IO, Any

from openpyxl.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

# What XML 1.0 cannot hold (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF).
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def escape_formula(text: str) -> str:
    """``text``, behind an apostrophe if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def escape_controls(text: str) -> str:
    """``text`` with each character XML cannot hold written as ``\\xNN`` / ``\\uNNNN``."""
    if not ILLEGAL.search(text):
        return text
    return ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", text)


class RowWriter:
    """Writes rows 2, 3, … of the results sheet as XML bytes into ``out``."""

    def __init__(self, out: IO[bytes], width: int, style_ids: dict[tuple[Any, str], int]
                 ) -> None:
        self.out = out
        self.letters = [get_column_letter(i) for i in range(1, width + 1)]
        self.style_ids = style_ids
        self.row = 1

    def write(self, values: Sequence[Any], status: Any) -> None:
        """One row of ``status``: dates, numbers and texts (everything else) as openpyxl would."""
        self.row += 1
        r = self.row
        ids = self.style_ids
        cells = []
        for letter, value in zip(self.letters, values, strict=True):
            ref = f"{letter}{r}"
            if isinstance(value, str) and value:
                cells.append(_text(ref, ids[status, "text"], value))
            elif isinstance(value, datetime | date):
                naive = value.replace(tzinfo=None) if isinstance(value, datetime) else value
                cells.append(f'<c r="{ref}" s="{ids[status, "date"]}"><v>{to_excel(naive)}'
                             "</v></c>")
            elif isinstance(value, int | float) and not isinstance(value, bool) and (
                    math.isfinite(value)):
                cells.append(f'<c r="{ref}" s="{ids[status, "plain"]}"><v>{value!r}</v></c>')
            elif value is None or value == "":
                cells.append(f'<c r="{ref}" s="{ids[status, "plain"]}"/>')
            else:
                cells.append(_text(ref, ids[status, "text"], str(value)))  # bool and the rest
        self.out.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())


def _text(ref: str, style: int, text: str) -> str:
    text = escape_formula(escape_controls(text))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return (f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>'
            f"{text.translate(_XML)}</t></is></c>")


def style_ids(sheet: Any, styles: dict[tuple[Any, str], dict[str, Any]]) -> dict[tuple[Any, str],
                                                                               int]:
    """Register each style (attributes of a cell: fill, number_format) in the workbook."""
    ids = {}
    for key, attributes in styles.items():
        cell = Cell(sheet)
        for name, value in attributes.items():
            setattr(cell, name, value)
        ids[key] = cell.style_id
    return ids


def splice(skeleton: BytesIO, sheet_part: str, rows: IO[bytes], last_ref: str,
           target: str, check: Callable[[], None] = lambda: None) -> None:
    """Write ``target``: ``skeleton``'s parts, with ``rows`` streamed into ``sheet_part``.

    ``check`` is called between two megabytes (it raises to stop).
    """
    rows.seek(0)
    with zipfile.ZipFile(skeleton) as source, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != sheet_part:
                out.writestr(info, data)
                continue
            head, tail = data.decode("utf-8").split("</sheetData>", 1)
            head = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:{last_ref}"/>',
                          head, count=1)
            with out.open(info.filename, "w", force_zip64=True) as part:
                part.write(head.encode())
                while chunk := rows.read(1 << 20):
                    check()
                    part.write(chunk)
                part.write(("</sheetData>" + tail).encode())
