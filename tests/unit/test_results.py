"""The results workbook: text never becomes a formula, secrets are masked, rows show the status."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import MY_NUMBER, MY_NUMBER_ZERO, SHIPPED_BOTS, SHIPPED_SELECTORS
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from robot_core.evidence.results import (
    EXTRA_HEADERS,
    Layout,
    StopRequested,
    escape_formula,
    write_outcome,
    write_results,
)
from robot_core.intake import CaseRow, Intake, Problem, read_cases
from robot_core.outcome import CaseResult, RunOutcome, Status
from robot_core.script.loader import load_bot
from robot_core.vault import MASK

HEADERS = ["受付番号", "氏名", "郵便番号", "電話番号", "備考", "個人番号", "金額", "転入日", ""]
OUTPUTS = ["registration_number"]
NUMERIC_MY_NUMBER = 11507416758  # a My Number cell that Excel turned into a number
SECRETS = (MY_NUMBER, MY_NUMBER_ZERO, str(NUMERIC_MY_NUMBER))

RAW: list[dict[str, Any]] = [
    {"受付番号": "U1", "氏名": "=1+1", "郵便番号": "0481501", "電話番号": "+81-90-1234-5678",
     "備考": "@SUM(A1:A3)", "個人番号": MY_NUMBER, "金額": "-5",
     "転入日": datetime(2025, 7, 1)},
    {"受付番号": "U2", "氏名": "-5", "郵便番号": "048-1501", "電話番号": "=HYPERLINK(\"x\")",
     "備考": "0", "個人番号": MY_NUMBER_ZERO, "金額": 12, "転入日": "R7.7.2"},
    {"受付番号": "U3", "氏名": "山田", "郵便番号": "0010001", "電話番号": None,
     "備考": "\t=cmd|' /C calc'!A0", "個人番号": NUMERIC_MY_NUMBER, "金額": 1.5,
     "転入日": None},
    {"受付番号": "U4", "氏名": "佐藤", "郵便番号": "0000000", "電話番号": "",
     "備考": None, "個人番号": None, "金額": None, "転入日": date(2025, 7, 4)},
]
RESULTS = [
    CaseResult("U1", 2, Status.DONE, outputs={"registration_number": "0012345"}, attempts=1),
    CaseResult("U2", 3, Status.BUSINESS_FAILED, error="登録できません: =住所が不正です",
               screenshot="screenshots/U2-a1-BusinessError.png", attempts=1),
    CaseResult("U3", 4, Status.FAILED, error="TargetNotFound: form.name", attempts=4),
    CaseResult("U4", 5, Status.PENDING),
]


def _intake(tmp_path: Path) -> Intake:
    rows = [CaseRow(i + 2, raw["受付番号"], {}, raw) for i, raw in enumerate(RAW)]
    return Intake(tmp_path / "cases.xlsx", "受付一覧", HEADERS, rows)


def _write(tmp_path: Path, results: list[CaseResult] = RESULTS) -> Path:
    outcome = RunOutcome("20250716-090000-demo-abcd", "demo", list(results))
    return write_outcome(tmp_path / "out" / "results.xlsx", _intake(tmp_path), outcome,
                         OUTPUTS, {"個人番号"})


@pytest.fixture
def book(tmp_path: Path) -> Any:
    """The results workbook written from RAW and RESULTS, reopened."""
    return load_workbook(_write(tmp_path))


def _column(sheet: Any, header: str) -> list[Any]:
    headers = [c.value for c in sheet[1]]
    index = headers.index(header)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


def test_headers(book: Any) -> None:
    """Input headers (blanks dropped), outputs, then status, error, screenshot, attempts."""
    sheet = book["結果"]
    assert book.sheetnames == ["結果", "集計"]
    assert [c.value for c in sheet[1]] == [*HEADERS[:-1], *OUTPUTS, *EXTRA_HEADERS]
    assert all(c.font.b for c in sheet[1])
    assert sheet.max_row == 5


@pytest.mark.parametrize(("header", "row", "text"), [
    ("氏名", 0, "=1+1"),
    ("電話番号", 0, "+81-90-1234-5678"),
    ("金額", 0, "-5"),
    ("備考", 0, "@SUM(A1:A3)"),
    ("氏名", 1, "-5"),
    ("電話番号", 1, "=HYPERLINK(\"x\")"),
    ("備考", 2, "\t=cmd|' /C calc'!A0"),
])
def test_formula_like_text_is_escaped(book: Any, header: str, row: int, text: str) -> None:
    """A text a spreadsheet would run is a string cell behind an apostrophe, else unchanged."""
    cell = _column(book["結果"], header)[row]
    assert cell.data_type == "s"
    assert cell.value == "'" + text


def test_error_text_is_escaped_only_when_it_starts_a_formula(book: Any) -> None:
    """An error message with ``=`` inside stays as written; only a leading one is escaped."""
    assert _column(book["結果"], "エラー (error)")[1].value == "登録できません: =住所が不正です"


@pytest.mark.parametrize(("text", "escaped"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\r=1", "'\r=1"),
    ("＝1+1", "'＝1+1"), ("＋1", "'＋1"), ("－1", "'－1"), ("＠A1", "'＠A1"),
    ("1=1", "1=1"), ("'=1", "'=1"), ("0481501", "0481501"), ("", ""),
])
def test_escape_formula(text: str, escaped: str) -> None:
    """The OWASP escape: a leading = + - @ tab or CR (or a full-width one) gets an apostrophe."""
    assert escape_formula(text) == escaped


def test_no_formula_in_the_file(tmp_path: Path) -> None:
    """The sheet XML holds no formula element at all."""
    with zipfile.ZipFile(_write(tmp_path)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert "<f>" not in archive.read(name).decode("utf-8")


def test_leading_zeros_kept(book: Any) -> None:
    """Postal codes and outputs written as text keep their leading zeros."""
    sheet = book["結果"]
    assert [c.value for c in _column(sheet, "郵便番号")] == ["0481501", "048-1501", "0010001",
                                                          "0000000"]
    assert all(c.data_type == "s" for c in _column(sheet, "郵便番号"))
    assert _column(sheet, "registration_number")[0].value == "0012345"
    assert _column(sheet, "備考")[1].value == "0"


def test_numbers_and_dates_keep_their_type(book: Any) -> None:
    """Numeric cells stay numbers and Excel dates stay dates."""
    sheet = book["結果"]
    amounts = _column(sheet, "金額")
    assert (amounts[1].value, amounts[1].data_type) == (12, "n")
    assert (amounts[2].value, amounts[2].data_type) == (1.5, "n")
    moved = _column(sheet, "転入日")
    assert moved[0].is_date and moved[0].value == datetime(2025, 7, 1)
    assert moved[0].number_format == "yyyy/mm/dd"
    assert moved[1].value == "R7.7.2"
    assert moved[2].value is None


def test_secret_column_masked_everywhere(tmp_path: Path) -> None:
    """No My Number digits appear in any cell of any sheet, nor in any part of the file."""
    path = _write(tmp_path)
    book = load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                for secret in SECRETS:
                    assert secret not in str(cell.value), (sheet.title, cell.coordinate)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            for secret in SECRETS:
                assert secret.encode() not in data, name
    assert [c.value for c in _column(book["結果"], "個人番号")] == [MASK, MASK, MASK, None]


def test_status_error_screenshot_attempts(book: Any) -> None:
    """Each row shows its status in Japanese and English, its error, screenshot and attempts."""
    sheet = book["結果"]
    assert [c.value for c in _column(sheet, "状態 (status)")] == [
        "完了 (done)", "要確認（データ） (business_failed)", "システムエラー (failed)",
        "未処理 (pending)"]
    assert [c.value for c in _column(sheet, "エラー (error)")] == [
        None, "登録できません: =住所が不正です", "TargetNotFound: form.name", None]
    assert _column(sheet, "証跡 (screenshot)")[1].value == "screenshots/U2-a1-BusinessError.png"
    assert [c.value for c in _column(sheet, "試行 (attempts)")] == [1, 1, 4, 0]


def test_header_frozen_and_filtered(book: Any) -> None:
    """The header row is frozen and the whole table has an auto-filter."""
    sheet = book["結果"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(sheet.max_column)}5"


def test_rows_coloured_by_status(book: Any) -> None:
    """Every cell of a row has its status colour; the four statuses differ."""
    sheet = book["結果"]
    colours = []
    for row in sheet.iter_rows(min_row=2):
        fills = {(c.fill.fill_type, c.fill.fgColor.rgb) for c in row}
        assert len(fills) == 1
        colours.append(fills.pop())
    assert all(kind == "solid" for kind, _ in colours)
    assert len({rgb for _, rgb in colours}) == 4
    done, business, _failed, _pending = colours
    assert done != business
    assert sheet["A1"].fill.fill_type is None


def test_summary_sheet(book: Any) -> None:
    """The 集計 sheet names the bot, run and input, and counts cases per status."""
    rows = {label: value for label, value in book["集計"].iter_rows(values_only=True)}
    assert rows == {
        "ボット (bot)": "demo", "実行ID (run)": "20250716-090000-demo-abcd",
        "入力ファイル (input)": "cases.xlsx", "件数 (cases)": 4,
        "完了 (done)": 1, "要確認（データ） (business_failed)": 1,
        "システムエラー (failed)": 1, "未処理 (pending)": 1,
    }


def test_case_missing_from_outcome_is_pending_and_counted(tmp_path: Path) -> None:
    """A row with no result is written as pending and counted as pending in the summary."""
    book = load_workbook(_write(tmp_path, RESULTS[:3]))
    assert _column(book["結果"], "状態 (status)")[3].value == "未処理 (pending)"
    rows = dict(book["集計"].iter_rows(values_only=True))
    assert rows["未処理 (pending)"] == 1
    assert rows["件数 (cases)"] == 4


def test_rewrite_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    """Writing twice replaces the workbook and leaves no temporary file behind."""
    first = _write(tmp_path)
    second = _write(tmp_path, [CaseResult("U1", 2, Status.DONE)])
    assert first == second
    assert [p.name for p in first.parent.iterdir()] == ["results.xlsx"]
    statuses = [c.value for c in _column(load_workbook(second)["結果"], "状態 (status)")]
    assert statuses == ["完了 (done)", "未処理 (pending)", "未処理 (pending)", "未処理 (pending)"]


# --- whole-workbook scans --------------------------------------------------------------------

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def scan(path: Path) -> list[tuple[str, str, Any]]:
    """Every (sheet, cell, value) of the workbook at ``path`` that is or starts a formula."""
    found = []
    for formulas in (True, False):
        book = load_workbook(path, data_only=not formulas)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    value = cell.value
                    if cell.data_type == "f" or (isinstance(value, str)
                                                 and value.startswith(DANGEROUS)):
                        found.append((sheet.title, cell.coordinate, value))
    return found


def test_no_cell_is_or_starts_a_formula(tmp_path: Path) -> None:
    """Read back with and without data_only, no cell is a formula or starts like one."""
    assert scan(_write(tmp_path)) == []


def test_header_text_from_the_file_is_escaped(tmp_path: Path) -> None:
    """A header cell of the input that looks like a formula is escaped too."""
    rows = [CaseRow(2, "U1", {}, {"受付番号": "U1", "=SUM(A1:A9)": "x"})]
    intake = Intake(tmp_path / "c.xlsx", "s", ["受付番号", "=SUM(A1:A9)"], rows)
    path = write_outcome(tmp_path / "r.xlsx", intake, RunOutcome("r", "b", []), [], set())
    assert scan(path) == []
    assert load_workbook(path)["結果"]["B1"].value == "'=SUM(A1:A9)"


@pytest.mark.parametrize("header", ["個人番号 ", "ＭＹ＿ＮＵＭＢＥＲ", "My Number", "本人確認/個人番号"])
def test_secret_masked_under_any_header_form_intake_accepts(tmp_path: Path, header: str) -> None:
    """A secret column is masked whether its header is padded, full-width, or 親/子."""
    rows = [CaseRow(2, "U1", {}, {"受付番号": "U1", header: MY_NUMBER})]
    intake = Intake(tmp_path / "c.xlsx", "s", ["受付番号", header], rows)
    path = write_outcome(tmp_path / "r.xlsx", intake, RunOutcome("r", "b", []), [],
                         {"個人番号", "my_number"})
    assert load_workbook(path)["結果"]["B2"].value == MASK


def test_secret_masked_from_the_intake_alone(tmp_path: Path) -> None:
    """The headers intake marked secret are masked even when the caller passes none."""
    rows = [CaseRow(2, "U1", {}, {"受付番号": "U1", "番号（秘）": MY_NUMBER})]
    intake = Intake(tmp_path / "c.xlsx", "s", ["受付番号", "番号（秘）"], rows,
                    secret_headers=frozenset({"番号（秘）"}))
    path = write_outcome(tmp_path / "r.xlsx", intake, RunOutcome("r", "b", []), [], set())
    assert load_workbook(path)["結果"]["B2"].value == MASK


EXPORTS = Path(__file__).resolve().parents[2] / "fixtures" / "exports"
EXPORT_FILES = sorted(p.name for p in EXPORTS.glob("cases_*"))


@pytest.mark.parametrize("name", EXPORT_FILES)
def test_results_of_every_export(tmp_path: Path, name: str) -> None:
    """From each real export: no formula, every text zero kept, no secret anywhere."""
    bot = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS)
    intake = read_cases(EXPORTS / name, bot.input, today=date(2025, 7, 16))
    results = [CaseResult(c.key, c.row_number, Status.DONE if c.valid else Status.BUSINESS_FAILED,
                          outputs={"registration_number": "0000123"}) for c in intake.rows]
    secret = {h for n in bot.secret_columns() for h in (*bot.input.columns[n].header, n)}
    path = write_outcome(tmp_path / "r.xlsx", intake, RunOutcome("r", bot.name, results),
                         bot.outputs, secret)
    assert scan(path) == []
    sheet = load_workbook(path)["結果"]
    headers = [c.value for c in sheet[1]]
    for case, line in zip(intake.rows, sheet.iter_rows(min_row=2), strict=True):
        cells = dict(zip(headers, line, strict=True))
        assert cells["registration_number"].value == "0000123"
        for header, raw in case.raw.items():
            if header in intake.secret_headers:
                assert cells[header].value in (MASK, None), header
            elif isinstance(raw, str) and raw.startswith("0"):
                assert (cells[header].value, cells[header].data_type) == (raw, "s"), header
    with zipfile.ZipFile(path) as archive:
        blob = b"".join(archive.read(n) for n in archive.namelist())
    numbers = {str(c.raw.get(h)).lstrip("0") for c in intake.rows for h in intake.secret_headers}
    assert all(n.encode() not in blob for n in numbers if n not in ("", "None"))


# --- streaming, control characters, warnings, stops -----------------------------------------

def _layout(tmp_path: Path) -> Layout:
    return Layout(["受付番号", "備考"], [], set(), str(tmp_path / "c.csv"), "r", "b")


def test_control_characters_never_break_the_workbook(tmp_path: Path) -> None:
    """C0 controls, lone surrogates and U+FFFF are written as visible escapes, never raised."""
    rows = [CaseRow(2, "U1", {}, {"受付番号": "U1", "備考": "a\x1bb\x00c\x07\udc80\uffff"})]
    path = write_results(tmp_path / "r.xlsx", _layout(tmp_path),
                         zip(rows, [CaseResult("U1", 2, Status.FAILED, error="e\x1b")],
                             strict=True))
    sheet = load_workbook(path)["結果"]
    assert sheet["B2"].value == "a\\x1bb\\x00c\\x07\\udc80\\uffff"
    assert _column(sheet, "エラー (error)")[0].value == "e\\x1b"


def test_warnings_column_lists_each_warning(tmp_path: Path) -> None:
    """A row's warnings appear, one per line, in the warnings column; others stay empty."""
    warn = Problem("郵便番号", "a number read as text", "数値を文字列として読みました")
    rows = [CaseRow(2, "U1", {}, {"受付番号": "U1"}, warnings=[warn, warn]),
            CaseRow(3, "U2", {}, {"受付番号": "U2"})]
    path = write_results(tmp_path / "r.xlsx", _layout(tmp_path),
                         ((r, CaseResult(r.key, r.row_number, Status.DONE)) for r in rows))
    cells = _column(load_workbook(path)["結果"], "警告 (warnings)")
    assert cells[0].value == f"{warn}\n{warn}"
    assert cells[1].value is None


def test_rows_are_taken_from_a_stream_once(tmp_path: Path) -> None:
    """A generator of pairs is consumed once, in order, and the summary counts what it gave."""
    def pairs() -> Any:
        for i in range(1000):
            yield (CaseRow(i + 2, f"U{i}", {}, {"受付番号": f"U{i}"}),
                   CaseResult(f"U{i}", i + 2, Status.DONE if i % 2 else Status.FAILED))
    book = load_workbook(write_results(tmp_path / "r.xlsx", _layout(tmp_path), pairs()))
    assert [c.value for c in _column(book["結果"], "受付番号")][::333] == ["U0", "U333", "U666",
                                                                       "U999"]
    summary = dict(book["集計"].iter_rows(values_only=True))
    assert (summary["件数 (cases)"], summary["完了 (done)"]) == (1000, 500)
    assert book["結果"].auto_filter.ref == "A1:G1001"


def test_a_stop_keeps_the_old_workbook_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    """When ``stop`` says so mid-way, StopRequested is raised and the old workbook stays."""
    old = _write(tmp_path)
    before = old.read_bytes()
    rows = ((CaseRow(i, f"U{i}", {}, {"受付番号": f"U{i}"}), CaseResult(f"U{i}", i, Status.DONE))
            for i in range(2, 5000))
    with pytest.raises(StopRequested):
        write_results(old, _layout(tmp_path), rows, stop=lambda: True)
    assert old.read_bytes() == before
    assert [p.name for p in old.parent.iterdir()] == ["results.xlsx"]
