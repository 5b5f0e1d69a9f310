"""One cell to its typed value, or a ``CellError`` that staff can read in both languages.

A cell is what openpyxl gives (str, int, float, bool, datetime, date, time) or a CSV field
(str). A problem quotes the cell as staff see it in Excel (``shown``), never for a secret
column, and adds a hint when the cause is the cell's Excel type rather than its text.

Numeric cells where a code was expected: Excel turns ``0481501`` typed into a General cell
into the number 481501. Japanese postal codes are always 7 digits and the lowest is 001-0000,
so a number from 10,000 to 9,999,999 in a postal-code column (``transform: postal_code`` or
``check: postal_code``) is zero-padded to 7 digits: deterministic, nothing guessed. No other
column is padded: an 11-digit number where a 12-digit My Number belongs may be a zero lost
or a digit missed, so it is a problem (with the hint), never a guess. Text cells are never
padded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from robot_core import transforms
from robot_core.intake import policy
from robot_core.script import rules
from robot_core.script.model import Column

TRUE_WORDS = frozenset({"true", "1", "yes", "y", "○", "〇", "◯", "はい", "有", "済", "✓", "x"})
FALSE_WORDS = frozenset({"", "false", "0", "no", "n", "×", "いいえ", "無", "-"})
POSTAL_NUMBERS = range(10_000, 10_000_000)
_TIME_SUFFIX = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?")
_WHOLE = re.compile(r"[+-]?[0-9]+")
#: How many values a stream remembers per column, of text cells up to RECALL_CHARS long:
#: bounded, so memory stays flat (at most some 200 KB a column).
RECALL_SIZE, RECALL_CHARS = 512, 64

ZERO_HINT = ("the cell is a number, so Excel dropped any leading zero: format the column as "
             "text and type it again",
             "数値のセルのため先頭の0が消えています。列の書式を「文字列」にして入力し直してください")
NUMBER_DATE_HINT = ("the cell holds a plain number, not a date", "セルが日付ではなく数値です")
CHECK_MESSAGES = {
    "katakana": ("must be full-width katakana", "全角カタカナで入力してください"),
    "my_number": ("not a valid 12-digit My Number", "個人番号（12桁）が正しくありません"),
    "corporate_number": ("not a valid 13-digit corporate number", "法人番号が正しくありません"),
    "postal_code": ("not a 7-digit postal code", "郵便番号（7桁）が正しくありません"),
}
_NOT_A_DATE = ("not a date", "日付として読めません")
TRANSFORM_MESSAGES = {
    "postal_code": ("not a 7-digit postal code", "郵便番号（7桁）として読めません"),
    "phone": ("not a Japanese phone number (10 or 11 digits starting with 0)",
              "電話番号として読めません（0から始まる10桁か11桁）"),
    "family_name": ("no space between family and given name", "姓と名の間に空白がありません"),
    "given_name": ("no space between family and given name", "姓と名の間に空白がありません"),
    **{name: _NOT_A_DATE for name in ("date", "wareki", "wareki_era", "wareki_era_letter",
                                       "wareki_year", "year", "month", "day")},
}


class CellError(ValueError):
    """Why a cell is not acceptable; ``en`` and ``ja`` are what staff read."""

    def __init__(self, en: str, ja: str) -> None:
        super().__init__(en)
        self.en = en
        self.ja = ja


class UncachedFormula(str):
    """A formula cell saved without its value (written by a program, never saved by Excel)."""

    __slots__ = ()


class ExcelError(str):
    """A cell showing an Excel error value; the text is the code (``#N/A``, ``#VALUE!``)."""

    __slots__ = ()


def is_blank(cell: Any) -> bool:
    """True for an empty cell or one holding only spaces (ASCII or full-width)."""
    return cell is None or (isinstance(cell, str) and transforms.trim(cell) == "")


def is_number(cell: Any) -> bool:
    """True for a numeric cell (Excel's TRUE/FALSE are not numbers)."""
    return isinstance(cell, int | float) and not isinstance(cell, bool)


def shown(cell: Any) -> str:
    """A cell as staff see it in Excel: ``2025/07/01``, ``481501``, ``TRUE``, the formula."""
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.strftime("%Y/%m/%d" if cell.time() == time() else "%Y/%m/%d %H:%M")
    if isinstance(cell, date):
        return cell.strftime("%Y/%m/%d")
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def plain(cell: Any) -> Any:
    """The cell as the queue's JSON can carry it: times and durations become text."""
    return str(cell) if isinstance(cell, time | timedelta) else cell


def convert_cell(cell: Any, column: Column, *, today: date | None = None) -> Any:
    """One cell to its typed value; ``CellError`` (a ``ValueError``) when it is wrong."""
    return converter(column, today=today, recall=False)(cell)


def converter(column: Column, *, today: date | None = None,
              recall: bool = True) -> Callable[[Any], Any]:
    """``convert_cell`` for every cell of ``column``, with what depends on the column alone
    decided once (a stream calls it for each cell of each row).

    With ``recall``, the value of a short text cell is remembered (``RECALL_SIZE`` most
    recent): exports repeat the same sexes, postal codes and dates, and a cell's value
    depends on nothing else. Never for a secret column, and never a problem: a refused cell
    is judged again each time.
    """
    chars = policy.char_checker(column.allow)
    formula = column.type == "str" and "formula_prefix" not in column.allow
    typed = CONVERTERS[column.type]
    textual = column.type == "str"
    bounded = column.min is not None or column.max is not None

    def convert(cell: Any) -> Any:
        if type(cell) is str:  # not an UncachedFormula or an ExcelError: only the policy
            text = transforms.trim(cell)
            finding = chars(text)
            if finding is None and formula:
                finding = policy.check_formula(cell)
            if finding is not None:
                raise problem(cell, column, finding.en, finding.ja)
            if text == "":
                return _blank(column)
            if textual:  # what _to_str does with a text cell, its trimming done above
                value: Any = _transformed(text, cell, column)
                _check_text(value, cell, column)
                return value
        else:
            _refuse_unreadable(cell, column)
            if isinstance(cell, str):
                _refuse_by_policy(cell, column)
            if is_blank(cell):
                return _blank(column)
        value = typed(cell, column)
        if isinstance(value, str):
            _check_text(value, cell, column)
        elif bounded and isinstance(value, int | date) and not isinstance(value, bool):
            reason = rules.out_of_bounds(value, column.min, column.max, today or date.today())
            if reason is not None:
                raise problem(cell, column, *reason)
        return value

    if not recall or column.secret:
        return convert
    recalled = lru_cache(maxsize=RECALL_SIZE)(convert)

    def convert_or_recall(cell: Any) -> Any:
        if type(cell) is str and len(cell) <= RECALL_CHARS:
            return recalled(cell)
        return convert(cell)

    return convert_or_recall


def _blank(column: Column) -> Any:
    """The value of an empty cell, or the problem when the column is required."""
    if column.required:
        raise CellError("required value is missing", "必須項目が入力されていません")
    return False if column.type == "bool" else ("" if column.type == "str" else None)


def problem(cell: Any, column: Column, en: str, ja: str,
            hint: tuple[str, str] | None = None) -> CellError:
    """A ``CellError`` quoting what staff typed (never a secret value), with ``hint``."""
    if not column.secret:
        said = policy.quote(shown(cell))
        en, ja = f"{en}: {said!r}", f"{ja}: 「{said}」"
    if hint is not None:
        en, ja = f"{en} ({hint[0]})", f"{ja}（{hint[1]}）"
    return CellError(en, ja)


def _refuse_unreadable(cell: Any, column: Column) -> None:
    if isinstance(cell, UncachedFormula):
        raise problem(cell, column, "the formula has no saved value: open the workbook in "
                      "Excel and save it again", "数式の計算結果が保存されていません。"
                      "Excelで開いて保存し直してください")
    if isinstance(cell, ExcelError):
        raise CellError(f"the cell shows the Excel error {cell}",
                          f"セルがエラー値 {cell} になっています")


def _refuse_by_policy(cell: str, column: Column) -> None:
    """Characters anywhere in the cell; a formula start only in a text column's text (a
    ``-5`` typed into an int or date column is a number, never text typed as it is)."""
    finding = policy.check_chars(transforms.trim(cell), column.allow)
    if finding is None and column.type == "str" and "formula_prefix" not in column.allow:
        finding = policy.check_formula(cell)
    if finding is not None:
        raise problem(cell, column, finding.en, finding.ja)


def max_length(column: Column) -> int:
    """The longest text ``column`` takes: its ``max_length``, else the policy's default."""
    return column.max_length or policy.DEFAULT_MAX_LENGTH


def _zero_hint(cell: Any, column: Column) -> tuple[str, str] | None:
    return ZERO_HINT if is_number(cell) and column.type == "str" else None


def _to_str(cell: Any, column: Column) -> str:
    text = _number_text(cell, column) if is_number(cell) else transforms.trim(shown(cell))
    return _transformed(text, cell, column)


def _transformed(text: str, cell: Any, column: Column) -> str:
    """``text`` (read from ``cell``) through the column's transforms, in order."""
    for name in column.transform:
        try:
            text = str(transforms.FILTERS[name](text))
        except ValueError:
            fallback = (f"cannot apply {name}", f"{name} に変換できません")
            en, ja = TRANSFORM_MESSAGES.get(name, fallback)
            raise problem(cell, column, en, ja, _zero_hint(cell, column)) from None
    return text


def _number_text(cell: int | float, column: Column) -> str:
    if isinstance(cell, float) and not cell.is_integer():
        return str(cell)
    number = int(cell)
    postal = "postal_code" in column.transform or column.check == "postal_code"
    if postal and number in POSTAL_NUMBERS:
        return f"{number:07d}"
    return str(number)


def _to_int(cell: Any, column: Column) -> int:
    if is_number(cell) and float(cell).is_integer():
        return int(cell)
    text = unicodedata.normalize("NFKC", shown(cell)).strip().replace(",", "")
    if isinstance(cell, str) and _WHOLE.fullmatch(text):
        return int(text)
    raise problem(cell, column, "not a whole number", "整数ではありません")


def _to_date(cell: Any, column: Column) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = shown(cell) if is_number(cell) else unicodedata.normalize("NFKC", str(cell)).strip()
    try:
        # Excel writes a date cell to CSV with its time: "2025/07/01 0:00"
        return transforms.parse_date(_TIME_SUFFIX.sub("", text) if isinstance(cell, str)
                                     else text)
    except ValueError:
        hint = NUMBER_DATE_HINT if is_number(cell) else None
        raise problem(cell, column, *_NOT_A_DATE, hint) from None


def _to_bool(cell: Any, column: Column) -> bool:
    if isinstance(cell, bool):
        return cell
    word = unicodedata.normalize("NFKC", shown(cell)).strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise problem(cell, column, "not yes/no", "はい/いいえとして読めません")


CONVERTERS: dict[str, Callable[[Any, Column], Any]] = {
    "str": _to_str, "int": _to_int, "date": _to_date, "bool": _to_bool}


def _check_text(value: str, cell: Any, column: Column) -> None:
    if value == "":
        return
    if "formula_prefix" not in column.allow and (finding := policy.check_formula(value)):
        raise problem(cell, column, finding.en, finding.ja)
    if column.check and not _passes(value, column.check):
        raise problem(cell, column, *CHECK_MESSAGES[column.check], _zero_hint(cell, column))
    if column.pattern and not re.fullmatch(column.pattern, value):
        raise problem(cell, column, f"does not match the format {column.pattern}",
                      "形式が正しくありません")
    if len(value) > max_length(column):
        raise problem(cell, column, f"longer than {max_length(column)} characters",
                      f"{max_length(column)}文字を超えています")
    if column.min_length is not None and len(value) < column.min_length:
        raise problem(cell, column, f"shorter than {column.min_length} characters",
                      f"{column.min_length}文字未満です")
    if column.choices is not None and value not in column.choices:
        raise problem(cell, column, f"must be one of {', '.join(column.choices)}",
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
