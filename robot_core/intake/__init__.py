"""Read a service-desk export into typed case rows.

The flow, one module a step::

    file ─ stream.open_source ─┬ xlsx.py       .xlsx/.xlsm: openpyxl read-only, flat memory
              (a base.Source)  └ delimited.py  .csv/.tsv/.txt: UTF-8 (BOM or not), CP932, UTF-16
         ─ layout.py     find the header row: title rows, aliases, merged and two-row headers
         ─ cells.py      each cell to its typed value: transforms, checks, bounds
         ─ script.rules  rules across columns (a moving-in date not before the birth date)
         ─ rows.py       CaseRow (values, raw cells, problems) and Intake

A file that cannot be read at all raises ``CaseDataError``. A row that is wrong becomes a
``CaseRow`` with ``problems``: a business failure, in Japanese and English, naming the row,
the column as the file heads it, and what staff typed (never a secret value). Such a row
never reaches the legacy system.

``open_cases`` streams the rows (constant memory, for any length); ``read_cases`` reads them
all into an ``Intake``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from robot_core.intake.cells import CellError, ExcelError, UncachedFormula, convert_cell
from robot_core.intake.layout import HEADER_SCAN_ROWS, header_matches, normalise_header
from robot_core.intake.rows import CaseRow, Intake, Problem, case_key
from robot_core.intake.stream import CaseStream, open_cases
from robot_core.script.model import InputSpec

__all__ = [
    "HEADER_SCAN_ROWS",
    "CaseRow",
    "CaseStream",
    "CellError",
    "ExcelError",
    "Intake",
    "Problem",
    "UncachedFormula",
    "case_key",
    "collect",
    "convert_cell",
    "header_matches",
    "normalise_header",
    "open_cases",
    "read_cases",
]


def read_cases(path: Path, spec: InputSpec, *, today: date | None = None) -> Intake:
    """Read every row of ``path`` against ``spec``; ``CaseDataError`` when the file is unusable.

    The rows are held in memory (a batch needs them all); use ``open_cases`` to stream.
    """
    with open_cases(path, spec, today=today) as cases:
        return collect(cases)


def collect(cases: CaseStream) -> Intake:
    """Every row of an open ``cases`` stream, held in memory as an ``Intake``."""
    return Intake(cases.path, cases.sheet, cases.headers, list(cases), cases.columns,
                  cases.secret_headers)
