"""The fewest sample rows that still hold every kind of value the 50-case sample holds.

A slow end-to-end test (a desktop client typed through Xvfb, a registry throwing faults) need
not type all 50 cases to prove what it proves: each kind of cell the sample has (every way a
date, postal code, reading or flag is written; every era and era boundary; empty and filled
optional fields; multi-line remarks; characters outside JIS level 1) is typed at least once,
and every invalid row is kept. ``covering_rows`` picks them greedily, and checks the pick
covers all the sample's kinds; ``write_rows`` writes them as a workbook laid out like the sample.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import openpyxl

from tests.conftest import EXPECTED, SAMPLE

HEADER_ROW = 3  # the sample's title, a blank row, then the header


def _shape(value: Any) -> str:
    """A cell's type and the run-length-free pattern of its character classes."""
    if value is None or value == "":
        return "empty"
    if not isinstance(value, str):
        return type(value).__name__
    out: list[str] = []
    for char in value:
        kind = _char_class(char)
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)


def _char_class(char: str) -> str:
    name = unicodedata.name(char, "")
    if char.isdigit():
        return "9" if char.isascii() else "９"
    if char.isascii() and char.isalpha():
        return "a"
    for word, kind in (("HALFWIDTH KATAKANA", "ｶ"), ("KATAKANA", "カ"), ("HIRAGANA", "ひ"),
                       ("CJK", "漢")):
        if name.startswith(word):
            return kind
    return char  # punctuation, spaces and marks stand for themselves


def _rare_chars(text: str) -> set[str]:
    """Characters beyond JIS X 0208 level 1 (髙, 﨑, 々…): the ones input methods trip on."""
    rare = set()
    for char in text:
        try:
            code = char.encode("shift_jis")
        except UnicodeEncodeError:
            rare.add(char)
            continue
        if len(code) == 2 and code >= b"\x98\x9f":  # level 2 kanji and beyond
            rare.add(char)
    return rare


def _kinds(raw: dict[str, Any], want: dict[str, Any] | None) -> set[str]:
    """Every kind of value one sample row holds."""
    kinds = {f"{column}:{_shape(value)}" for column, value in raw.items()}
    if want is None:
        return kinds
    birth = want["birth_date"]
    kinds |= {f"era:{_era(birth)}", f"sex:{want['sex']}", f"nhi:{want['nhi']}",
              f"head_is_self:{want['household_head'] == want['name']}",
              f"remarks_lines:{min(2, len(want['remarks'].splitlines()))}",
              f"my_number_leading_zero:{want['my_number'].startswith('0')}",
              f"phone_area_digits:{len(want['phone'].split('-')[0])}"}
    if birth in {"1989-01-07", "1989-01-08", "2019-04-30", "2019-05-01"}:
        kinds.add(f"era_boundary:{birth}")
    for field in ("name", "address", "household_head", "remarks"):
        kinds |= {f"char:{c}" for c in _rare_chars(want[field])}
    return kinds


def _era(iso: str) -> str:
    return "昭和" if iso < "1989-01-08" else "平成" if iso < "2019-05-01" else "令和"


def sample_rows() -> tuple[list[str], dict[str, tuple[Any, ...]]]:
    """The sample's header and its case rows by case id."""
    book = openpyxl.load_workbook(SAMPLE)
    rows = list(book.worksheets[0].iter_rows(min_row=HEADER_ROW, values_only=True))
    header = [str(c) for c in rows[0]]
    return header, {str(r[0]): r for r in rows[1:] if r[0]}


def covering_rows() -> list[str]:
    """Case ids (sample order) covering every kind of value the sample holds, and all invalid."""
    header, rows = sample_rows()
    valid = {e["case_id"]: e for e in EXPECTED["valid"]}
    kinds = {key: _kinds(dict(zip(header, row, strict=False)), valid.get(key))
             for key, row in rows.items()}
    chosen = {e["case_id"] for e in EXPECTED["invalid"]}
    covered = set().union(*(kinds[k] for k in chosen))
    everything = set().union(*kinds.values())
    while covered != everything:
        best = max(sorted(set(rows) - chosen), key=lambda k: len(kinds[k] - covered))
        chosen.add(best)
        covered |= kinds[best]
    return [key for key in rows if key in chosen]


def write_rows(keys: list[str], target: Path) -> Path:
    """A copy of the sample holding only the rows of ``keys`` (title, header, sheets kept)."""
    book = openpyxl.load_workbook(SAMPLE)
    sheet = book.worksheets[0]
    for index in range(sheet.max_row, HEADER_ROW, -1):  # bottom up: indices stay put
        key = sheet.cell(index, 1).value
        if key is not None and key not in keys:  # trailing blank rows stay too
            sheet.delete_rows(index)
    book.save(target)
    return target
