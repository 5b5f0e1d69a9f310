"""The results workbook staff get back: their input rows, plus what happened to each.

- Text stays text: a value that came in as text is written as a string cell with the text
  number format, so postal codes and My Numbers keep their leading zeros.
- No spreadsheet injection: no cell is ever a formula (strings are written as strings, never
  parsed), and a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  (or their full-width forms) is written behind an apostrophe, ``'=1+1``: the OWASP escape.
  A string cell alone is safe inside this file, but staff re-save results as CSV, and there
  ``=HYPERLINK(...)`` would come back to life; ``'=HYPERLINK(...)`` does not.
- Secret columns are masked, whatever form of their header the file used.
- Rows are coloured by status, the header is frozen, the table has an auto-filter, and a
  summary sheet counts the outcome.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
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
EXTRA_HEADERS = ["状態 (status)", "エラー (error)", "証跡 (screenshot)", "試行 (attempts)"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def write_results(path: Path, intake: Intake, outcome: RunOutcome, outputs: Sequence[str],
                  secret_headers: set[str]) -> Path:
    """Write the workbook atomically (a half-written file never replaces a good one).

    ``secret_headers`` are the secret columns' names and aliases; a header matching one of
    them (as intake matches headers) or listed in ``intake.secret_headers`` is masked.
    """
    by_row = {r.row_number: r for r in outcome.results}
    secret = {h for h in intake.headers if h and _is_secret(h, intake, secret_headers)}
    written: list[CaseResult] = []
    book = Workbook()
    sheet = book.active
    sheet.title = "結果"
    headers = [h for h in intake.headers if h] + [*outputs, *EXTRA_HEADERS]
    _header_row(sheet, headers)
    for case in intake.rows:
        result = by_row.get(case.row_number) or CaseResult(case.key, case.row_number,
                                                           Status.PENDING)
        written.append(result)
        _append_row(sheet, _row_values(case, result, headers, secret, outputs),
                    FILLS[result.status])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{sheet.max_row}"
    _summary(book, RunOutcome(outcome.run_id, outcome.bot, written), intake)
    return _save_atomically(book, path)


def _is_secret(header: str, intake: Intake, secret_headers: set[str]) -> bool:
    return header in intake.secret_headers or any(header_matches(header, s)
                                                  for s in secret_headers)


def _header_row(sheet: Any, headers: list[str]) -> None:
    for i, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=i)
        set_text(cell, header)
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header) * 2))
    sheet.freeze_panes = "A2"


def _row_values(case: CaseRow, result: CaseResult, headers: list[str], secret: set[str],
                outputs: Sequence[str]) -> list[Any]:
    inputs = headers[: len(headers) - len(outputs) - len(EXTRA_HEADERS)]
    values = [MASK if h in secret and case.raw.get(h) not in (None, "") else case.raw.get(h)
              for h in inputs]
    values += [result.outputs.get(o, "") for o in outputs]
    return [*values, result.status.ja + f" ({result.status.value})", result.error,
            result.screenshot, result.attempts]


def _append_row(sheet: Any, values: list[Any], fill: PatternFill) -> None:
    sheet.append([None] * len(values))
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        cell.fill = fill
        if isinstance(value, datetime | date):
            cell.value = value
            cell.number_format = "yyyy/mm/dd"
        elif isinstance(value, int | float) and not isinstance(value, bool):
            cell.value = value
        elif value is not None:
            set_text(cell, str(value))


def escape_formula(text: str) -> str:
    """``text``, behind an apostrophe if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def set_text(cell: Any, text: str) -> None:
    """Store ``text`` as a text cell: never a formula, zeros kept, shown as text in Excel."""
    cell.value = escape_formula(text)
    cell.data_type = "s"  # openpyxl would store "=..." as a formula; "s" keeps it a string
    cell.number_format = "@"  # and Excel keeps what staff type into it later as text too


def _summary(book: Workbook, outcome: RunOutcome, intake: Intake) -> None:
    sheet = book.create_sheet("集計")
    counts = outcome.counts()
    rows: list[tuple[str, Any]] = [
        ("ボット (bot)", outcome.bot), ("実行ID (run)", outcome.run_id),
        ("入力ファイル (input)", intake.path.name), ("件数 (cases)", len(intake.rows)),
    ]
    rows += [(f"{s.ja} ({s.value})", counts.get(s, 0)) for s in Status]
    for label, value in rows:
        sheet.append([label, None])
        set_text(sheet.cell(row=sheet.max_row, column=1), label)
        cell = sheet.cell(row=sheet.max_row, column=2)
        if isinstance(value, int):
            cell.value = value
        else:
            set_text(cell, str(value))
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 40


def _save_atomically(book: Workbook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".results-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        book.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
