"""Intake: real .xlsx files read into typed case rows, with problems in English and Japanese."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    MY_NUMBER,
    MY_NUMBER_ZERO,
    SAMPLE_EXPECTED,
    SAMPLE_XLSX,
    SHIPPED_BOTS,
    SHIPPED_SELECTORS,
    write_workbook,
)

from robot_core.errors import CaseDataError
from robot_core.intake import CaseRow, Intake, Problem, convert_cell, read_cases
from robot_core.script.loader import load_bot
from robot_core.script.model import Column, InputSpec

SPEC = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS).input
HEADERS = ["受付番号", "氏名", "フリガナ", "性別", "生年月日", "郵便番号", "住所", "世帯主",
           "電話番号", "転入日", "個人番号", "国保加入", "備考"]
ENGLISH = ["case_id", "name", "name_kana", "sex", "birth_date", "postal_code", "address",
           "household_head", "phone", "moved_in", "my_number", "nhi", "remarks"]
TITLE = ["転入届 受付一覧（2025年7月16日 出力）"]


def person(case_id: str = "U1", **cells: Any) -> list[Any]:
    """A valid export row in HEADERS order, with ``cells`` (by column name) replaced."""
    values: dict[str, Any] = {
        "case_id": case_id, "name": "山田　太郎", "name_kana": "ヤマダ　タロウ", "sex": "男",
        "birth_date": "1980/01/02", "postal_code": "048-1501",
        "address": "北海道虻田郡みらい町栄町1丁目2番3号", "household_head": "山田　太郎",
        "phone": "0142-55-1234", "moved_in": "2025/07/01", "my_number": MY_NUMBER,
        "nhi": "○", "remarks": "",
    }
    unknown = set(cells) - set(values)
    assert not unknown, unknown
    values.update(cells)
    return [values[name] for name in ENGLISH]


def export(path: Path, *rows: list[Any], headers: list[Any] | None = None,
           **options: Any) -> Path:
    """An export like the service desk's: a title row, a blank row, the header, the rows."""
    return write_workbook(path, [TITLE, [], headers or HEADERS, *rows],
                          text_columns=(6, 11), **options)


def read_one(tmp_path: Path, **cells: Any) -> CaseRow:
    """The single case read back from an export holding one row built by ``person``."""
    intake = read_cases(export(tmp_path / "cases.xlsx", person(**cells)), SPEC)
    assert len(intake.rows) == 1
    return intake.rows[0]


def problem_of(row: CaseRow) -> Problem:
    """The row's only problem."""
    assert len(row.problems) == 1, row.problems
    return row.problems[0]


# --- layout ----------------------------------------------------------------------------------


def test_layout_title_rows_extra_sheet_and_blank_rows(tmp_path: Path) -> None:
    """The header is found below title rows on the data sheet; blank rows are not cases."""
    path = write_workbook(
        tmp_path / "cases.xlsx",
        [TITLE, [], HEADERS, person("U1"), [None] * 13, person("U2"), ["", " ", "\u3000"],
         [], []],
        before=["集計"], text_columns=(6, 11))
    intake = read_cases(path, SPEC)
    assert isinstance(intake, Intake)
    assert intake.sheet == "受付一覧"
    assert intake.headers == HEADERS
    assert [(r.row_number, r.key, r.valid) for r in intake.rows] == [
        (4, "U1", True), (6, "U2", True)]


def test_raw_cells_are_kept(tmp_path: Path) -> None:
    """Each row keeps its raw cells by header, as written in the file."""
    row = read_one(tmp_path, birth_date="R7.1.2", postal_code="0481501")
    assert row.raw["生年月日"] == "R7.1.2"
    assert row.raw["郵便番号"] == "0481501"
    assert row.values["postal_code"] == "048-1501"


def test_typed_values_of_a_full_row(tmp_path: Path) -> None:
    """A full valid row comes back with every column typed."""
    row = read_one(tmp_path)
    assert row.valid
    assert row.values == {
        "case_id": "U1", "name": "山田　太郎", "name_kana": "ヤマダ　タロウ", "sex": "男",
        "birth_date": date(1980, 1, 2), "postal_code": "048-1501",
        "address": "北海道虻田郡みらい町栄町1丁目2番3号", "household_head": "山田　太郎",
        "phone": "0142-55-1234", "moved_in": date(2025, 7, 1), "my_number": MY_NUMBER,
        "nhi": True, "remarks": "",
    }


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), [
    pytest.param(datetime(2025, 7, 16), date(2025, 7, 16), id="excel_datetime"),
    pytest.param(date(2025, 7, 16), date(2025, 7, 16), id="excel_date"),
    pytest.param("2025/07/16", date(2025, 7, 16), id="slash"),
    pytest.param("2025/7/6", date(2025, 7, 6), id="slash_short"),
    pytest.param("2025-07-16", date(2025, 7, 16), id="iso"),
    pytest.param("20250716", date(2025, 7, 16), id="compact"),
    pytest.param("2025年7月16日", date(2025, 7, 16), id="seireki_kanji"),
    pytest.param("令和7年7月16日", date(2025, 7, 16), id="wareki"),
    pytest.param("R7.7.16", date(2025, 7, 16), id="wareki_abbr"),
    pytest.param("r07.07.16", date(2025, 7, 16), id="wareki_abbr_lower_padded"),
    pytest.param("令和元年5月1日", date(2019, 5, 1), id="reiwa_gannen"),
    pytest.param("昭和64年1月7日", date(1989, 1, 7), id="showa_last_day"),
    pytest.param("平成元年1月8日", date(1989, 1, 8), id="heisei_first_day"),
    pytest.param("H31.4.30", date(2019, 4, 30), id="heisei_last_day"),
    pytest.param("２０２５／０７／１６", date(2025, 7, 16), id="fullwidth_slash"),
    pytest.param("令和７年７月１６日", date(2025, 7, 16), id="fullwidth_wareki"),
    pytest.param("\u30002025/07/16 ", date(2025, 7, 16), id="padded_with_spaces"),
])
def test_date_cells(tmp_path: Path, cell: object, expected: date) -> None:
    """Every date form an export carries is read as the right date."""
    row = read_one(tmp_path, moved_in=cell)
    assert row.valid, row.problems
    assert row.values["moved_in"] == expected


@pytest.mark.parametrize("cell", ["2025/02/30", "平成32年1月1日", "R7.7", "来週", "45854"])
def test_bad_date_is_a_problem(tmp_path: Path, cell: str) -> None:
    """A text that is no date (or an impossible one) is a bilingual problem on its column."""
    found = problem_of(read_one(tmp_path, moved_in=cell))
    assert found == Problem("転入日", f"not a date: {cell!r}", f"日付として読めません: 「{cell}」")


# --- postal codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), [
    ("048-1501", "048-1501"),
    ("0481501", "048-1501"),
    ("〒048-1501", "048-1501"),
    ("０４８－１５０１", "048-1501"),
    (" 048-1501\u3000", "048-1501"),
    ("048ー1501", "048-1501"),
])
def test_postal_code_text_keeps_leading_zero(tmp_path: Path, cell: str, expected: str) -> None:
    """Text postal codes keep their leading zero and are normalised to NNN-NNNN."""
    row = read_one(tmp_path, postal_code=cell)
    assert row.valid, row.problems
    assert row.values["postal_code"] == expected


def test_numeric_seven_digit_postal_code_is_converted(tmp_path: Path) -> None:
    """A numeric cell with all 7 digits (1000001) is read as 100-0001."""
    assert read_one(tmp_path, postal_code=1000001).values["postal_code"] == "100-0001"


@pytest.mark.parametrize(("cell", "expected"), [(481501, "048-1501"), (481501.0, "048-1501"),
                                                 (10010, "001-0010"), (10000, "001-0000")])
def test_numeric_postal_code_that_lost_its_zero_is_padded(tmp_path: Path, cell: float,
                                                          expected: str) -> None:
    """A numeric postal cell that lost its zeros is padded to 7 digits: the length is fixed."""
    row = read_one(tmp_path, postal_code=cell)
    assert row.valid, row.problems
    assert row.values["postal_code"] == expected
    assert row.raw["郵便番号"] == cell


def test_numeric_postal_code_is_padded_for_a_postal_check_too() -> None:
    """A column that only checks postal codes pads a numeric cell the same way."""
    column = Column.model_validate({"check": "postal_code"})
    assert convert_cell(481501, column) == "0481501"
    assert convert_cell(481501, Column()) == "481501"


@pytest.mark.parametrize("cell", [4815, 9999, 12345678])
def test_numeric_postal_code_out_of_range_is_a_problem(tmp_path: Path, cell: int) -> None:
    """A number below 10000 (no such code starts 000) or above 7 digits is never padded."""
    found = problem_of(read_one(tmp_path, postal_code=cell))
    assert found.column == "郵便番号"
    assert found.en.startswith(f"not a 7-digit postal code: '{cell}' (the cell is a number")
    assert "数値のセル" in found.ja


def test_malformed_postal_code_is_a_problem(tmp_path: Path) -> None:
    """A postal code that is not 7 digits is a problem naming the column."""
    found = problem_of(read_one(tmp_path, postal_code="048-150"))
    assert found == Problem("郵便番号", "not a 7-digit postal code: '048-150'",
                            "郵便番号（7桁）として読めません: 「048-150」")


def test_text_postal_code_is_never_padded(tmp_path: Path) -> None:
    """A 6-digit postal code typed as text is a problem: only numeric cells are padded."""
    assert problem_of(read_one(tmp_path, postal_code="481501")).column == "郵便番号"


# --- required, choices, bools ----------------------------------------------------------------


@pytest.mark.parametrize("cell", [None, "", "   ", "\u3000"])
def test_required_missing(tmp_path: Path, cell: object) -> None:
    """A missing required cell is a problem naming the header, in English and Japanese."""
    row = read_one(tmp_path, name=cell)
    found = problem_of(row)
    assert found == Problem("氏名", "required value is missing", "必須項目が入力されていません")
    assert str(found) == "氏名: 必須項目が入力されていません / required value is missing"
    assert not row.valid
    assert row.key == "U1"


def test_several_problems_in_one_row(tmp_path: Path) -> None:
    """Every bad cell of a row is reported, in column order."""
    row = read_one(tmp_path, name="", sex="不明", moved_in="someday")
    assert [p.column for p in row.problems] == ["氏名", "性別", "転入日"]


def test_optional_empty_cells(tmp_path: Path) -> None:
    """Empty optional cells are '' for text and False for yes/no."""
    row = read_one(tmp_path, household_head=None, phone="", nhi=None)
    assert row.valid
    assert (row.values["household_head"], row.values["phone"], row.values["nhi"]) == ("", "", False)


def test_choices(tmp_path: Path) -> None:
    """A value outside ``choices`` is a problem listing the choices."""
    found = problem_of(read_one(tmp_path, sex="男性"))
    assert found == Problem("性別", "must be one of 男, 女: '男性'",
                            "男、女のいずれかを入力してください: 「男性」")


@pytest.mark.parametrize(("cell", "expected"), [("○", True), ("はい", True), ("YES", True),
                                                 ("×", False), ("-", False), ("", False)])
def test_bool_words(tmp_path: Path, cell: str, expected: bool) -> None:
    """Yes/no columns read the marks staff use."""
    assert read_one(tmp_path, nhi=cell).values["nhi"] is expected


def test_bool_nonsense_is_a_problem(tmp_path: Path) -> None:
    """A yes/no cell with another word is a problem."""
    assert problem_of(read_one(tmp_path, nhi="たぶん")).column == "国保加入"


# --- katakana --------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), [
    ("ヤマダ　タロウ", "ヤマダ　タロウ"),
    ("やまだ　たろう", "ヤマダ　タロウ"),
    ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ　タロウ"),
    ("ｶﾞｯﾂ　ﾊﾟﾝ", "ガッツ　パン"),
])
def test_kana_transformed_to_katakana(tmp_path: Path, cell: str, expected: str) -> None:
    """Hiragana and half-width kana readings are turned into full-width katakana."""
    row = read_one(tmp_path, name_kana=cell)
    assert row.valid, row.problems
    assert row.values["name_kana"] == expected


@pytest.mark.parametrize("cell", ["Yamada Taro", "山田　タロウ"])
def test_non_kana_reading_is_rejected(tmp_path: Path, cell: str) -> None:
    """A reading in romaji or kanji fails the katakana check, in both languages."""
    found = problem_of(read_one(tmp_path, name_kana=cell))
    assert found.column == "フリガナ"
    assert found.en == f"must be full-width katakana: {cell!r}"
    assert found.ja == f"全角カタカナで入力してください: 「{cell}」"


# --- My Number -------------------------------------------------------------------------------


def test_my_number_keeps_leading_zero(tmp_path: Path) -> None:
    """A text My Number with a leading zero is kept as written."""
    row = read_one(tmp_path, my_number=MY_NUMBER_ZERO)
    assert row.valid
    assert row.values["my_number"] == MY_NUMBER_ZERO


@pytest.mark.parametrize("cell", [
    MY_NUMBER[:-1] + "6",          # wrong check digit
    MY_NUMBER[:-1],                # 11 digits
    "7356-5833-2945",              # hyphens
])
def test_bad_my_number_is_a_problem_without_the_number(tmp_path: Path, cell: object) -> None:
    """An invalid My Number is a problem whose text never repeats the (secret) digits."""
    row = read_one(tmp_path, my_number=cell)
    found = problem_of(row)
    assert found == Problem("個人番号", "not a valid 12-digit My Number",
                            "個人番号（12桁）が正しくありません")
    assert str(cell).replace("-", "")[:8] not in str(found)


def test_numeric_my_number_that_lost_its_zero_is_not_padded(tmp_path: Path) -> None:
    """An 11-digit numeric My Number is a problem with the leading-zero hint, never padded."""
    found = problem_of(read_one(tmp_path, my_number=int(MY_NUMBER_ZERO)))
    assert found.column == "個人番号"
    assert found.en.startswith("not a valid 12-digit My Number (the cell is a number, so Excel "
                               "dropped any leading zero")
    assert found.ja.startswith("個人番号（12桁）が正しくありません（数値のセルのため")
    assert MY_NUMBER_ZERO.lstrip("0")[:8] not in str(found)


def test_numeric_twelve_digit_my_number_is_read(tmp_path: Path) -> None:
    """A 12-digit My Number stored as a number (no zero to lose) is read as its digits."""
    assert read_one(tmp_path, my_number=int(MY_NUMBER)).values["my_number"] == MY_NUMBER


# --- keys and headers ------------------------------------------------------------------------


def test_duplicate_key_in_one_file(tmp_path: Path) -> None:
    """The second row with an already-seen key is a problem naming the first row."""
    intake = read_cases(export(tmp_path / "cases.xlsx", person("U1"), person("U2"),
                               person("U1", name="山田　花子")), SPEC)
    first, second, third = intake.rows
    assert first.valid and second.valid
    assert problem_of(third) == Problem("受付番号", "duplicate of row 4 in this file",
                                        "4行目と重複しています")


def test_english_header_aliases(tmp_path: Path) -> None:
    """English header aliases (``name`` for ``氏名``) are recognised."""
    path = export(tmp_path / "cases.xlsx", person("U1"), headers=ENGLISH)
    row = read_cases(path, SPEC).rows[0]
    assert row.valid
    assert row.values["name"] == "山田　太郎"
    assert row.values["birth_date"] == date(1980, 1, 2)


def test_header_text_is_normalised(tmp_path: Path) -> None:
    """Full-width, padded and upper-case header text matches its alias."""
    headers = [" 受付番号 ", "ＮＡＭＥ", "Name_Kana", "性別\u3000", *HEADERS[4:]]
    path = export(tmp_path / "cases.xlsx", person("U1"), headers=headers)
    intake = read_cases(path, SPEC)
    assert intake.rows[0].valid
    assert intake.rows[0].values["name"] == "山田　太郎"
    assert intake.rows[0].values["name_kana"] == "ヤマダ　タロウ"


def test_columns_in_any_order(tmp_path: Path) -> None:
    """Columns are found by header, whatever their order."""
    order = list(reversed(range(13)))
    path = export(tmp_path / "cases.xlsx", [person("U1")[i] for i in order],
                  headers=[HEADERS[i] for i in order])
    assert read_cases(path, SPEC).rows[0].values["my_number"] == MY_NUMBER


def test_no_header_row(tmp_path: Path) -> None:
    """No header row is a CaseDataError naming the file, the sheets and the closest row."""
    path = write_workbook(tmp_path / "cases.xlsx", [["氏名", "住所"], ["山田", "北海道"]],
                          after=["集計"])
    with pytest.raises(CaseDataError) as caught:
        read_cases(path, SPEC)
    assert str(caught.value) == (
        f"{path}: no header row with the required columns (受付番号, 氏名, フリガナ, 性別, "
        "生年月日, 郵便番号, 住所, 転入日, 個人番号) in the first 30 rows of 受付一覧, 集計 "
        "(closest: row 1 of 受付一覧, which lacks 受付番号, フリガナ, 性別, 生年月日, 郵便番号, "
        "転入日, 個人番号)")


def test_header_below_row_30_is_not_found(tmp_path: Path) -> None:
    """The header must be within the first 30 rows."""
    path = write_workbook(tmp_path / "cases.xlsx",
                          [[f"メモ {i}"] for i in range(30)] + [HEADERS, person()])
    with pytest.raises(CaseDataError, match="no header row"):
        read_cases(path, SPEC)


def test_named_sheet_missing(tmp_path: Path) -> None:
    """An input spec naming a sheet the workbook lacks is a CaseDataError listing the sheets."""
    spec = SPEC.model_copy(update={"sheet": "転入"})
    path = export(tmp_path / "cases.xlsx", person())
    with pytest.raises(CaseDataError) as caught:
        read_cases(path, spec)
    assert str(caught.value) == f"{path}: no sheet named '転入' (sheets: 受付一覧)"


def test_named_sheet_is_used(tmp_path: Path) -> None:
    """With ``sheet:`` the named sheet is read even when another sheet comes first."""
    spec = InputSpec.model_validate({"key": "id", "sheet": "二",
                                     "columns": {"id": {"header": "番号", "required": True}}})
    path = write_workbook(tmp_path / "cases.xlsx", [["番号"], ["B1"]], title="二",
                          before=["一"])
    intake = read_cases(path, spec)
    assert (intake.sheet, [r.key for r in intake.rows]) == ("二", ["B1"])


def test_missing_file(tmp_path: Path) -> None:
    """A path that does not exist is a CaseDataError naming it."""
    path = tmp_path / "nope.xlsx"
    with pytest.raises(CaseDataError) as caught:
        read_cases(path, SPEC)
    assert str(caught.value) == f"{path}: no such file"


def test_text_file_renamed_xlsx(tmp_path: Path) -> None:
    """A text file named .xlsx is a CaseDataError naming the file."""
    path = tmp_path / "cases.xlsx"
    path.write_text("受付番号,氏名\nU1,山田\n", encoding="utf-8")
    with pytest.raises(CaseDataError) as caught:
        read_cases(path, SPEC)
    assert str(caught.value) == f"{path}: not a readable .xlsx workbook (File is not a zip file)"


@pytest.mark.parametrize("name", ["cases.ods", "cases.pdf", "cases"])
def test_unsupported_file_types(tmp_path: Path, name: str) -> None:
    """A file that is neither a workbook nor CSV/TSV is a CaseDataError naming its type."""
    path = tmp_path / name
    path.write_text("受付番号,氏名\nU1,山田\n", encoding="utf-8")
    with pytest.raises(CaseDataError, match=r"unsupported file type .* \(use \.xlsx, \.csv"):
        read_cases(path, SPEC)


def test_old_xls_workbook(tmp_path: Path) -> None:
    """An Excel 97-2003 file, whatever its name, is a CaseDataError asking for .xlsx."""
    path = tmp_path / "cases.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(CaseDataError) as caught:
        read_cases(path, SPEC)
    assert str(caught.value) == (f"{path}: an Excel 97-2003 workbook (.xls); open it in Excel "
                                 "and save it as .xlsx")


def test_workbook_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    """A real .xlsx renamed .csv is read by its content, not its name."""
    path = export(tmp_path / "cases.xlsx", person("U1"))
    renamed = path.rename(tmp_path / "cases.csv")
    assert [r.key for r in read_cases(renamed, SPEC).rows] == ["U1"]


# --- the committed sample --------------------------------------------------------------------


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def test_sample_file() -> None:
    """The committed sample: 50 rows, exactly the 3 intake-invalid ones, clean typed values."""
    expected = json.loads(SAMPLE_EXPECTED.read_text(encoding="utf-8"))
    intake = read_cases(SAMPLE_XLSX, SPEC)
    assert len(intake.rows) == 50
    assert len({r.key for r in intake.rows}) == 50

    at_intake = {"missing_required", "bad_reading", "bad_my_number"}
    wanted = {e["case_id"]: e["column"] for e in expected["invalid"] if e["reason"] in at_intake}
    assert len(wanted) == 3
    rejected = {r.key: [p.column for p in r.problems] for r in intake.rows if not r.valid}
    assert rejected == {key: [column] for key, column in wanted.items()}

    by_key = {r.key: r for r in intake.rows}
    assert len(expected["valid"]) == 46
    for clean in expected["valid"]:
        row = by_key[clean["case_id"]]
        assert row.valid, (row.key, row.problems)
        assert _plain(row.values) == clean, row.key
