"""Intake of .xlsx workbooks: what Excel and openpyxl write, read in flat memory."""

from __future__ import annotations

import io
import tracemalloc
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import MY_NUMBER, SHIPPED_BOTS, SHIPPED_SELECTORS, write_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.reader.strings import read_string_table as openpyxl_string_table

from fixtures.exports.excel_like import Error, Formula, Sheet, Text, write_xlsx
from robot_core.errors import CaseDataError
from robot_core.intake import ExcelError, UncachedFormula, read_cases
from robot_core.intake.compact import KeyIndex, StringTable
from robot_core.intake.xlsx import open_workbook, read_string_table
from robot_core.script.loader import load_bot
from robot_core.script.model import InputSpec

SPEC = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS).input
HEADERS = ["受付番号", "氏名", "フリガナ", "性別", "生年月日", "郵便番号", "住所", "転入日",
           "個人番号", "備考"]
SMALL = InputSpec.model_validate({"key": "id", "columns": {
    "id": {"header": "番号", "required": True}, "note": {"header": "備考"},
    "day": {"header": "日付", "type": "date"}, "flag": {"header": "済", "type": "bool"}}})


def row(case_id: str = "U1", **cells: Any) -> list[Any]:
    """A valid row in HEADERS order with ``cells`` replaced (by header)."""
    values: dict[str, Any] = dict(zip(HEADERS, [
        case_id, "山田　太郎", "ヤマダ　タロウ", "男", date(1980, 1, 2), Text("0481501"),
        "北海道虻田郡みらい町栄町1丁目", date(2025, 7, 1), Text(MY_NUMBER), None], strict=True))
    values.update(cells)
    return list(values.values())


def excel(path: Path, *rows: list[Any], state: str = "visible") -> Path:
    """A workbook as Excel saves it, holding HEADERS and ``rows``."""
    return write_xlsx(path, [Sheet("受付一覧", [HEADERS, *rows], state=state)])


def test_formula_written_by_openpyxl_has_no_value(tmp_path: Path) -> None:
    """A formula from a program (openpyxl saves no value) is a problem, not a blank."""
    path = write_workbook(tmp_path / "c.xlsx", [["番号", "備考"], ["A1", "=1+1"]])
    (case,) = read_cases(path, SMALL).rows
    assert isinstance(case.raw["備考"], UncachedFormula)
    assert [(p.column, p.en) for p in case.problems] == [
        ("備考", "the formula has no saved value: open the workbook in Excel and save it "
                 "again: '=1+1'")]


def test_formula_with_cached_value_is_read(tmp_path: Path) -> None:
    """Excel's saved value of a formula is what intake reads, of any type."""
    path = excel(tmp_path / "c.xlsx", row(
        "U1", 氏名=Formula('"山田"&"　太郎"', "山田　太郎"), 転入日=Formula("TODAY()", date(2025, 7, 1)),
        備考=Formula("1=1", True)))
    (case,) = read_cases(path, SPEC, today=date(2025, 7, 16)).rows
    assert case.valid, case.problems
    assert case.values["name"] == "山田　太郎"
    assert case.values["moved_in"] == date(2025, 7, 1)
    assert case.values["remarks"] == "TRUE"


def test_formula_with_an_empty_text_result_is_blank(tmp_path: Path) -> None:
    """A formula Excel calculated to "" (``t="str"``, empty value) is an empty cell."""
    path = excel(tmp_path / "c.xlsx", row("U1", 備考=Formula('IF(1=2,"x","")', "")))
    (case,) = read_cases(path, SPEC, today=date(2025, 7, 16)).rows
    assert case.valid, case.problems
    assert case.values["remarks"] == ""


@pytest.mark.parametrize("code", ["#N/A", "#DIV/0!", "#REF!", "#VALUE!"])
def test_error_values_are_problems(tmp_path: Path, code: str) -> None:
    """A cell showing an Excel error, even in an optional column, is a problem."""
    path = excel(tmp_path / "c.xlsx", row("U1", 備考=Formula("X()", Error(code))),
                 row("U2", 備考=Error(code)))
    for case in read_cases(path, SPEC, today=date(2025, 7, 16)).rows:
        assert isinstance(case.raw["備考"], ExcelError)
        assert [(p.column, p.en, p.ja) for p in case.problems] == [
            ("備考", f"the cell shows the Excel error {code}", f"セルがエラー値 {code} になっています")]


def test_excel_dates_and_datetimes(tmp_path: Path) -> None:
    """Date cells are dates; a datetime keeps only its day."""
    path = excel(tmp_path / "c.xlsx", row("U1", 生年月日=datetime(1980, 1, 2, 13, 45)))
    (case,) = read_cases(path, SPEC, today=date(2025, 7, 16)).rows
    assert case.values["birth_date"] == date(1980, 1, 2)
    assert case.raw["生年月日"] == datetime(1980, 1, 2, 13, 45)


def test_booleans_and_numbers_in_text_and_flag_columns(tmp_path: Path) -> None:
    """TRUE/FALSE cells are yes/no; 1.0 is 1; a number in a text column is its digits."""
    path = write_workbook(tmp_path / "c.xlsx", [["番号", "済", "備考"], [101, True, 1.5],
                                                [102.0, 0, 7], [103, 1.0, None]])
    rows = read_cases(path, SMALL).rows
    assert [(r.key, r.values["flag"], r.values["note"]) for r in rows] == [
        ("101", True, "1.5"), ("102", False, "7"), ("103", True, "")]


def test_only_hidden_sheets_hold_the_table(tmp_path: Path) -> None:
    """When the table is on a hidden sheet, the error says so and how to read it."""
    path = write_xlsx(tmp_path / "c.xlsx", [Sheet("表紙", [["転入届"]]),
                                            Sheet("データ", [HEADERS, row()], state="hidden")])
    with pytest.raises(CaseDataError) as caught:
        read_cases(path, SPEC)
    assert str(caught.value).endswith(
        "; hidden sheets are not read: データ (name one in input.sheet)")


def test_first_visible_sheet_with_a_header_wins(tmp_path: Path) -> None:
    """Sheets are searched in order: a cover sheet is passed over, the next table read."""
    path = write_xlsx(tmp_path / "c.xlsx", [
        Sheet("表紙", [["転入届"], ["件数", 2]]), Sheet("一覧", [HEADERS, row("A")]),
        Sheet("控え", [HEADERS, row("B")])])
    intake = read_cases(path, SPEC, today=date(2025, 7, 16))
    assert (intake.sheet, [r.key for r in intake.rows]) == ("一覧", ["A"])


def test_missing_rows_keep_their_numbers(tmp_path: Path) -> None:
    """Row numbers are Excel's, even when the file skips empty rows."""
    path = write_workbook(tmp_path / "c.xlsx", [["番号"], ["A1"], [], [], ["A4"]])
    assert [(r.row_number, r.key) for r in read_cases(path, SMALL).rows] == [(2, "A1"),
                                                                             (5, "A4")]


def test_shared_strings_match_openpyxl() -> None:
    """Rich-text runs are joined and phonetic guides (ルビ) left out, as openpyxl does."""
    xml = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<si><r><t>山田</t></r><r><rPr><b/></rPr><t>太郎</t></r>'
           '<rPh sb="0" eb="2"><t>ヤマダ</t></rPh></si>'
           '<si><t xml:space="preserve"> 余白 </t></si><si><t/></si><si><t>a_x005F_b</t></si>'
           "</sst>").encode()
    ours = read_string_table(io.BytesIO(xml))
    assert [ours[i] for i in range(len(ours))] == openpyxl_string_table(io.BytesIO(xml))
    assert ours[0] == "山田太郎"


def test_string_table_round_trip() -> None:
    """The compact table gives back every string, empty and multi-byte ones included."""
    table = StringTable()
    words = ["", "髙橋", "a", "", "ｶﾞ", "x" * 1000]
    for word in words:
        table.append(word)
    assert [table[i] for i in range(len(table))] == words


def test_key_index_is_exact_across_growth() -> None:
    """Every key keeps its first row through many table resizes; new keys get their own."""
    index = KeyIndex()
    keys = [f"U{i:06d}" for i in range(5_000)] + ["", "髙橋", "U000001 "]
    assert [index.first_row(k, n) for n, k in enumerate(keys)] == list(range(len(keys)))
    assert [index.first_row(k, 99_999) for k in keys] == list(range(len(keys)))
    assert len(index) == len(keys)


def test_key_index_compares_keys_not_hashes() -> None:
    """Keys whose hashes collide in the table are still told apart."""
    index = KeyIndex()
    same_slot = [k for k in (f"K{i}" for i in range(20_000)) if hash(k) % 1024 == 7][:5]
    assert [index.first_row(k, n) for n, k in enumerate(same_slot)] == [0, 1, 2, 3, 4]
    assert index.first_row(same_slot[3], 50) == 3


def test_inline_rich_text_reads_as_openpyxl_reads_it(tmp_path: Path) -> None:
    """Inline rich text (openpyxl's own output) gives the same text as openpyxl's reader."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["番号", "備考"])
    sheet.append(["A1", CellRichText(["至急", TextBlock(InlineFont(b=True), " 再確認 "), "要"])])
    book.save(tmp_path / "c.xlsx")
    expected = openpyxl.load_workbook(tmp_path / "c.xlsx", read_only=True)
    note = next(expected.active.iter_rows(min_row=2, values_only=True))[1]
    expected.close()
    assert read_cases(tmp_path / "c.xlsx", SMALL).rows[0].raw["備考"] == note == "至急 再確認 要"


def _peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        source = open_workbook(path, None)
        for _, rows in source.tables():
            for _ in rows:
                pass
        source.close()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_rows_grow(tmp_path: Path) -> None:
    """Reading 10x the rows costs well under 2x the peak memory (rows are not kept)."""
    peaks = []
    for count in (1_000, 10_000):
        path = write_xlsx(tmp_path / f"{count}.xlsx",
                          [Sheet("s", ([f"U{i:06d}", "男", i] for i in range(count)))])
        peaks.append(_peak_bytes(path))
    assert peaks[1] < 2 * peaks[0], peaks


def test_unreadable_workbook(tmp_path: Path) -> None:
    """A broken zip named .xlsx is a CaseDataError and leaves no file open."""
    path = tmp_path / "c.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(CaseDataError, match=r"c\.xlsx: not a readable \.xlsx workbook"):
        read_cases(path, SPEC)
