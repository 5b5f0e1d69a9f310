"""Validation rules: date and number bounds on a column, and rules across columns."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    MY_NUMBER,
    SHIPPED_BOTS,
    SHIPPED_SELECTORS,
    dedent,
    write_project,
    write_workbook,
)
from pydantic import ValidationError

from robot_core.errors import BotScriptError
from robot_core.intake import CaseRow, Problem, convert_cell, read_cases
from robot_core.intake.cells import CellError
from robot_core.script import rules
from robot_core.script.loader import load_bot
from robot_core.script.model import Column, InputSpec

TODAY = date(2025, 7, 16)
SPEC = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS).input


# --- bounds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("bound", "expected"), [
    ("today", date(2025, 7, 16)), ("today-14d", date(2025, 7, 2)),
    ("today+1d", date(2025, 7, 17)), ("today-1y", date(2024, 7, 16)),
    ("today - 18y", date(2007, 7, 16)), ("today+1m", date(2025, 8, 16)),
    (date(1900, 1, 1), date(1900, 1, 1)), (5, 5),
])
def test_resolve(bound: Any, expected: Any) -> None:
    """``today`` and its offsets resolve against the given day; fixed bounds stay."""
    column = Column.model_validate({"type": "int" if isinstance(bound, int) else "date",
                                    "min": bound})
    assert column.min is not None
    assert rules.resolve(column.min, TODAY) == expected


def test_month_offset_clamps_to_the_month_end() -> None:
    """today+1m from 31 January is the last day of February."""
    assert rules.resolve("today+1m", date(2024, 1, 31)) == date(2024, 2, 29)
    assert rules.resolve("today-1y", date(2024, 2, 29)) == date(2023, 2, 28)


@pytest.mark.parametrize(("column", "message"), [
    ({"type": "str", "min": 1}, "min/max apply to int and date columns (for text use "
                                "min_length/max_length)"),
    ({"type": "date", "max": "tomorrow"}, "not a date (1900-01-01), today, or today with an "
                                          "offset (today-14d, today+1y): 'tomorrow'"),
    ({"type": "date", "min": 3}, "a date column's bound must be a date (1900-01-01), today, "
                                 "or today with an offset (today-14d, today+1y)"),
    ({"type": "int", "min": "today"}, "a int column's bound must be a whole number"),
    ({"type": "int", "min": True}, "a int column's bound must be a whole number"),
    ({"type": "int", "min": 5, "max": 2}, "min (5) is above max (2)"),
    ({"type": "date", "min": "2025-01-02", "max": "2025-01-01"},
     "min (2025-01-02) is above max (2025-01-01)"),
])
def test_bad_bounds(column: dict[str, Any], message: str) -> None:
    """Bounds that do not fit the column type are refused with a readable message."""
    with pytest.raises(ValidationError) as caught:
        Column.model_validate(column)
    assert caught.value.errors()[0]["msg"] == message


@pytest.mark.parametrize(("cell", "en", "ja"), [
    ("2099/01/01", "date is in the future: '2099/01/01'", "未来の日付です: 「2099/01/01」"),
    ("1899/12/31", "date is before 1900/01/01: '1899/12/31'",
     "1900/01/01より前の日付です: 「1899/12/31」"),
])
def test_date_bounds_at_intake(cell: str, en: str, ja: str) -> None:
    """Dates outside [min, max] are problems quoting what staff typed."""
    column = Column.model_validate({"type": "date", "min": "1900-01-01", "max": "today"})
    with pytest.raises(CellError) as caught:
        convert_cell(cell, column, today=TODAY)
    assert (caught.value.en, caught.value.ja) == (en, ja)


def test_bounds_are_inclusive() -> None:
    """The bound days themselves are accepted."""
    column = Column.model_validate({"type": "date", "min": "today-14d", "max": "today"})
    assert convert_cell("2025/07/02", column, today=TODAY) == date(2025, 7, 2)
    assert convert_cell("R7.7.16", column, today=TODAY) == TODAY
    with pytest.raises(CellError, match="date is before 2025/07/02"):
        convert_cell("2025/07/01", column, today=TODAY)


def test_int_bounds() -> None:
    """Whole-number columns have bounds too, in both languages."""
    column = Column.model_validate({"type": "int", "min": 0, "max": 20})
    assert convert_cell("２０", column) == 20
    with pytest.raises(CellError) as caught:
        convert_cell(21, column)
    assert (caught.value.en, caught.value.ja) == ("more than 20: '21'", "20を超えています: 「21」")
    with pytest.raises(CellError, match="less than 0"):
        convert_cell("-1", column)


def test_secret_bound_failure_never_shows_the_value() -> None:
    """A secret column's out-of-range value is not repeated in the problem."""
    column = Column.model_validate({"type": "date", "max": "today", "secret": True})
    with pytest.raises(CellError) as caught:
        convert_cell("2099/01/01", column, today=TODAY)
    assert (caught.value.en, caught.value.ja) == ("date is in the future", "未来の日付です")


# --- rules across columns --------------------------------------------------------------------


def rule(**fields: Any) -> rules.Rule:
    """A validated rule."""
    return rules.Rule.model_validate(fields)


LABELS = {"a": "転入日", "b": "生年月日", "c": "電話番号"}
SHOWN = {"a": "2025/07/01", "b": "1980/01/02", "c": ""}


@pytest.mark.parametrize(("operator", "a", "b", "broken"), [
    ("not_before", date(2025, 1, 1), date(2025, 1, 1), False),
    ("not_before", date(2024, 12, 31), date(2025, 1, 1), True),
    ("not_after", date(2025, 1, 1), date(2025, 1, 1), False),
    ("not_after", date(2025, 1, 2), date(2025, 1, 1), True),
    ("before", date(2025, 1, 1), date(2025, 1, 1), True),
    ("before", date(2024, 12, 31), date(2025, 1, 1), False),
    ("after", date(2025, 1, 1), date(2025, 1, 1), True),
    ("after", date(2025, 1, 2), date(2025, 1, 1), False),
])
def test_comparisons(operator: str, a: date, b: date, broken: bool) -> None:
    """Each comparison holds or breaks exactly at its edge."""
    verdict = rules.judge(rule(**{operator: ["a", "b"]}), {"a": a, "b": b}, LABELS, SHOWN)
    assert (verdict is not None) is broken


def test_comparison_messages_quote_both_cells() -> None:
    """A broken comparison names both columns and what staff typed, in both languages."""
    verdict = rules.judge(rule(not_before=["a", "b"]),
                          {"a": date(1979, 1, 1), "b": date(1980, 1, 2)}, LABELS,
                          {"a": "S54.1.1", "b": "1980/01/02"})
    assert verdict == ("転入日 (S54.1.1) is before 生年月日 (1980/01/02)",
                       "転入日（S54.1.1）が生年月日（1980/01/02）より前です")


def test_rule_is_not_judged_without_both_dates() -> None:
    """A missing date is its own column's problem; the rule does not pile on."""
    assert rules.judge(rule(before=["a", "b"]), {"a": None, "b": date(2025, 1, 1)},
                       LABELS, SHOWN) is None


@pytest.mark.parametrize(("a", "c", "broken"), [
    ("", "090-1234-5678", True), (None, "090", True), ("山田", "090", False),
    ("", "", False), ("", None, False), ("", False, False), ("", True, True),
])
def test_required_with(a: Any, c: Any, broken: bool) -> None:
    """The first column is needed once the second is filled (or ticked)."""
    verdict = rules.judge(rule(required_with=["a", "c"]), {"a": a, "c": c}, LABELS, SHOWN)
    assert (verdict is not None) is broken


def test_custom_message() -> None:
    """A rule's own message replaces the generated one."""
    custom = rule(after=["a", "b"], message={"ja": "日付の順序が逆です", "en": "dates swapped"})
    verdict = rules.judge(custom, {"a": date(2020, 1, 1), "b": date(2021, 1, 1)}, LABELS, SHOWN)
    assert verdict == ("dates swapped", "日付の順序が逆です")


@pytest.mark.parametrize("fields", [{}, {"before": ["a", "b"], "after": ["a", "b"]},
                                    {"message": {"ja": "x", "en": "y"}}])
def test_a_rule_takes_exactly_one_operator(fields: dict[str, Any]) -> None:
    """Zero or two operators in one rule are refused."""
    with pytest.raises(ValidationError, match="a rule takes exactly one of not_before"):
        rules.Rule.model_validate(fields)


# --- loading: the columns a rule names must exist and fit ------------------------------------

BOT = dedent("""\
    app: demo
    input:
      key: id
      columns:
        id: {header: 番号, required: true}
        born: {header: 生年月日, type: date, max: today}
        moved: {header: 転入日, type: date}
        note: {header: 備考}
      rules:
        - {RULE}
    steps:
      - fill: {target: form.name, value: "{{ case.id }}"}
    """)


@pytest.mark.parametrize(("text", "where", "message"), [
    ("not_before: [moved, bron]", "10:27: input.rules[0].not_before[1]",
     "unknown column 'bron' in rule (did you mean 'born'?)"),
    ("before: [note, born]", "10:16: input.rules[0].before[0]",
     "before compares date columns, but 'note' is type str"),
    ("after: [born, born]", "10:7: input.rules[0].after",
     "a rule compares two different columns (both are 'born')"),
    ("not_befor: [moved, born]", "10:7: input.rules[0].not_befor",
     "unknown key (did you mean 'not_before'?) (allowed: after, before, message, not_after, "
     "not_before, required_with)"),
])
def test_loader_locates_rule_errors(tmp_path: Path, text: str, where: str,
                                    message: str) -> None:
    """A rule naming a missing or unfit column is a located BotScriptError."""
    path = write_project(tmp_path, BOT.replace("{RULE}", text))
    with pytest.raises(BotScriptError) as caught:
        load_bot(path, tmp_path / "selectors")
    assert str(caught.value) == f"{path}:{where}: {message}"


def test_loader_locates_a_bad_bound_and_a_bad_pattern(tmp_path: Path) -> None:
    """A bound unfit for its column and a broken regular expression are located."""
    bad_bound = BOT.replace("max: today", "max: soon").replace("{RULE}", "after: [moved, born]")
    path = write_project(tmp_path, bad_bound)
    with pytest.raises(BotScriptError, match=r":6:38: input\.columns\.born\.max: not a date"):
        load_bot(path, tmp_path / "selectors")
    bad_pattern = BOT.replace("note: {header: 備考}", "note: {header: 備考, pattern: '[0-9'}")
    path = write_project(tmp_path, bad_pattern.replace("{RULE}", "after: [moved, born]"))
    with pytest.raises(BotScriptError, match=r"input\.columns\.note\.pattern: pattern is not a "
                                             "valid regular expression"):
        load_bot(path, tmp_path / "selectors")


def test_shipped_bot_declares_its_rules() -> None:
    """The shipped bot bounds the birth date and checks the move-in against it."""
    birth = SPEC.columns["birth_date"]
    assert (birth.min, birth.max) == (date(1900, 1, 1), "today")
    assert [r.columns for r in SPEC.rules if r.operator == "not_before"] == [
        ("moved_in", "birth_date")]


# --- at intake: each failure a Problem on its row ---------------------------------------------

HEADERS = ["受付番号", "氏名", "フリガナ", "性別", "生年月日", "郵便番号", "住所", "転入日",
           "個人番号"]


def case(tmp_path: Path, birth: Any, moved: Any) -> CaseRow:
    """The one case of an export with the given birth and move-in cells."""
    data = ["A1", "山田　太郎", "ヤマダ　タロウ", "男", birth, "048-1501", "北海道", moved,
            MY_NUMBER]
    path = write_workbook(tmp_path / "c.xlsx", [HEADERS, data])
    (row,) = read_cases(path, SPEC, today=TODAY).rows
    return row


def test_birth_date_in_the_future_is_a_business_failure(tmp_path: Path) -> None:
    """A birth date after today is a problem on 生年月日, and the rule is not judged."""
    row = case(tmp_path, "令和9年1月1日", "2025/07/01")
    assert row.problems == [Problem("生年月日", "date is in the future: '令和9年1月1日'",
                                    "未来の日付です: 「令和9年1月1日」")]


def test_moved_in_before_birth_is_a_business_failure(tmp_path: Path) -> None:
    """A move-in before the birth date is one problem naming both columns."""
    row = case(tmp_path, "1980/01/02", "S54.12.31")
    assert row.problems == [Problem(
        "転入日・生年月日", "転入日 (S54.12.31) is before 生年月日 (1980/01/02)",
        "転入日（S54.12.31）が生年月日（1980/01/02）より前です")]


def test_rule_on_a_secret_column_never_shows_it(tmp_path: Path) -> None:
    """Rule messages leave out the value of a secret column."""
    spec = InputSpec.model_validate({"key": "id", "columns": {
        "id": {"header": "番号", "required": True},
        "issued": {"header": "交付日", "type": "date", "secret": True},
        "born": {"header": "生年月日", "type": "date"}},
        "rules": [{"after": ["issued", "born"]}]})
    path = write_workbook(tmp_path / "c.xlsx", [["番号", "交付日", "生年月日"],
                                                ["A1", "2001/02/03", "2001/02/04"]])
    (row,) = read_cases(path, spec).rows
    assert row.problems == [Problem("交付日・生年月日",
                                    "交付日 must be after 生年月日 (2001/02/04)",
                                    "交付日は生年月日（2001/02/04）より後にしてください")]
