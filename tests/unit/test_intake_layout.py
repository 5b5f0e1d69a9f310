"""Finding the header: aliases, title rows, a pinned header row, merged and two-row headers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import MY_NUMBER, SHIPPED_BOTS, SHIPPED_SELECTORS, write_workbook

from robot_core.errors import CaseDataError
from robot_core.intake import header_matches, normalise_header, read_cases
from robot_core.intake.layout import HeaderSearch
from robot_core.script.loader import load_bot
from robot_core.script.model import InputSpec

SPEC = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS).input
SMALL = InputSpec.model_validate({"key": "id", "columns": {
    "id": {"header": ["受付番号", "case_id"], "required": True},
    "name": {"header": ["氏名", "name"], "required": True},
    "kana": {"header": "フリガナ"}, "sex": {"header": "性別"}, "note": {"header": "備考"}}})


def read(tmp_path: Path, rows: list[list[Any]], spec: InputSpec = SMALL) -> Any:
    """The intake of a one-sheet workbook holding ``rows``."""
    return read_cases(write_workbook(tmp_path / "c.xlsx", rows), spec, today=date(2025, 7, 16))


@pytest.mark.parametrize(("found", "alias"), [
    ("ＮＡＭＥ ", "name"), ("Case ID", "case_id"), ("case-id", "case_id"), ("※氏名", "氏名"),
    ("氏名*", "氏名"), ("受付\u3000番号", "受付番号"), ("Name_Kana", "name kana"),
])
def test_normalised_headers_match(found: str, alias: str) -> None:
    """Width, case, spaces, ``_``/``-`` and required-field marks do not matter."""
    assert normalise_header(found) == normalise_header(alias)


@pytest.mark.parametrize(("found", "alias", "expected"), [
    ("届出人/氏名", "氏名", True), ("届出人/氏名", "届出人/氏名", True),
    ("郵便番号\n(ハイフンなし)", "郵便番号", True), ("氏名カナ", "氏名", False),
    ("フリガナ", "カナ", False),
])
def test_header_matches(found: str, alias: str, expected: bool) -> None:
    """A header answers to its text, its first line, and the child part of ``親/子``."""
    assert header_matches(found, alias) is expected


def test_first_matching_alias_and_no_column_used_twice(tmp_path: Path) -> None:
    """Each bot column takes its own file column, found by any of its aliases."""
    intake = read(tmp_path, [["name", "case_id", "備考"], ["山田", "A1", "x"]])
    assert intake.columns == {"id": "case_id", "name": "name", "note": "備考"}
    assert intake.rows[0].values["name"] == "山田"


def test_header_with_a_line_break(tmp_path: Path) -> None:
    """``氏名⏎（全角）`` is the 氏名 column; problems name it as the file writes it."""
    intake = read(tmp_path, [["受付番号", "氏名\n（全角）"], ["A1", None]])
    assert intake.columns["name"] == "氏名\n（全角）"
    assert intake.rows[0].problems[0].column == "氏名\n（全角）"


def test_repeated_header_text_refuses_the_file(tmp_path: Path) -> None:
    """Two columns headed 備考: which one the bot types is a guess, so the file is refused."""
    with pytest.raises(CaseDataError) as caught:
        read(tmp_path, [["受付番号", "氏名", "備考", "備考"], ["A1", "山田", "a", "b"]])
    assert str(caught.value) == (f"{tmp_path / 'c.xlsx'}: sheet '受付一覧' row 1: columns C and D "
                                 "have the same header ('備考' and '備考', alike once width, case "
                                 "and spaces are ignored): rename one")


def test_rows_with_data_only_outside_the_table_are_skipped(tmp_path: Path) -> None:
    """A note to the right of the table, on a row of its own, is not a case."""
    intake = read(tmp_path, [["受付番号", "氏名"], ["A1", "山田"],
                             [None, None, "※ 以上 2 件"], ["A2", "佐藤"]])
    assert [r.key for r in intake.rows] == ["A1", "A2"]


def test_pinned_header_row(tmp_path: Path) -> None:
    """``header_row`` reads the header exactly there, even past row 30."""
    rows = [[f"メモ {i}"] for i in range(40)] + [["受付番号", "氏名"], ["A1", "山田"]]
    spec = SMALL.model_copy(update={"header_row": 41})
    intake = read(tmp_path, rows, spec)
    assert [(r.row_number, r.key) for r in intake.rows] == [(42, "A1")]


def test_pinned_header_row_that_is_not_the_header(tmp_path: Path) -> None:
    """A wrong ``header_row`` is a CaseDataError naming that row and what it lacks."""
    spec = SMALL.model_copy(update={"header_row": 2})
    with pytest.raises(CaseDataError) as caught:
        read(tmp_path, [["受付番号", "氏名"], ["A1", "山田"]], spec)
    assert str(caught.value).endswith(
        "no header row with the required columns (受付番号, 氏名) in row 2 of 受付一覧 "
        "(closest: row 2, which lacks 受付番号, 氏名)")


def test_merged_title_over_a_one_row_header(tmp_path: Path) -> None:
    """A title merged across the table above a plain header is not a parent of it."""
    intake = read(tmp_path, [["転入届 受付一覧", None, None], ["受付番号", "氏名", "備考"],
                             ["A1", "山田", None]])
    assert intake.headers == ["受付番号", "氏名", "備考"]
    assert [(r.row_number, r.key) for r in intake.rows] == [(3, "A1")]


TWO_ROWS = [["受付番号", "届出人", None, None, "備考"], [None, "氏名", "フリガナ", "性別", None]]


def test_two_row_header(tmp_path: Path) -> None:
    """Children of a merged parent are found by their own name; the header is two rows."""
    intake = read(tmp_path, [*TWO_ROWS, ["A1", "山田", "ヤマダ", "男", "x"]])
    assert intake.headers == ["受付番号", "届出人/氏名", "届出人/フリガナ", "届出人/性別", "備考"]
    assert [(r.row_number, r.values["name"], r.values["sex"]) for r in intake.rows] == [
        (3, "山田", "男")]


def test_parent_alone_names_the_first_column_of_its_group(tmp_path: Path) -> None:
    """A spec naming only the merged parent (届出人) reads its top-left column."""
    spec = InputSpec.model_validate({"key": "id", "columns": {
        "id": {"header": "受付番号", "required": True},
        "who": {"header": "届出人", "required": True}}})
    intake = read(tmp_path, [*TWO_ROWS, ["A1", "山田", "ヤマダ", "男", "x"]], spec)
    assert intake.rows[0].values["who"] == "山田"


def test_case_without_key_below_a_one_row_header_stays_a_case(tmp_path: Path) -> None:
    """A first row missing its key is a case with a problem, never taken for sub-headers."""
    intake = read(tmp_path, [["受付番号", "氏名", "フリガナ", None],
                             [None, "山田", "ヤマダ", "メモ"], ["A2", "佐藤", None, None]])
    assert intake.headers == ["受付番号", "氏名", "フリガナ"]
    assert [(r.row_number, [p.column for p in r.problems]) for r in intake.rows] == [
        (2, ["受付番号"]), (3, [])]


def test_all_text_row_with_numbers_is_not_a_header(tmp_path: Path) -> None:
    """A row below the header holding a number is data, whatever else it holds."""
    intake = read(tmp_path, [["受付番号", "届出人", None], [None, 1, "ヤマダ"]],
                  InputSpec.model_validate({"key": "id", "columns": {
                      "id": {"header": "受付番号", "required": True},
                      "who": {"header": "届出人"}}}))
    assert [(r.row_number, r.raw) for r in intake.rows] == [(2, {"受付番号": None,
                                                                 "届出人": 1})]


def test_search_remembers_the_closest_row() -> None:
    """A failed search names the row that lacked the fewest required columns."""
    search = HeaderSearch(SPEC)
    rows = iter([("転入届",), ("受付番号", "氏名", "性別"), ("受付番号", "氏名", "フリガナ",
                                                            "性別", "生年月日", "郵便番号")])
    assert search.run(rows) is None
    assert search.closest == (3, ["住所", "転入日", "個人番号"])


def test_full_bot_spec_reads_a_header_below_titles(tmp_path: Path) -> None:
    """The shipped spec finds its header under three title rows and types the row."""
    headers = ["受付番号", "氏名", "フリガナ", "性別", "生年月日", "郵便番号", "住所", "転入日",
               "個人番号"]
    data = ["A1", "山田　太郎", "やまだ　たろう", "男", "S55.1.2", "048-1501", "北海道",
            "R7.7.1", MY_NUMBER]
    intake = read(tmp_path, [["転入届"], ["令和7年7月16日"], [], headers, data], SPEC)
    assert intake.rows[0].valid, intake.rows[0].problems
    assert intake.rows[0].values["birth_date"] == date(1980, 1, 2)
