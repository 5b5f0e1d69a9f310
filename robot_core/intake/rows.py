"""What intake produces: typed case rows, the problems that stop a row, the whole intake."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Problem:
    """Why one row cannot be entered: the column(s) as the file names them, in both languages."""

    column: str
    en: str
    ja: str

    def __str__(self) -> str:
        return f"{self.column}: {self.ja} / {self.en}"


@dataclass
class CaseRow:
    """One row of the export: typed values, raw cells by header, problems and warnings."""

    row_number: int
    key: str
    values: dict[str, Any]
    raw: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    # Not a reason to refuse the row, but staff should look (a number read as text, say).
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when the row may be entered."""
        return not self.problems

    def secret_values(self, columns: set[str], headers: set[str]) -> list[str]:
        """Its secret values: of the secret ``columns``, typed, and as read under a secret
        column's ``headers`` (``BotScript.secret_columns`` and ``secret_headers``)."""
        return [str(v) for k, v in self.values.items() if k in columns and v] + \
            [str(v) for k, v in self.raw.items() if v and k in headers]

    def keyed(self, source: Path | str) -> CaseRow:
        """This row under its case key (``case_key``), as every later step knows it."""
        return self if self.key else dataclasses.replace(self, key=case_key(self, source))


def case_key(case: CaseRow, source: Path | str) -> str:
    """A case's key on every path (queue item, audit line, results): its key column's value,
    or for a row without one its place in the file it came from, ``<file name>#row<N>``."""
    return case.key or f"{Path(source).name}#row{case.row_number}"


@dataclass
class Intake:
    """Everything read from one case file.

    ``sheet`` is the worksheet read (``""`` for a CSV/TSV file); ``headers`` are the file's
    header texts, one per file column (``親/子`` under a two-row header); ``columns`` maps each
    bot column found to its header; ``secret_headers`` are the headers of secret columns.
    """

    path: Path
    sheet: str
    headers: list[str]
    rows: list[CaseRow]
    columns: dict[str, str] = field(default_factory=dict)
    secret_headers: frozenset[str] = frozenset()
