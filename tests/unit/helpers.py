"""Shared helpers for the unit tests: a tiny project on disk and small workbooks."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

REPO = Path(__file__).resolve().parents[2]
SHIPPED_BOTS = REPO / "bots"
SHIPPED_SELECTORS = REPO / "selectors"
SAMPLE_XLSX = REPO / "fixtures" / "cases" / "sample.xlsx"
SAMPLE_EXPECTED = REPO / "fixtures" / "cases" / "sample.expected.json"

#: Valid 12-digit My Numbers (check digit correct), taken from the committed sample.
MY_NUMBER = "735658332945"
MY_NUMBER_ZERO = "011507416758"

#: A small web selector map, ``selectors/demo.yaml``.
DEMO_SELECTORS = textwrap.dedent("""\
    app: demo
    driver: web
    screens:
      form:
        frame: 'iframe[name="main"]'
        targets:
          name: [{beside: 氏名}, {css: 'input[name="txt02"]'}]
          remarks: [{css: textarea}]
          my_number: {secret: true, any: [{css: '#mn'}]}
          sex:
            options:
              男: [{css: '#m'}]
              女: [{css: '#f'}]
          save: '#save'
          regno: 'b.regno'
      search:
        targets:
          hit: 'td.hit'
    """)


def dedent(text: str) -> str:
    """``textwrap.dedent`` for YAML written inside a test."""
    return textwrap.dedent(text)


def write_project(root: Path, bot: str, *, selectors: str = DEMO_SELECTORS,
                  app: str = "demo", name: str = "x") -> Path:
    """Write ``bots/NAME.yaml`` and ``selectors/APP.yaml`` under ``root``; return the bot path."""
    (root / "bots").mkdir(parents=True, exist_ok=True)
    (root / "selectors").mkdir(parents=True, exist_ok=True)
    (root / "selectors" / f"{app}.yaml").write_text(selectors, encoding="utf-8")
    path = root / "bots" / f"{name}.yaml"
    path.write_text(bot, encoding="utf-8")
    return path


def write_workbook(path: Path, rows: Sequence[Sequence[Any]], *, title: str = "受付一覧",
                   before: Iterable[str] = (), after: Iterable[str] = (),
                   text_columns: Iterable[int] = ()) -> Path:
    """Save ``rows`` as the sheet ``title``, with empty-ish extra sheets before/after it.

    Columns listed in ``text_columns`` (1-based) get the text number format ``@``.
    """
    book = Workbook()
    first = book.active
    extra_before = list(before)
    if extra_before:
        first.title = extra_before[0]
        first.append(["集計", "件数"])
        first.append(["合計", len(rows)])
        for name in extra_before[1:]:
            book.create_sheet(name).append(["メモ"])
        sheet = book.create_sheet(title)
    else:
        sheet = first
        sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for column in text_columns:
        for (cell,) in sheet.iter_rows(min_col=column, max_col=column):
            cell.number_format = "@"
    for name in after:
        other = book.create_sheet(name)
        other.append(["集計", "件数"])
        other.append(["合計", len(rows)])
    book.save(path)
    return path
