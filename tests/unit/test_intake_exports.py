"""Intake of the committed sample exports: one real file per format staff get.

The files and ``expected.json`` come from ``python -m fixtures.exports.make``; each file's
traps are listed in that module's docstring. Read with the shipped bot's input spec.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, SHIPPED_BOTS, SHIPPED_SELECTORS

from fixtures.exports import make
from robot_core.errors import CaseDataError
from robot_core.intake import CaseRow, Intake, open_cases, read_cases
from robot_core.intake.delimited import detect_encoding
from robot_core.script.loader import load_bot
from robot_core.script.model import InputSpec

EXPORTS = REPO / "fixtures" / "exports"
EXPECTED: dict[str, Any] = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))
SPEC = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS).input
TODAY = date(2025, 7, 16)
FILES = sorted({name.partition("#")[0] for name in EXPECTED})


def read(name: str, spec: InputSpec = SPEC) -> Intake:
    """The export ``name`` read with the shipped bot's spec on the export day."""
    return read_cases(EXPORTS / name, spec, today=TODAY)


def outcome(row: CaseRow) -> dict[str, Any]:
    """A row as expected.json states it: its typed values, or the columns of its problems."""
    if row.problems:
        return {"row": row.row_number, "problems": [p.column for p in row.problems]}
    values = {k: v.isoformat() if isinstance(v, date) else v for k, v in row.values.items()}
    return {"row": row.row_number, "values": values}


def test_every_format_is_committed() -> None:
    """Each export format of the issue has its real file under fixtures/exports."""
    assert FILES == ["cases_aliases.xlsx", "cases_cp932.csv", "cases_formulas.xlsx",
                     "cases_header_row5.xlsx", "cases_hidden_sheet.xlsx",
                     "cases_numeric_codes.xlsx", "cases_two_row_header.xlsx",
                     "cases_unicode.txt", "cases_utf8.csv", "cases_utf8_bom.csv"]
    assert all((EXPORTS / name).stat().st_size > 0 for name in FILES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_export_reads_as_expected(name: str) -> None:
    """Every case of every export comes back with exactly the expected values or problems."""
    file, _, sheet = name.partition("#")
    intake = read(file, SPEC.model_copy(update={"sheet": sheet or None}))
    assert intake.sheet == EXPECTED[name]["sheet"]
    assert {r.key: outcome(r) for r in intake.rows} == EXPECTED[name]["cases"]


def test_generator_reproduces_expected_json(tmp_path: Path) -> None:
    """The committed expected.json is what the generator writes today."""
    assert make.main(tmp_path) == EXPECTED
    for name in FILES:
        assert read_cases(tmp_path / name, SPEC, today=TODAY).headers == read(name).headers


@pytest.mark.parametrize(("name", "encoding"), [
    ("cases_utf8.csv", "utf-8"), ("cases_utf8_bom.csv", "utf-8-sig"),
    ("cases_cp932.csv", "cp932"), ("cases_unicode.txt", "utf-16")])
def test_encoding_is_detected(name: str, encoding: str) -> None:
    """BOM first, then strict UTF-8, then CP932."""
    assert detect_encoding(EXPORTS / name) == encoding


def test_cp932_only_characters_survive() -> None:
    """髙 and ① (CP932, not JIS Shift_JIS) come through, half-width kana become katakana."""
    takahashi = {r.key: r for r in read("cases_cp932.csv").rows}["U0003"]
    assert takahashi.values["name"] == "髙橋　一郎"
    assert takahashi.values["remarks"] == "①番窓口\n車いす利用"
    assert takahashi.raw["フリガナ"] == "ﾀｶﾊｼ ｲﾁﾛｳ"
    assert takahashi.values["name_kana"] == "タカハシ　イチロウ"


@pytest.mark.parametrize("declared", ["cp932", "shift_jis"])
def test_declared_japanese_encoding(declared: str) -> None:
    """A declared CP932 or Shift_JIS reads the CP932 export (Shift_JIS means CP932)."""
    spec = SPEC.model_copy(update={"encoding": declared})
    assert [r.key for r in read("cases_cp932.csv", spec).rows] == ["U0001", "U0002", "U0003",
                                                                   "U0004"]


def test_declared_encoding_wins_and_a_wrong_one_fails_loudly() -> None:
    """UTF-8 declared for a CP932 file is a CaseDataError naming the line, not mojibake."""
    spec = SPEC.model_copy(update={"encoding": "utf-8"})
    with pytest.raises(CaseDataError, match=r"cases_cp932\.csv: line 1 is not utf-8 text"):
        read("cases_cp932.csv", spec)


def test_excel_text_fields_and_title_rows_in_csv() -> None:
    """``="0481501"`` fields keep their zeros; title lines above the header are skipped."""
    intake = read("cases_utf8_bom.csv")
    sato = {r.key: r for r in intake.rows}["U0002"]
    assert (sato.raw["郵便番号"], sato.raw["個人番号"]) == ("0010010", "011507416758")
    assert sato.values["postal_code"] == "001-0010"
    assert intake.headers[0] == "受付番号"  # the BOM is not part of the first header


def test_csv_date_with_midnight_time() -> None:
    """Excel's CSV of a date cell (``2025/7/1 0:00``) is read as the date."""
    yamada = read("cases_utf8.csv").rows[0]
    assert yamada.raw["転入日"] == "2025/7/1 0:00"
    assert yamada.values["moved_in"] == date(2025, 7, 1)


def test_header_on_row_5_with_merged_title_and_header_cells() -> None:
    """Merged titles are skipped; 住所 merged over two columns maps to its first column."""
    intake = read("cases_header_row5.xlsx")
    assert intake.headers[5:9] == ["郵便番号", "住所", "", "世帯主"]
    assert intake.columns["address"] == "住所"
    assert intake.rows[0].values["address"] == "北海道虻田郡みらい町本町1丁目2番3号"
    assert "みらいハイツ101" not in intake.rows[0].raw.values()  # no header, not echoed


def test_english_header_aliases_as_the_file_writes_them() -> None:
    """``Case ID``/``Name``/``Birth Date`` map; problems name the header found in the file."""
    intake = read("cases_aliases.xlsx")
    assert intake.columns["case_id"] == "Case ID"
    assert intake.columns["name_kana"] == "Name Kana"
    future = intake.rows[2]
    assert [(p.column, p.en) for p in future.problems] == [
        ("Birth Date", "date is in the future: '2099/01/01'")]


def test_hidden_sheets_are_skipped_unless_named() -> None:
    """The hidden and very hidden sheets are not read; ``sheet:`` reads a hidden one."""
    assert read("cases_hidden_sheet.xlsx").sheet == "受付一覧"
    spec = SPEC.model_copy(update={"sheet": "作業用"})
    assert [r.key for r in read("cases_hidden_sheet.xlsx", spec).rows] == ["SCRATCH"]


def test_formula_without_saved_value_and_error_value() -> None:
    """A never-calculated formula and an #N/A are problems telling staff what to do."""
    rows = {r.key: r for r in read("cases_formulas.xlsx").rows}
    (uncached,) = rows["U0003"].problems
    assert uncached.ja.startswith("数式の計算結果が保存されていません。Excelで開いて保存し直して")
    assert uncached.en.startswith("the formula has no saved value: open the workbook in Excel")
    assert "=B4&" in uncached.en
    (error,) = rows["U0007"].problems
    assert (error.column, error.en) == ("郵便番号", "the cell shows the Excel error #N/A")
    assert rows["U0001"].values["household_head"] == "山田　太郎"  # a cached =D2


def test_numeric_codes_are_padded_only_for_postal_codes() -> None:
    """481501 becomes 048-1501 and 10010 001-0010; an 11-digit My Number is not padded."""
    rows = {r.key: r for r in read("cases_numeric_codes.xlsx").rows}
    assert rows["U0001"].raw["郵便番号"] == 481501
    assert rows["U0001"].values["postal_code"] == "048-1501"
    assert rows["U0002"].values["postal_code"] == "001-0010"
    assert rows["U0001"].values["birth_date"] == date(1980, 1, 2)  # 19800102 typed as a number
    lost, _formula_remark = rows["U0008"].problems
    assert "Excel dropped any leading zero" in lost.en
    assert "11507416758" not in str(lost)


def test_two_row_header_names_columns_parent_slash_child() -> None:
    """Children under a merged parent are ``親/子``; problems name the column that way."""
    intake = read("cases_two_row_header.xlsx")
    assert intake.headers[:7] == ["受付番号", "届出人/氏名", "届出人/フリガナ", "届出人/性別",
                                  "届出人/生年月日", "現住所/郵便番号", "現住所/住所"]
    assert intake.headers[7:] == ["世帯主", "電話番号", "転入日", "個人番号", "国保加入", "備考"]
    assert intake.secret_headers == frozenset({"個人番号"})


@pytest.mark.parametrize("name", FILES)
def test_no_secret_in_any_problem(name: str) -> None:
    """No problem of any export repeats a My Number, valid or not."""
    intake = read(name)
    numbers = {str(r.raw.get(h)) for r in intake.rows for h in intake.secret_headers}
    numbers = {n.lstrip("0") for n in numbers if n not in ("None", "")}
    assert numbers
    for row in intake.rows:
        for problem in row.problems:
            assert not any(n in str(problem) for n in numbers), (row.key, problem)


@pytest.mark.parametrize("name", FILES)
def test_streaming_gives_the_same_rows(name: str) -> None:
    """``open_cases`` yields, one at a time, exactly the rows ``read_cases`` collects."""
    with open_cases(EXPORTS / name, SPEC, today=TODAY) as cases:
        streamed = [(r.row_number, r.key, r.values, r.problems) for r in cases]
    assert streamed == [(r.row_number, r.key, r.values, r.problems) for r in read(name).rows]
