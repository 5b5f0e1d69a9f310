"""The content policy: what text may reach a legacy system, per row and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import write_workbook
from pydantic import ValidationError

from robot_core.intake import CaseRow, read_cases
from robot_core.intake.policy import check_formula, quote
from robot_core.script.model import InputSpec

COLUMNS: dict[str, Any] = {
    "id": {"header": "受付番号", "required": True}, "name": {"header": "氏名"},
    "age": {"header": "年齢", "type": "int"},
    "my_number": {"header": "個人番号", "secret": True}}


def spec(**name: Any) -> InputSpec:
    """The small spec, the 氏名 column updated with ``name``."""
    return InputSpec.model_validate({"key": "id", "columns": {
        **COLUMNS, "name": {**COLUMNS["name"], **name}}})


def xlsx_row(tmp_path: Path, cells: list[Any], the_spec: InputSpec | None = None,
             extra: str = "メモ") -> CaseRow:
    """The one case of a workbook with ``cells`` under 受付番号, 氏名, 年齢, 個人番号, ``extra``."""
    path = write_workbook(tmp_path / "c.xlsx", [["受付番号", "氏名", "年齢", "個人番号", extra],
                                                 ["A1", *cells]])
    (row,) = read_cases(path, the_spec or spec()).rows
    return row


def csv_row(tmp_path: Path, line: str, the_spec: InputSpec | None = None) -> CaseRow:
    """The one case of a CSV whose only record is ``line``."""
    path = tmp_path / "c.csv"
    path.write_text(f"受付番号,氏名,年齢,個人番号,メモ\n{line}\n", encoding="utf-8")
    (row,) = read_cases(path, the_spec or spec()).rows
    return row


@pytest.mark.parametrize(("char", "code"), [
    ("\x00", "U+0000"), ("\x1b", "U+001B"), ("\x07", "U+0007"), ("\x7f", "U+007F"),
    ("\x85", "U+0085"), ("\u202e", "U+202E"), ("\u2066", "U+2066"), ("\u200f", "U+200F"),
    ("\u061c", "U+061C"), ("\u200b", "U+200B"), ("\u2060", "U+2060"), ("\ufeff", "U+FEFF"),
    ("\u2028", "U+2028"), ("\u2029", "U+2029"), ("\n", "U+000A"), ("\t", "U+0009"),
    ("\ue000", "U+E000"), ("\U000f0000", "U+F0000"), ("\U00100001", "U+100001"),
])
def test_refused_character_is_a_business_failure(tmp_path: Path, char: str, code: str) -> None:
    """A refused character in a text column fails the case, naming column and code point."""
    row = csv_row(tmp_path, f'A1,"山田{char}太郎",30,,')
    (problem,) = row.problems
    assert problem.column == "氏名" and code in problem.en and code in problem.ja
    assert row.values["name"] is None  # nothing of it is typed


def test_excel_escaped_control_counts_as_the_character(tmp_path: Path) -> None:
    """``_x001B_`` in a workbook cell is ESC as Excel stores it: refused as U+001B."""
    row = xlsx_row(tmp_path, ["山田_x001B_太郎", 30, None, None])
    (problem,) = row.problems
    assert "U+001B written as _x001B_" in problem.en


def test_escaped_ordinary_character_is_allowed(tmp_path: Path) -> None:
    """``_x0041_`` stands for ``A``: nothing the policy refuses."""
    assert xlsx_row(tmp_path, ["山田_x0041_", 30, None, None]).valid


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@A1", "\t=1", "\r=1", " =1",
                                  "＝1+1", "＋1-1", "－A", "＠A1"])
def test_formula_start_is_a_business_failure(tmp_path: Path, text: str) -> None:
    """Text a spreadsheet would run fails the case (workbook cell, so leading blanks stay)."""
    row = xlsx_row(tmp_path, [text, 30, None, None])
    assert [p.column for p in row.problems] == ["氏名"]
    assert "formula" in row.problems[0].en


def test_negative_numbers_are_not_formulas(tmp_path: Path) -> None:
    """-5 in an int column (text in a CSV, a number in a workbook) and ``-5`` as text pass."""
    assert csv_row(tmp_path, "A1,-5,-5,,").values == {"id": "A1", "name": "-5", "age": -5,
                                                      "my_number": ""}
    assert xlsx_row(tmp_path, [-5, -5, None, None]).values["age"] == -5
    assert check_formula("+81312345678") is None and check_formula("-1.5") is None


def test_columns_opt_in(tmp_path: Path) -> None:
    """``allow`` keeps line breaks, 外字 and a leading ``=`` where the office needs them."""
    the_spec = spec(allow=["newline", "private_use", "formula_prefix"])
    row = csv_row(tmp_path, 'A1,"=山田\ue000\n太郎",30,,', the_spec)
    assert row.valid and row.values["name"] == "=山田\ue000\n太郎"


def test_opt_in_never_allows_bidi_controls_or_separators(tmp_path: Path) -> None:
    """No ``allow`` lets a bidi override, a control or a Unicode line separator through."""
    the_spec = spec(allow=["newline", "private_use", "formula_prefix"])
    assert not csv_row(tmp_path, "A1,山田\u202e,30,,", the_spec).valid
    assert not csv_row(tmp_path, "A1,山田\x1b,30,,", the_spec).valid
    assert not csv_row(tmp_path, "A1,山田\u2028太郎,30,,", the_spec).valid


def test_unknown_allowance_is_refused() -> None:
    """``allow: [newlines]`` is a mistake in the bot script, not a silent no-op."""
    with pytest.raises(ValidationError):
        spec(allow=["newlines"])


def test_default_length_cap_and_max_length(tmp_path: Path) -> None:
    """A text column takes 1,000 characters unless ``max_length`` says otherwise."""
    long = "あ" * 1001
    (problem,) = csv_row(tmp_path, f"A1,{long},30,,").problems
    assert "longer than 1000 characters" in problem.en
    assert csv_row(tmp_path, f"A1,{long},30,,", spec(max_length=2000)).valid


def test_message_quotes_at_most_sixty_characters(tmp_path: Path) -> None:
    """A long refused value is quoted in 60 characters and an ellipsis, its character shown."""
    (problem,) = csv_row(tmp_path, "A1," + "山" * 100 + "\u202e,30,,").problems
    assert "山" * 60 + "…" in problem.en and "山" * 61 not in problem.en
    assert quote("a\u202eb") == "a<U+202E>b"


def test_secret_value_is_never_quoted(tmp_path: Path) -> None:
    """A refused character in a secret column names the code point, never the value."""
    row = csv_row(tmp_path, "A1,山田,30,7356583329\u200b45,")
    (problem,) = row.problems
    assert problem.column == "個人番号" and "U+200B" in problem.en
    assert "7356" not in str(problem)


def test_columns_the_bot_does_not_read_are_checked_without_quoting(tmp_path: Path) -> None:
    """A control character in a column only written to the results fails the case, unquoted;
    a line break or a leading ``=`` there is left alone (the results escape formulas)."""
    row = csv_row(tmp_path, "A1,山田,30,,秘密\x1bの話")
    (problem,) = row.problems
    assert problem.column == "メモ" and "U+001B" in problem.en and "秘密" not in str(problem)
    assert csv_row(tmp_path, 'A1,山田,30,,"=1\n二行目"').valid


def test_number_read_as_text_warns(tmp_path: Path) -> None:
    """A number in a text column is kept as text, with a warning naming the column."""
    row = xlsx_row(tmp_path, [12345, 30, 735658332945, None])
    assert row.valid and row.values["name"] == "12345"
    assert [w.column for w in row.warnings] == ["氏名", "個人番号"]
    assert "12345" in row.warnings[0].en and "7356" not in str(row.warnings[1])


def test_text_cells_do_not_warn(tmp_path: Path) -> None:
    """Text read as text, and a number in an int column, leave no warning."""
    assert xlsx_row(tmp_path, ["12345", 30, "735658332945", None]).warnings == []
