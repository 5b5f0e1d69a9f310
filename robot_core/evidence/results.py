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
  summary sheet counts the outcome. A status is the queue's own (``robot_core.outcome``):
  a case cancelled or left uncertain says so, never "pending". A row that conflicts with a
  case entered before (``CaseResult.conflict``: the file changed a case that is done) says
  ``conflict`` and shows what was entered; the summary counts conflicts.
- Memory is flat for any number of rows: the rows stream from (row, result) pairs into an
  unnamed temporary file as XML (``results_rows.py``), then into a temporary workbook beside
  the target that replaces it only once complete, so a stop never leaves half a workbook.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from robot_core.errors import StopRequested
from robot_core.evidence.results_rows import (
    FORMULA_STARTS,
    RowWriter,
    escape_controls,
    escape_formula,
    splice,
    style_ids,
)
from robot_core.intake import CaseRow, Intake, header_matches
from robot_core.outcome import CaseResult, RunOutcome, Status, shown
from robot_core.vault import MASK

FILLS = {
    Status.DONE: PatternFill("solid", fgColor="E2EFDA"),
    Status.BUSINESS_FAILED: PatternFill("solid", fgColor="FFF2CC"),
    Status.FAILED: PatternFill("solid", fgColor="F8CBAD"),
    Status.PENDING: PatternFill("solid", fgColor="EDEDED"),
    Status.IN_PROGRESS: PatternFill("solid", fgColor="DDEBF7"),
    Status.UNCERTAIN: PatternFill("solid", fgColor="FCE4D6"),
    Status.CANCELLED: PatternFill("solid", fgColor="D9D9D9"),
    Status.MISMATCH: PatternFill("solid", fgColor="FF9999"),
}
EXTRA_HEADERS = ["状態 (status)", "エラー (error)", "警告 (warnings)", "証跡 (screenshot)",
                 "試行 (attempts)"]
KINDS = {"text": "@", "date": "yyyy/mm/dd", "plain": "General"}
STOP_EVERY = 256  # rows between two looks at the stop flag
CONFLICT_LABEL = "相違・未入力 (conflict)"
CONFLICT_TEXT = ("この行は入力済みの案件と内容が異なるため、入力していません"
                 "（表示は入力済みの内容） / this row differs from the case already entered,"
                 " so it was not entered; the row shows what was entered")
Pair = tuple[CaseRow, CaseResult]
__all__ = ["EXTRA_HEADERS", "FORMULA_STARTS", "Layout", "StopRequested", "escape_controls",
           "escape_formula", "write_outcome", "write_results"]


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
    the temporary files are removed and whatever workbook was at ``path`` stays.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "結果"
    headers = layout.columns()
    _header_row(sheet, headers)
    # Unnamed: gone with the process, however it ends; beside the target, not in /tmp.
    with tempfile.TemporaryFile(dir=path.parent) as rows:
        conflicts: list[int] = [0]
        counts = _rows(RowWriter(rows, len(headers), _styles(sheet)), layout, pairs, stop,
                       conflicts)
        last = f"{get_column_letter(len(headers))}{sum(counts.values()) + 1}"
        sheet.auto_filter.ref = f"A1:{last}"
        _summary(book, layout, counts, conflicts[0])
        skeleton = BytesIO()
        book.save(skeleton)
        fd, tmp = tempfile.mkstemp(prefix=".results-", suffix=".xlsx", dir=path.parent)
        os.close(fd)
        try:
            splice(skeleton, sheet.path.lstrip("/"), rows, last, tmp, lambda: _check(stop))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return path


def _check(stop: Callable[[], bool]) -> None:
    if stop():
        raise StopRequested


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


def _styles(sheet: Any) -> dict[tuple[Any, str], int]:
    return style_ids(sheet, {(status, kind): {"fill": fill, "number_format": number_format}
                             for status, fill in FILLS.items()
                             for kind, number_format in KINDS.items()})


def _header_row(sheet: Any, headers: list[str]) -> None:
    for i, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=i)
        set_text(cell, header)
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header) * 2))
    sheet.freeze_panes = "A2"


def _rows(writer: RowWriter, layout: Layout, pairs: Iterable[Pair],
          stop: Callable[[], bool], conflicts: list[int]) -> Counter[Status]:
    headers = layout.columns()
    inputs = headers[: len(headers) - len(layout.outputs) - len(EXTRA_HEADERS)]
    secret = layout.secret()
    counts: Counter[Status] = Counter()
    for n, (case, result) in enumerate(pairs, start=1):
        if n % STOP_EVERY == 0:
            _check(stop)
        counts[result.status] += 1
        conflicts[0] += result.conflict
        writer.write(_row_values(case, result, inputs, secret, layout.outputs), result.status)
    return counts


def _row_values(case: CaseRow, result: CaseResult, inputs: list[str], secret: set[str],
                outputs: Sequence[str]) -> list[Any]:
    raw = case.raw
    values = [MASK if h in secret and raw.get(h) not in (None, "") else raw.get(h)
              for h in inputs]
    values += [result.outputs.get(o, "") for o in outputs]
    warnings = "\n".join(str(w) for w in case.warnings)
    status = result.status.ja + f" ({result.status.value})"
    error = result.error
    if result.conflict:
        status, error = f"{CONFLICT_LABEL}: {status}", CONFLICT_TEXT
    return [*values, status, error, warnings, result.screenshot, result.attempts]


def set_text(cell: Any, text: str) -> None:
    """Store ``text`` as a text cell: never a formula, zeros kept, shown as text in Excel."""
    cell.value = escape_formula(escape_controls(text))
    cell.data_type = "s"  # openpyxl would store "=..." as a formula; "s" keeps it a string
    cell.number_format = "@"  # and Excel keeps what staff type into it later as text too


def _summary(book: Workbook, layout: Layout, counts: Counter[Status], conflicts: int) -> None:
    sheet = book.create_sheet("集計")
    rows: list[tuple[str, Any]] = [
        ("ボット (bot)", layout.bot), ("実行ID (run)", layout.run_id),
        ("入力ファイル (input)", Path(layout.source).name),
        ("件数 (cases)", sum(counts.values())),
    ]
    rows += [(f"{s.ja} ({s.value})", counts.get(s, 0)) for s in shown(counts)]
    if conflicts:
        rows.append((CONFLICT_LABEL, conflicts))
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
