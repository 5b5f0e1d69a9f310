"""The results workbook staff get back: their input rows, plus what happened to each.

Cells are written as text wherever a value came in as text, so postal codes and My Numbers
keep their leading zeros; no cell is ever a formula (a value starting with ``=`` stays text);
secret columns are masked; rows are coloured by status; a summary sheet counts the outcome.
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
from robot_core.intake import Intake
from robot_core.outcome import CaseResult, RunOutcome, Status

FILLS = {
    Status.DONE: PatternFill("solid", fgColor="E2EFDA"),
    Status.BUSINESS_FAILED: PatternFill("solid", fgColor="FFF2CC"),
    Status.FAILED: PatternFill("solid", fgColor="F8CBAD"),
    Status.PENDING: PatternFill("solid", fgColor="EDEDED"),
}
EXTRA_HEADERS = ["状態 (status)", "エラー (error)", "証跡 (screenshot)", "試行 (attempts)"]


def write_results(path: Path, intake: Intake, outcome: RunOutcome, outputs: Sequence[str],
                  secret_headers: set[str]) -> Path:
    """Write the workbook atomically (a half-written file never replaces a good one)."""
    by_row = {r.row_number: r for r in outcome.results}
    book = Workbook()
    sheet = book.active
    sheet.title = "結果"
    headers = [h for h in intake.headers if h] + [*outputs, *EXTRA_HEADERS]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for case in intake.rows:
        result = by_row.get(case.row_number) or CaseResult(case.key, case.row_number,
                                                           Status.PENDING)
        values = [MASK if h in secret_headers and case.raw.get(h) else case.raw.get(h)
                  for h in intake.headers if h]
        values += [result.outputs.get(o, "") for o in outputs]
        values += [result.status.ja + f" ({result.status.value})", result.error,
                   result.screenshot, result.attempts]
        _append_row(sheet, values, FILLS[result.status])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{sheet.max_row}"
    for i, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header) * 2))
    _summary(book, outcome, intake)
    return _save_atomically(book, path)


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


def set_text(cell: Any, text: str) -> None:
    """Store ``text`` as a text cell: never a formula, zeros kept, shown as text in Excel."""
    cell.value = text
    cell.data_type = "s"  # openpyxl would store "=..." as a formula; "s" keeps it a string
    cell.number_format = "@"


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
