"""The results workbook staff get back: their input rows, plus what happened to each.

- Text stays text: a value that came in as text is written as a string cell with the text
  number format, so postal codes and My Numbers keep their leading zeros.
- No spreadsheet injection: no cell is ever a formula (strings are written as strings, never
  parsed), and a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  (or their full-width forms) is written behind an apostrophe, ``'=1+1``: the OWASP escape.
  A string cell alone is safe inside this file, but staff re-save results as CSV, and there
  ``=HYPERLINK(...)`` would come back to life; ``'=HYPERLINK(...)`` does not.
- No control character breaks the file: XML cannot hold C0 controls, so ``ESC`` is written
  as the four characters ``\\x1b`` (intake refuses such values; this is the backstop).
- Secret columns are masked, whatever form of their header the file used.
- Rows are coloured by status, the header is frozen, the table has an auto-filter, and a
  summary sheet counts the outcome.
- Memory is flat for any number of rows: the workbook is written in openpyxl's write-only
  mode from a stream of (row, result) pairs, into a temporary file beside the target that
  replaces it only once complete, so a stop never leaves half a workbook.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from robot_core.audit import MASK
from robot_core.intake import CaseRow, Intake, header_matches
from robot_core.outcome import CaseResult, RunOutcome, Status

FILLS = {
    Status.DONE: PatternFill("solid", fgColor="E2EFDA"),
    Status.BUSINESS_FAILED: PatternFill("solid", fgColor="FFF2CC"),
    Status.FAILED: PatternFill("solid", fgColor="F8CBAD"),
    Status.PENDING: PatternFill("solid", fgColor="EDEDED"),
}
EXTRA_HEADERS = ["状態 (status)", "エラー (error)", "警告 (warnings)", "証跡 (screenshot)",
                 "試行 (attempts)"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# What XML 1.0 (so openpyxl) refuses: C0 controls other than tab, LF and CR.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
BOLD = Font(bold=True)
STOP_EVERY = 256  # rows between two looks at the stop flag
Pair = tuple[CaseRow, CaseResult]


class StopRequested(KeyboardInterrupt):
    """The operator asked to stop now: the workbook being written is dropped."""


@dataclass(frozen=True)
class Layout:
    """What the workbook shows besides the rows: columns, masking, and the summary's labels.

    ``secret_headers`` are the secret columns' names and aliases; a header matching one of
    them (as intake matches headers) or listed in ``marked_secret`` is masked.
    """

    headers: Sequence[str]
    outputs: Sequence[str]
    secret_headers: set[str]
    source: str
    run_id: str
    bot: str
    marked_secret: frozenset[str] = field(default_factory=frozenset)

    def columns(self) -> list[str]:
        """The sheet's header row: input headers (blanks dropped), outputs, then ours."""
        return [h for h in self.headers if h] + [*self.outputs, *EXTRA_HEADERS]

    def secret(self) -> set[str]:
        """The input headers whose values are masked."""
        return {h for h in self.headers if h and (h in self.marked_secret or any(
            header_matches(h, s) for s in self.secret_headers))}


def write_results(path: Path, layout: Layout, pairs: Iterable[Pair],
                  stop: Callable[[], bool] = lambda: False) -> Path:
    """Stream ``pairs`` into the workbook at ``path``, atomically.

    ``stop`` is asked every few hundred rows; when it says so, ``StopRequested`` is raised,
    the temporary file is removed and whatever workbook was at ``path`` stays.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".results-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    book = Workbook(write_only=True)
    try:
        counts = _fill(book, layout, pairs, stop)
        _summary(book, layout, counts)
        book.save(tmp)
        os.replace(tmp, path)
    finally:
        _discard(book)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_outcome(path: Path, intake: Intake, outcome: RunOutcome, outputs: Sequence[str],
                  secret_headers: set[str]) -> Path:
    """``write_results`` for rows and results held in lists (``robot run --direct``)."""
    layout = Layout(intake.headers, outputs, secret_headers, intake.path.name,
                    outcome.run_id, outcome.bot, intake.secret_headers)
    return write_results(path, layout, paired(intake.rows, outcome.results))


def paired(rows: Iterable[CaseRow], results: Iterable[CaseResult]) -> Iterator[Pair]:
    """Each row with its result by row number; a row without one is pending."""
    by_row = {r.row_number: r for r in results}
    for case in rows:
        yield case, by_row.get(case.row_number) or CaseResult(case.key, case.row_number,
                                                               Status.PENDING)


def _fill(book: Workbook, layout: Layout, pairs: Iterable[Pair],
          stop: Callable[[], bool]) -> Counter[Status]:
    sheet = book.create_sheet("結果")
    book.create_sheet("集計")  # second tab; filled once the counts are known
    headers = layout.columns()
    inputs = headers[: len(headers) - len(layout.outputs) - len(EXTRA_HEADERS)]
    secret = layout.secret()
    for i, header in enumerate(headers, start=1):  # widths must come before the first row
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header) * 2))
    sheet.freeze_panes = "A2"
    sheet.append([_text(sheet, h, font=BOLD) for h in headers])
    counts: Counter[Status] = Counter()
    for n, (case, result) in enumerate(pairs, start=1):
        if n % STOP_EVERY == 0 and stop():
            raise StopRequested
        counts[result.status] += 1
        fill = FILLS[result.status]
        sheet.append([_cell(sheet, v, fill)
                      for v in _row_values(case, result, inputs, secret, layout.outputs)])
    last = sum(counts.values()) + 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last}"
    return counts


def _row_values(case: CaseRow, result: CaseResult, inputs: list[str], secret: set[str],
                outputs: Sequence[str]) -> list[Any]:
    values = [MASK if h in secret and case.raw.get(h) not in (None, "") else case.raw.get(h)
              for h in inputs]
    values += [result.outputs.get(o, "") for o in outputs]
    warnings = "\n".join(str(w) for w in case.warnings)
    return [*values, result.status.ja + f" ({result.status.value})", result.error, warnings,
            result.screenshot, result.attempts]


def _cell(sheet: Any, value: Any, fill: PatternFill) -> WriteOnlyCell:
    if isinstance(value, datetime | date):
        cell = WriteOnlyCell(sheet, _naive(value))
        cell.number_format = "yyyy/mm/dd"
    elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        cell = WriteOnlyCell(sheet, value)
    elif value is None or value == "":
        cell = WriteOnlyCell(sheet)
    else:
        return _text(sheet, str(value), fill=fill)
    cell.fill = fill
    return cell


def _naive(value: date) -> date:
    """Excel has no time zones: an aware time is written as its wall-clock reading."""
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


def _text(sheet: Any, text: str, font: Font | None = None,
          fill: PatternFill | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    set_text(cell, text)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def escape_formula(text: str) -> str:
    """``text``, behind an apostrophe if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def escape_controls(text: str) -> str:
    """``text`` with each character XML cannot hold written as ``\\xNN``."""
    return ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def set_text(cell: Any, text: str) -> None:
    """Store ``text`` as a text cell: never a formula, zeros kept, shown as text in Excel."""
    cell.value = escape_formula(escape_controls(text))
    cell.data_type = "s"  # openpyxl would store "=..." as a formula; "s" keeps it a string
    cell.number_format = "@"  # and Excel keeps what staff type into it later as text too


def _summary(book: Workbook, layout: Layout, counts: Counter[Status]) -> None:
    sheet = book["集計"]
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 40
    rows: list[tuple[str, Any]] = [
        ("ボット (bot)", layout.bot), ("実行ID (run)", layout.run_id),
        ("入力ファイル (input)", Path(layout.source).name),
        ("件数 (cases)", sum(counts.values())),
    ]
    rows += [(f"{s.ja} ({s.value})", counts.get(s, 0)) for s in Status]
    for label, value in rows:
        sheet.append([_text(sheet, label),
                      WriteOnlyCell(sheet, value) if isinstance(value, int)
                      else _text(sheet, str(value))])


def _discard(book: Workbook) -> None:
    """Remove openpyxl's own temporary sheet files (case data) if saving did not."""
    for sheet in book.worksheets:
        writer: Any = getattr(sheet, "_writer", None)
        out = getattr(writer, "out", None)
        if isinstance(out, str) and os.path.exists(out):
            with contextlib.suppress(Exception):  # a half-written stream: only remove it
                writer.close()
            os.unlink(out)
