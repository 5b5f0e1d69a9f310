"""Tests of fixtures.cases.generate: determinism, the traps, My Number check digits, and that
expected.json says what the workbook holds.

The workbook is read back with parsing written here, not the generator's helpers, so that a
bug in a generator helper cannot hide behind the same helper in the check.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fixtures.cases import generate as gen
from fixtures.cases.formats import katakana_to_halfwidth
from fixtures.cases.people import FAMILY_NAMES, GIVEN_NAMES
from fixtures.town import POSTAL_CODES, UNKNOWN_POSTAL_CODE

REPO = Path(__file__).resolve().parents[2]
SAMPLE_XLSX = REPO / "fixtures" / "cases" / "sample.xlsx"
SAMPLE_JSON = REPO / "fixtures" / "cases" / "sample.expected.json"

# The contract the bot script depends on, spelled out here rather than imported.
HEADERS = [
    "受付番号",
    "氏名",
    "フリガナ",
    "性別",
    "生年月日",
    "郵便番号",
    "住所",
    "世帯主",
    "電話番号",
    "転入日",
    "個人番号",
    "国保加入",
    "備考",
]
COL = {header: i for i, header in enumerate(HEADERS)}
HEADER_ROW = 3
FIRST_DATA_ROW = 4
ADDRESS_PREFIX = "北海道虻田郡みらい町"
ERAS = {"明治": date(1868, 10, 23), "大正": date(1912, 7, 30), "昭和": date(1926, 12, 25)}
ERAS |= {"平成": date(1989, 1, 8), "令和": date(2019, 5, 1)}
ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}

WAREKI = re.compile(r"^(明治|大正|昭和|平成|令和)(元|\d{1,2})年(\d{1,2})月(\d{1,2})日$")
WAREKI_ABBR = re.compile(r"^([MTSHR])(\d{1,2})\.(\d{1,2})\.(\d{1,2})$")
SLASH = re.compile(r"^(\d{4})/(\d{2})/(\d{2})$")
ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
POSTAL = re.compile(r"^〒?(0\d{2})-?(\d{4})$")
KATAKANA_READING = re.compile(r"^[ァ-ヴー]+\u3000[ァ-ヴー]+$")


# --- independent read-back helpers ---------------------------------------------------------


def check_digit(first11: str) -> int:
    """個人番号 check digit, written from the published rule."""
    weights = [n + 1 if n <= 6 else n - 5 for n in range(1, 12)]
    digits_from_right = [int(d) for d in reversed(first11)]
    remainder = sum(p * q for p, q in zip(digits_from_right, weights, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def date_form(value: object) -> str:
    """Which of the five forms a date cell is in."""
    if isinstance(value, datetime):
        return "excel"
    assert isinstance(value, str), value
    for name, pattern in (
        ("slash", SLASH),
        ("iso", ISO),
        ("wareki", WAREKI),
        ("wareki_abbr", WAREKI_ABBR),
    ):
        if pattern.match(value):
            return name
    raise AssertionError(f"unrecognised date {value!r}")


def era_date(era: str, year: int, month: int, day: int) -> date:
    """Gregorian date of an era date, refusing dates before the era began."""
    start = ERAS[era]
    result = date(start.year + year - 1, month, day)
    assert result >= start, (era, year, month, day)
    later = [s for s in ERAS.values() if s > start]
    assert not later or result < min(later), f"{era}{year} is past the era's end"
    return result


def parse_date(value: object) -> date:
    """Any of the five forms -> date."""
    form = date_form(value)
    if form == "excel":
        assert isinstance(value, datetime)
        return value.date()
    assert isinstance(value, str)
    if form in {"slash", "iso"}:
        return date.fromisoformat(value.replace("/", "-"))
    if form == "wareki":
        m = WAREKI.match(value)
        assert m
        year = 1 if m[2] == "元" else int(m[2])
        return era_date(m[1], year, int(m[3]), int(m[4]))
    m = WAREKI_ABBR.match(value)
    assert m
    return era_date(ERA_LETTERS[m[1]], int(m[2]), int(m[3]), int(m[4]))


def postal_form(value: str) -> str:
    """hyphen / compact / mark."""
    if value.startswith("〒"):
        return "mark"
    return "hyphen" if "-" in value else "compact"


def reading_form(value: str) -> str:
    """katakana / hiragana / halfwidth."""
    if any("\uff61" <= ch <= "\uff9f" for ch in value):
        return "halfwidth"
    if any("ぁ" <= ch <= "ゖ" for ch in value):
        return "hiragana"
    return "katakana"


def normalise_reading(value: str) -> str:
    """Full-width katakana with an ideographic space, as the intake should produce."""
    text = unicodedata.normalize("NFKC", value).replace(" ", "\u3000")
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)


def normalise_postal(value: str) -> str:
    """``〒048-1501`` / ``0481501`` -> ``048-1501``."""
    m = POSTAL.match(value)
    assert m, value
    return f"{m[1]}-{m[2]}"


def read_case(values: list[Any]) -> dict[str, Any]:
    """One data row as an expected.json object."""
    return {
        "case_id": values[COL["受付番号"]],
        "name": values[COL["氏名"]],
        "name_kana": normalise_reading(values[COL["フリガナ"]]),
        "sex": values[COL["性別"]],
        "birth_date": parse_date(values[COL["生年月日"]]).isoformat(),
        "postal_code": normalise_postal(values[COL["郵便番号"]]),
        "address": values[COL["住所"]],
        "household_head": values[COL["世帯主"]],
        "phone": values[COL["電話番号"]] or "",
        "moved_in": parse_date(values[COL["転入日"]]).isoformat(),
        "my_number": values[COL["個人番号"]],
        "nhi": values[COL["国保加入"]] == "○",
        "remarks": values[COL["備考"]] or "",
    }


class Export:
    """A workbook read back, split into its parts."""

    def __init__(self, xlsx: Path, expected: Path) -> None:
        self.workbook = load_workbook(xlsx)
        self.sheet = self.workbook[self.workbook.sheetnames[0]]
        self.expected: dict[str, list[dict[str, Any]]] = json.loads(
            expected.read_text(encoding="utf-8")
        )
        all_rows = list(self.sheet.iter_rows(min_row=FIRST_DATA_ROW))
        self.data = [r for r in all_rows if r[0].value is not None]
        self.trailing = all_rows[len(self.data) :]

    def column(self, header: str) -> list[Any]:
        """Cells of one column in data rows."""
        return [row[COL[header]] for row in self.data]

    def valid_rows(self) -> Iterator[list[Any]]:
        """Cells of the rows expected.json lists as valid."""
        valid_ids = {case["case_id"] for case in self.expected["valid"]}
        return (row for row in self.data if row[0].value in valid_ids)

    def invalid_by_id(self) -> dict[str, dict[str, Any]]:
        """The invalid entries keyed by case_id."""
        return {case["case_id"]: case for case in self.expected["invalid"]}


def values_of(xlsx: Path) -> dict[str, list[list[tuple[Any, str]]]]:
    """Every cell's value and number format, per sheet: the content that must be deterministic."""
    workbook = load_workbook(xlsx)
    return {
        ws.title: [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()]
        for ws in workbook.worksheets
    }


def make(tmp: Path, name: str, count: int, seed: int, invalid: int = 0) -> Export:
    """Generate into ``tmp`` and read back."""
    xlsx, expected = tmp / f"{name}.xlsx", tmp / f"{name}.json"
    gen.generate(count, seed, xlsx, invalid=invalid, expected=expected)
    return Export(xlsx, expected)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Export:
    return Export(SAMPLE_XLSX, SAMPLE_JSON)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Export:
    """A 2,000-case all-valid export (the benchmark size)."""
    return make(tmp_path_factory.mktemp("big"), "big", 2000, 11)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Export:
    """A 200-case export with 10 invalid rows."""
    return make(tmp_path_factory.mktemp("mixed"), "mixed", 200, 99, invalid=10)


@pytest.fixture
def export(request: pytest.FixtureRequest) -> Export:
    """The export named by the test's parameter (sample, mixed or big)."""
    chosen: Export = request.getfixturevalue(request.param)
    return chosen


ALL_EXPORTS = pytest.mark.parametrize("export", ["sample", "mixed", "big"], indirect=True)


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_gives_same_content(tmp_path: Path) -> None:
    a = tmp_path / "a.xlsx"
    b = tmp_path / "b.xlsx"
    gen.generate(120, 7, a, invalid=4, expected=tmp_path / "a.json")
    gen.generate(120, 7, b, invalid=4, expected=tmp_path / "b.json")
    assert values_of(a) == values_of(b)
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_other_seed_gives_other_content(tmp_path: Path) -> None:
    gen.generate(120, 7, tmp_path / "a.xlsx")
    gen.generate(120, 8, tmp_path / "b.xlsx")
    assert values_of(tmp_path / "a.xlsx") != values_of(tmp_path / "b.xlsx")


def test_committed_sample_is_what_the_generator_makes(tmp_path: Path) -> None:
    xlsx, expected = tmp_path / "sample.xlsx", tmp_path / "sample.expected.json"
    gen.generate_sample(xlsx, expected)
    assert values_of(xlsx) == values_of(SAMPLE_XLSX)
    assert expected.read_text(encoding="utf-8") == SAMPLE_JSON.read_text(encoding="utf-8")


def test_command_line(tmp_path: Path) -> None:
    out, expected = tmp_path / "cli.xlsx", tmp_path / "cli.json"
    args = ["--count", "30", "--seed", "3", "--out", str(out), "--invalid", "5"]
    command = [sys.executable, "-m", "fixtures.cases.generate", *args, "--expected", str(expected)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    document = json.loads(expected.read_text(encoding="utf-8"))
    assert len(document["valid"]) == 25
    assert len(document["invalid"]) == 5
    gen.generate(30, 3, tmp_path / "api.xlsx", invalid=5)
    assert values_of(out) == values_of(tmp_path / "api.xlsx")


def test_command_line_rejects_missing_arguments() -> None:
    command = [sys.executable, "-m", "fixtures.cases.generate", "--count", "5"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "--out" in done.stderr


def test_two_thousand_cases_are_quick(tmp_path: Path) -> None:
    started = time.perf_counter()
    gen.generate(2000, 5, tmp_path / "b.xlsx", expected=tmp_path / "b.json")
    assert time.perf_counter() - started < 15


# --- layout traps --------------------------------------------------------------------------


@ALL_EXPORTS
def test_title_blank_row_and_header(export: Export) -> None:
    ws = export.sheet
    assert ws.title == "受付一覧"
    title = ws["A1"].value
    assert title.startswith("転入届 受付一覧（みらい町 住民窓口 ")
    assert title.endswith("日出力）")
    assert all(c.value is None for c in ws[1][1:])
    assert all(c.value is None for c in ws[2])
    assert [c.value for c in ws[HEADER_ROW]] == HEADERS


@ALL_EXPORTS
def test_summary_sheet_is_second_and_not_data(export: Export) -> None:
    assert export.workbook.sheetnames == ["受付一覧", "集計"]
    summary = export.workbook["集計"]
    labels = {row[0] for row in summary.iter_rows(values_only=True)}
    assert {"出力日", "出力者", "受付件数"} <= labels
    counts = {row[0]: row[1] for row in summary.iter_rows(values_only=True)}
    assert counts["受付件数"] == len(export.data)
    assert "受付番号" not in labels


@ALL_EXPORTS
def test_blank_trailing_rows_count_in_max_row(export: Export) -> None:
    last_data_row = FIRST_DATA_ROW + len(export.data) - 1
    assert 3 <= len(export.trailing) <= 5
    assert export.sheet.max_row == last_data_row + len(export.trailing)
    assert all(c.value in (None, "") for row in export.trailing for c in row)


@ALL_EXPORTS
def test_case_ids_are_sequential_text(export: Export) -> None:
    ids = [c.value for c in export.column("受付番号")]
    assert ids == [f"U2025-{n:04d}" for n in range(1, len(ids) + 1)]


@ALL_EXPORTS
def test_postal_codes_are_text_with_leading_zero(export: Export) -> None:
    cells = export.column("郵便番号")
    assert all(c.data_type == "s" and c.number_format == "@" for c in cells)
    assert all(POSTAL.match(c.value) for c in cells)
    assert {postal_form(c.value) for c in cells} == {"hyphen", "compact", "mark"}


@ALL_EXPORTS
def test_my_numbers_are_text_with_leading_zeros(export: Export) -> None:
    cells = [row[COL["個人番号"]] for row in export.valid_rows()]
    assert all(c.data_type == "s" and c.number_format == "@" for c in cells)
    assert all(re.fullmatch(r"\d{12}", c.value) for c in cells)
    assert sum(c.value.startswith("0") for c in cells) >= 0.2 * len(cells)
    assert len({c.value for c in cells}) == len(cells)


@ALL_EXPORTS
def test_birth_dates_come_in_all_five_forms(export: Export) -> None:
    cells = export.column("生年月日")
    forms = Counter(date_form(c.value) for c in cells)
    assert set(forms) == {"excel", "slash", "iso", "wareki", "wareki_abbr"}
    assert forms["excel"] >= 0.3 * len(cells)
    excel = [c for c in cells if isinstance(c.value, datetime)]
    assert all(c.number_format == "yyyy/mm/dd" for c in excel)
    assert all(c.data_type == "s" for c in cells if not isinstance(c.value, datetime))


@ALL_EXPORTS
def test_moved_in_dates_are_mixed_too(export: Export) -> None:
    cells = export.column("転入日")
    forms = Counter(date_form(c.value) for c in cells)
    assert {"excel", "slash", "wareki", "wareki_abbr"} <= set(forms)
    assert all(c.number_format == "yyyy/mm/dd" for c in cells if isinstance(c.value, datetime))


@ALL_EXPORTS
def test_era_boundary_births_are_written_in_wareki(export: Export) -> None:
    births = {c.value for c in export.column("生年月日")}
    assert {"昭和64年1月7日", "平成元年1月8日", "令和元年5月1日"} <= births
    assert "H31.4.30" in births


def test_sample_reading_traps(sample: Export) -> None:
    forms = Counter(reading_form(row[COL["フリガナ"]].value) for row in sample.valid_rows())
    assert forms["hiragana"] >= 3
    assert forms["halfwidth"] >= 1
    halfwidth = [
        row[COL["フリガナ"]].value
        for row in sample.valid_rows()
        if reading_form(row[COL["フリガナ"]].value) == "halfwidth"
    ]
    assert all(" " in value and "\u3000" not in value for value in halfwidth)


def test_reading_proportions_at_scale(big: Export) -> None:
    forms = Counter(reading_form(c.value) for c in big.column("フリガナ"))
    assert forms["hiragana"] == pytest.approx(200, abs=2)
    assert forms["halfwidth"] == pytest.approx(100, abs=2)


def test_sample_has_uncommon_kanji(sample: Export) -> None:
    families = {c.value.split("\u3000")[0] for c in sample.column("氏名") if c.value}
    assert {"髙橋", "齋藤", "渡邊"} <= families


# --- My Number check digits ----------------------------------------------------------------


def test_check_digit_reference_value() -> None:
    assert check_digit("12345678901") == 8
    assert check_digit("00000000000") == 0


@ALL_EXPORTS
def test_valid_my_numbers_have_correct_check_digits(export: Export) -> None:
    for row in export.valid_rows():
        number = row[COL["個人番号"]].value
        assert int(number[-1]) == check_digit(number[:-1]), number


# --- expected.json agrees with the workbook -------------------------------------------------


@ALL_EXPORTS
def test_expected_valid_cases_match_the_workbook(export: Export) -> None:
    read = [read_case([c.value for c in row]) for row in export.valid_rows()]
    assert read == export.expected["valid"]


@ALL_EXPORTS
def test_every_row_is_either_valid_or_invalid(export: Export) -> None:
    valid = [case["case_id"] for case in export.expected["valid"]]
    invalid = [case["case_id"] for case in export.expected["invalid"]]
    assert sorted(valid + invalid) == [c.value for c in export.column("受付番号")]


@ALL_EXPORTS
def test_valid_cases_are_plausible(export: Export) -> None:
    for case in export.expected["valid"]:
        family, given = case["name"].split("\u3000")
        assert given
        assert KATAKANA_READING.match(case["name_kana"])
        assert case["sex"] in {"男", "女"}
        assert case["postal_code"] in POSTAL_CODES
        assert case["address"].startswith(ADDRESS_PREFIX + POSTAL_CODES[case["postal_code"]])
        assert case["household_head"].split("\u3000")[0] == family
        born, moved_in = (
            date.fromisoformat(case["birth_date"]),
            date.fromisoformat(case["moved_in"]),
        )
        assert date(1912, 7, 30) <= born < moved_in
        assert date(2025, 6, 1) <= moved_in <= date(2025, 7, 15)
        assert 0 <= (date(2025, 7, 16) - born).days // 365.25 <= 95
        assert not case["remarks"].startswith("=")
        assert re.fullmatch(r"|0\d{1,3}-\d{2,4}-\d{4}", case["phone"])


def test_sample_invalid_rows(sample: Export) -> None:
    assert sample.expected["invalid"] == [
        {"case_id": "U2025-0007", "reason": "missing_required", "column": "氏名"},
        {"case_id": "U2025-0019", "reason": "bad_reading", "column": "フリガナ"},
        {"case_id": "U2025-0033", "reason": "bad_my_number", "column": "個人番号"},
        {"case_id": "U2025-0044", "reason": "unknown_postal_code", "column": "郵便番号"},
    ]
    assert len(sample.expected["valid"]) == 46


@pytest.mark.parametrize("export", ["sample", "mixed"], indirect=True)
def test_invalid_rows_show_their_defect(export: Export) -> None:
    invalid = export.invalid_by_id()
    assert invalid
    for row in export.data:
        case = invalid.get(row[0].value)
        if case is None:
            continue
        cell = row[COL[case["column"]]]
        reason = case["reason"]
        if reason == "missing_required":
            assert cell.value in (None, "")
        elif reason == "bad_reading":
            fixed = normalise_reading(cell.value)
            assert not KATAKANA_READING.match(fixed)
            assert re.search(r"[A-Za-z\u4e00-\u9fff]", fixed)
        elif reason == "bad_my_number":
            assert re.fullmatch(r"\d{11}", cell.value)
        else:
            assert reason == "unknown_postal_code"
            assert normalise_postal(cell.value) == UNKNOWN_POSTAL_CODE
            assert UNKNOWN_POSTAL_CODE not in POSTAL_CODES


def test_invalid_kinds_cycle(mixed: Export) -> None:
    reasons = [case["reason"] for case in mixed.expected["invalid"]]
    kinds = ["missing_required", "bad_reading", "bad_my_number", "unknown_postal_code"]
    assert reasons == [kinds[i % 4] for i in range(10)]


def test_invalid_zero_is_all_valid(big: Export) -> None:
    assert big.expected["invalid"] == []
    assert len(big.expected["valid"]) == 2000


@ALL_EXPORTS
def test_no_cell_starts_like_a_formula(export: Export) -> None:
    for row in export.sheet.iter_rows():
        for cell in row:
            assert not (isinstance(cell.value, str) and cell.value.startswith("="))
            assert cell.data_type != "f"


# --- name data ------------------------------------------------------------------------------


def test_name_data_is_big_enough() -> None:
    assert len(FAMILY_NAMES) >= 30
    assert len(GIVEN_NAMES) >= 40
    assert {g.sex for g in GIVEN_NAMES} == {"男", "女"}


@pytest.mark.parametrize("reading", [f.kana for f in FAMILY_NAMES] + [g.kana for g in GIVEN_NAMES])
def test_every_reading_has_a_halfwidth_form(reading: str) -> None:
    assert re.fullmatch(r"[ァ-ヴー]+", reading)
    assert unicodedata.normalize("NFKC", katakana_to_halfwidth(reading)) == reading
