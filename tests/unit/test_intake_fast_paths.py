"""Intake's fast paths decide exactly what the slow, per-character and per-cell paths decide."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from robot_core.intake import CellError, convert_cell
from robot_core.intake.cells import converter
from robot_core.intake.policy import ALLOWANCES, check_chars, kind_of
from robot_core.script.model import Column

#: The whole BMP, and the edges of the supplementary planes (private use in planes 15 and 16).
SAMPLE = [*range(0x10000), *range(0x10000, 0x10100), *range(0xEFF00, 0xF0100),
          *range(0xFFF00, 0x100100), *range(0x10FF00, 0x110000)]
TODAY = date(2025, 7, 16)


def test_one_scan_refuses_what_the_per_character_classes_refuse() -> None:
    """Under each set of allowances, a character is refused exactly when ``kind_of`` classes
    it and the allowances do not let its class through."""
    kinds = {point: kind_of(chr(point)) for point in SAMPLE}
    for count in range(len(ALLOWANCES) + 1):
        for allow in itertools.combinations(ALLOWANCES, count):
            for point, kind in kinds.items():
                refused = check_chars(f"a{chr(point)}b", allow) is not None
                assert refused == (kind is not None and kind not in allow), (hex(point), allow)


@pytest.mark.parametrize("text", ["_x001B_", "名前_x202E_", "_x000a_"])
def test_an_escaped_control_character_is_still_found(text: str) -> None:
    """A workbook's ``_xHHHH_`` form of a refused character is refused, named as written."""
    finding = check_chars(text, ())
    assert finding is not None and "written as _x" in finding.en


def test_a_stream_converter_gives_what_convert_cell_gives() -> None:
    """The per-column converter a stream uses, remembering values, agrees with
    ``convert_cell`` on repeated cells, good and bad, of every type."""
    columns = [Column(), Column(required=True, choices=("男", "女")),
               Column(type="date", max="today"), Column(type="int", min=0),
               Column(type="bool"), Column(transform=("postal_code",)),
               Column(transform=("zenkaku", "katakana"), check="katakana")]
    cells = ["男", "女", "", "　", "2025/07/01", "2099/01/01", "-5", "12", "はい", "0481501",
             "やまだ", "=1+1", "a\u202eb", 481501, None, True, date(2025, 1, 1)]
    for column in columns:
        convert = converter(column, today=TODAY)
        for cell in cells * 3:
            try:
                expected = ("ok", convert_cell(cell, column, today=TODAY))
            except CellError as exc:
                expected = ("refused", exc.en)
            try:
                got = ("ok", convert(cell))
            except CellError as exc:
                got = ("refused", exc.en)
            assert got == expected, (column, cell)
