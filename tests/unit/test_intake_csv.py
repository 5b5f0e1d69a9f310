"""Intake of CSV and TSV exports: encodings, quoting, Excel's habits, and broken files."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import MY_NUMBER, MY_NUMBER_ZERO, SHIPPED_BOTS, SHIPPED_SELECTORS

from robot_core.errors import CaseDataError
from robot_core.intake import CaseRow, read_cases
from robot_core.intake.delimited import BLOCK, detect_encoding
from robot_core.script.loader import load_bot

SPEC = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS).input
HEADER = "受付番号,氏名,フリガナ,性別,生年月日,郵便番号,住所,世帯主,電話番号,転入日,個人番号,国保加入,備考"
ROW = ("U1,山田　太郎,ヤマダ　タロウ,男,1980/01/02,0481501,北海道虻田郡みらい町栄町1丁目,,"
       f"0142-55-1234,2025/07/01,{MY_NUMBER},○,")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` in ``encoding``."""
    path.write_bytes(text.encode(encoding))
    return path


def only(path: Path, **options: Any) -> CaseRow:
    """The single case of ``path`` (spec updated with ``options``)."""
    rows = read_cases(path, SPEC.model_copy(update=options)).rows
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_plain_utf8_csv(tmp_path: Path, newline: str) -> None:
    """A UTF-8 CSV with CRLF or LF line ends reads like a workbook."""
    row = only(write(tmp_path / "c.csv", newline.join([HEADER, ROW, ""])))
    assert row.valid, row.problems
    assert row.values["postal_code"] == "048-1501"
    assert row.values["birth_date"] == date(1980, 1, 2)
    assert row.raw["個人番号"] == MY_NUMBER


def test_leading_zeros_are_text_in_csv(tmp_path: Path) -> None:
    """A CSV field is text: a My Number's leading zero is kept as written."""
    row = only(write(tmp_path / "c.csv", f"{HEADER}\n{ROW.replace(MY_NUMBER, MY_NUMBER_ZERO)}\n"))
    assert row.values["my_number"] == MY_NUMBER_ZERO


def test_six_digit_postal_text_is_not_padded(tmp_path: Path) -> None:
    """A CSV postal code of 6 digits is a problem: text is never padded."""
    row = only(write(tmp_path / "c.csv", f"{HEADER}\n{ROW.replace('0481501', '481501')}\n"))
    assert [p.column for p in row.problems] == ["郵便番号"]


def test_quoted_fields_with_commas_quotes_and_line_breaks(tmp_path: Path) -> None:
    """RFC 4180 quoting: a remark with a comma, a quote and a line break is one field."""
    text = f'{HEADER}\n{ROW}"窓口で確認, ""至急""\r\n2行目"\nU2{ROW[2:]}\n'
    rows = read_cases(write(tmp_path / "c.csv", text), SPEC).rows
    assert rows[0].values["remarks"] == '窓口で確認, "至急"\r\n2行目'
    assert [(r.row_number, r.key) for r in rows] == [(2, "U1"), (3, "U2")]


def test_excel_text_trick_is_unwrapped(tmp_path: Path) -> None:
    """``="0481501"`` (written so Excel keeps the zero) is read as 0481501."""
    for name, field in (("as_is.csv", '="0481501"'), ("quoted.csv", '"=""0481501"""')):
        text = HEADER + "\n" + ROW.replace("0481501", field) + "\n"
        assert only(write(tmp_path / name, text)).raw["郵便番号"] == "0481501"


def test_trailing_and_separator_rows_are_skipped(tmp_path: Path) -> None:
    """Rows of empty fields (Excel writes ``,,,,``) are not cases, wherever they are."""
    empty = "," * 12
    text = "\n".join([HEADER, ROW, empty, "", f"U2{ROW[2:]}", empty, empty, ""])
    rows = read_cases(write(tmp_path / "c.csv", text), SPEC).rows
    assert [(r.row_number, r.key) for r in rows] == [(2, "U1"), (5, "U2")]


def test_short_rows_refuse_the_file(tmp_path: Path) -> None:
    """A record with fewer fields than the header refuses the file, naming its line."""
    short = ",".join(ROW.split(",")[:11])
    path = write(tmp_path / "c.csv", f"{HEADER}\n{ROW}\n{short}\n")
    with pytest.raises(CaseDataError) as caught:
        read_cases(path, SPEC)
    assert str(caught.value) == (f"{path}: line 3: 11 fields where the header has 13 "
                                 "(a stray quote or delimiter?)")


@pytest.mark.parametrize(("encoding", "bom", "expected"), [
    ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
    ("utf-8", b"", "utf-8"),
    ("cp932", b"", "cp932"),
])
def test_detection_order(tmp_path: Path, encoding: str, bom: bytes, expected: str) -> None:
    """The BOM decides; without one, strict UTF-8 is tried, then CP932."""
    path = tmp_path / "c.csv"
    path.write_bytes(bom + f"{HEADER}\n{ROW}\n".encode(encoding))
    assert detect_encoding(path) == expected
    assert only(path).values["name"] == "山田　太郎"


def test_cp932_after_the_first_megabyte_is_still_detected(tmp_path: Path) -> None:
    """Detection reads the whole file: ASCII for a megabyte, then CP932, is CP932."""
    filler = "\n".join("," * 12 for _ in range(BLOCK // 12 + 10))
    path = write(tmp_path / "c.csv", f"{HEADER}\n{filler}\n{ROW}\n", "cp932")
    assert detect_encoding(path) == "cp932"
    assert only(path).key == "U1"


def test_ascii_only_file_is_utf8(tmp_path: Path) -> None:
    """A file of ASCII alone is UTF-8 (and CP932 would read it the same)."""
    path = write(tmp_path / "c.csv", "case_id,name\nA1,Taro\n")
    assert detect_encoding(path) == "utf-8"


def test_undecodable_cp932_is_a_case_data_error(tmp_path: Path) -> None:
    """Bytes that are neither UTF-8 nor CP932 stop the intake, naming the line."""
    path = tmp_path / "c.csv"
    path.write_bytes(f"{HEADER}\n".encode("cp932") + b"U1,\x82\xa0\x85\x40\n")
    with pytest.raises(CaseDataError, match=r"c\.csv: line 2 is not cp932 text"):
        read_cases(path, SPEC)


def test_binary_file_named_csv_is_a_case_data_error(tmp_path: Path) -> None:
    """A binary file named .csv is a CaseDataError naming it, not a crash."""
    path = tmp_path / "c.csv"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 64)
    with pytest.raises(CaseDataError, match=r"c\.csv: "):
        read_cases(path, SPEC)


@pytest.mark.parametrize("suffix", [".tsv", ".txt"])
def test_tab_separated(tmp_path: Path, suffix: str) -> None:
    """.tsv and .txt files are tab-separated; a comma inside a field is just a comma."""
    text = HEADER.replace(",", "\t") + "\n" + ROW.replace(",", "\t").replace("栄町", "栄町,") + "\n"
    row = only(write(tmp_path / f"c{suffix}", text, "utf-16"))
    assert row.values["address"] == "北海道虻田郡みらい町栄町,1丁目"


def test_csv_without_header_names_the_file(tmp_path: Path) -> None:
    """A CSV without the header is a CaseDataError naming the file as the table searched."""
    path = write(tmp_path / "c.csv", "a,b\n1,2\n")
    with pytest.raises(CaseDataError, match=r"in the first 30 rows of c\.csv \(closest: row 1,"):
        read_cases(path, SPEC)
