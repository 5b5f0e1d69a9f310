"""Read a service-desk export into typed case rows.

openpyxl in read-only mode streams the sheet, so memory stays flat however long the export.
The header row need not be the first: the first row (of the first 30) that holds a header
for every required column wins, which skips the title lines staff exports carry.

A file that cannot be read at all raises ``CaseDataError``. A row that is wrong becomes a
``CaseRow`` with ``problems``: a business failure that never reaches the legacy system.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

import openpyxl

from robot_core import transforms
from robot_core.errors import CaseDataError
from robot_core.script.model import Column, InputSpec

HEADER_SCAN_ROWS = 30
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "○", "〇", "◯", "はい", "有", "済", "✓", "x"})
FALSE_WORDS = frozenset({"", "false", "0", "no", "n", "×", "いいえ", "無", "-"})


@dataclass(frozen=True)
class Problem:
    """Why one cell is not acceptable, in English and Japanese."""

    column: str
    en: str
    ja: str

    def __str__(self) -> str:
        return f"{self.column}: {self.ja} / {self.en}"


@dataclass
class CaseRow:
    """One row of the export: its typed values, or the problems that stop it."""

    row_number: int
    key: str
    values: dict[str, Any]
    raw: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when the row may be entered."""
        return not self.problems


@dataclass
class Intake:
    """Everything read from one case file."""

    path: Path
    sheet: str
    headers: list[str]
    rows: list[CaseRow]


def normalise_header(text: object) -> str:
    """Headers compare after NFKC, trimming and case folding (``ＮＡＭＥ `` == ``name``)."""
    return unicodedata.normalize("NFKC", str(text or "")).strip().casefold()


def read_cases(path: Path, spec: InputSpec) -> Intake:
    """Read ``path`` against ``spec``; raises ``CaseDataError`` when the file is unusable."""
    if not path.exists():
        raise CaseDataError(f"{path}: no such file")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise CaseDataError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    try:
        return _read_book(path, book, spec)
    finally:
        book.close()


def _read_book(path: Path, book: Any, spec: InputSpec) -> Intake:
    sheets = [book[spec.sheet]] if spec.sheet in book.sheetnames else [
        ws for ws in book.worksheets if ws.sheet_state == "visible"]
    if spec.sheet and spec.sheet not in book.sheetnames:
        raise CaseDataError(f"{path}: no sheet named {spec.sheet!r} "
                            f"(sheets: {', '.join(book.sheetnames)})")
    for ws in sheets:
        rows = ws.iter_rows(values_only=True)
        found = _find_header(rows, spec)
        if found is not None:
            header_row, headers, mapping = found
            cases = list(_cases(path, ws.title, rows, header_row, headers, mapping, spec))
            return Intake(path, ws.title, headers, cases)
    wanted = ", ".join(_aliases(n, c)[0] for n, c in spec.columns.items() if c.required)
    raise CaseDataError(f"{path}: no header row with the required columns ({wanted}) in the "
                        f"first {HEADER_SCAN_ROWS} rows of {', '.join(book.sheetnames)}")


def _aliases(name: str, column: Column) -> list[str]:
    return [*column.header, name]


def _find_header(rows: Iterator[tuple[Any, ...]], spec: InputSpec,
                 ) -> tuple[int, list[str], dict[str, int]] | None:
    for number, row in enumerate(rows, start=1):
        if number > HEADER_SCAN_ROWS:
            return None
        cells = [normalise_header(c) for c in row]
        mapping: dict[str, int] = {}
        for name, column in spec.columns.items():
            for alias in _aliases(name, column):
                if normalise_header(alias) in cells:
                    mapping[name] = cells.index(normalise_header(alias))
                    break
        required = {n for n, c in spec.columns.items() if c.required} | {spec.key}
        if required <= set(mapping):
            return number, [str(c or "") for c in row], mapping
    return None


def _cases(path: Path, sheet: str, rows: Iterator[tuple[Any, ...]], header_row: int,
           headers: list[str], mapping: Mapping[str, int], spec: InputSpec) -> Iterator[CaseRow]:
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=header_row + 1):
        if all(c is None or str(c).strip() == "" for c in row):
            continue  # blank rows (trailing or between blocks) are not cases
        raw = {h: (row[i] if i < len(row) else None) for i, h in enumerate(headers) if h}
        case = convert_row(number, row, mapping, spec)
        if case.key and case.key in seen:
            case.problems.append(Problem(
                _header(spec, spec.key), f"duplicate of row {seen[case.key]} in this file",
                f"{seen[case.key]}行目と重複しています"))
        seen.setdefault(case.key, number)
        case.raw = raw
        yield case


def _header(spec: InputSpec, name: str) -> str:
    return _aliases(name, spec.columns[name])[0]


def convert_row(number: int, row: tuple[Any, ...], mapping: Mapping[str, int],
                spec: InputSpec) -> CaseRow:
    """Type and check every column of one row."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, column in spec.columns.items():
        index = mapping.get(name)
        cell = row[index] if index is not None and index < len(row) else None
        try:
            values[name] = convert_cell(cell, column)
        except ValueError as exc:
            en, _, ja = str(exc).partition("|")
            problems.append(Problem(_header(spec, name), en, ja or en))
            values[name] = None
    key = str(values.get(spec.key) or "")
    return CaseRow(number, key, values, {}, problems)


def _bilingual(en: str, ja: str) -> ValueError:
    return ValueError(f"{en}|{ja}")


def convert_cell(cell: Any, column: Column) -> Any:
    """One cell to its typed value; ``ValueError('english|日本語')`` when it is wrong."""
    if cell is None or (isinstance(cell, str) and transforms.trim(cell) == ""):
        if column.required:
            raise _bilingual("required value is missing", "必須項目が入力されていません")
        return False if column.type == "bool" else ("" if column.type == "str" else None)
    converters = {"str": _to_str, "int": _to_int, "date": _to_date, "bool": _to_bool}
    value = converters[column.type](cell, column)
    if isinstance(value, str):
        _check_text(value, column)
    return value


def _to_str(cell: Any, column: Column) -> str:
    text = cell.strftime("%Y/%m/%d") if isinstance(cell, datetime | date) else cell
    if isinstance(text, float) and text.is_integer():
        text = int(text)  # 481501.0 from a numeric cell: no decimal point in a code
    text = transforms.trim(str(text))
    for name in column.transform:
        try:
            text = str(transforms.FILTERS[name](text))
        except ValueError as exc:
            raise _bilingual(f"cannot apply {name}: {exc}", f"{name} に変換できません") from exc
    return text


def _to_int(cell: Any, _column: Column) -> int:
    try:
        return int(transforms.hankaku_digits(str(cell)).replace(",", "").strip())
    except ValueError:
        raise _bilingual(f"not a whole number: {cell!r}", f"整数ではありません: {cell}") from None


def _to_date(cell: Any, _column: Column) -> date:
    try:
        return transforms.parse_date(cell)
    except ValueError:
        raise _bilingual(f"not a date: {cell!r}", f"日付として読めません: {cell}") from None


def _to_bool(cell: Any, _column: Column) -> bool:
    word = transforms.trim(str(cell)).casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _bilingual(f"not yes/no: {cell!r}", f"はい/いいえとして読めません: {cell}")


CHECK_MESSAGES = {
    "katakana": ("must be full-width katakana", "全角カタカナで入力してください"),
    "my_number": ("not a valid 12-digit My Number", "個人番号（12桁）が正しくありません"),
    "corporate_number": ("not a valid 13-digit corporate number", "法人番号が正しくありません"),
    "postal_code": ("not a 7-digit postal code", "郵便番号（7桁）が正しくありません"),
}


def _check_text(value: str, column: Column) -> None:
    if value == "":
        return
    if column.check and not _passes(value, column.check):
        en, ja = CHECK_MESSAGES[column.check]
        raise _bilingual(f"{en}: {value!r}" if not column.secret else en, ja)
    if column.pattern and not re.fullmatch(column.pattern, value):
        raise _bilingual(f"does not match {column.pattern}", "形式が正しくありません")
    if column.max_length is not None and len(value) > column.max_length:
        raise _bilingual(f"longer than {column.max_length} characters",
                         f"{column.max_length}文字を超えています")
    if column.min_length is not None and len(value) < column.min_length:
        raise _bilingual(f"shorter than {column.min_length} characters",
                         f"{column.min_length}文字未満です")
    if column.choices is not None and value not in column.choices:
        raise _bilingual(f"must be one of {', '.join(column.choices)}",
                         f"{'、'.join(column.choices)}のいずれかを入力してください")


def _passes(value: str, check: str) -> bool:
    if check == "katakana":
        return transforms.is_katakana(value)
    if check == "my_number":
        return transforms.is_my_number(value)
    if check == "corporate_number":
        return transforms.is_corporate_number(value)
    try:
        transforms.postal_code(value)
    except ValueError:
        return False
    return True
