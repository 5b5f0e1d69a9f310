"""What text may reach a legacy system: the content policy on every text value of a case.

A value is typed into a registry field and written back into the results workbook. Some
characters do harm there while staff cannot see them in Excel:

- control characters (C0, DEL, C1: NUL, ESC, BEL ...), which a terminal emulator or a
  desktop application acts on and which openpyxl cannot even write; in a workbook Excel
  stores them as ``_x001B_``, so that form counts as the character it stands for;
- bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F,
  U+061C), which make a value read differently from what it holds;
- zero-width characters (U+200B-U+200D, U+2060, U+FEFF), which make equal names unequal;
- line breaks (CR, LF) and tabs, which end a field or move the focus to the next one when
  typed;
- Unicode's line and paragraph separators (U+2028, U+2029), which no office types: they come
  from pasting out of a web page or a word processor, and legacy screens show them as
  garbage; refused even where line breaks are allowed;
- private-use characters (外字: U+E000-U+F8FF, planes 15 and 16), which mean a different
  glyph, or nothing, on every other machine;
- text that begins with ``= + - @`` (or a tab, CR or space before one; the full-width forms
  too), which a spreadsheet opening the results runs as a formula. A plain signed number
  (``-5``, ``+81312345678``) is not a formula and passes.

Each is a business failure naming the column and the code point (``U+202E``). A column opts
in where the office needs it: ``allow: [newline, private_use, formula_prefix]``. A text
longer than the column's ``max_length`` (default 1,000 characters) is refused as well.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_MAX_LENGTH = 1_000
#: Excel's own limit for a cell; text of columns the bot does not read is only held to it.
EXCEL_MAX_LENGTH = 32_767
QUOTE_CHARS = 60
ALLOWANCES = ("newline", "private_use", "formula_prefix")

_BIDI = frozenset({*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C})
_ZERO_WIDTH = frozenset({0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF})
_NEWLINE = frozenset({0x09, 0x0A, 0x0D})
_SEPARATORS = frozenset({0x2028, 0x2029})
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_FORMULA_START = frozenset("=+-@＝＋－＠﹦﹢﹣")
_LEADING = " \t\r\n\u3000"
_SIGNED_NUMBER = re.compile(r"[+\-][0-9][0-9,]*(?:\.[0-9]+)?")

KINDS = {
    "control": ("a control character", "制御文字"),
    "bidi": ("a bidirectional control character", "文字の向きを変える制御文字"),
    "zero_width": ("a zero-width character", "幅のない不可視の文字"),
    "newline": ("a line break or tab", "改行またはタブ"),
    "separator": ("a Unicode line or paragraph separator", "Unicodeの行・段落区切り文字"),
    "private_use": ("a private-use character (外字)", "外字（私用領域の文字）"),
}


@dataclass(frozen=True)
class Finding:
    """Why a text is refused, in both languages, without quoting it."""

    en: str
    ja: str


_NAMED = {**dict.fromkeys(_NEWLINE, "newline"), **dict.fromkeys(_SEPARATORS, "separator"),
          **dict.fromkeys(_BIDI, "bidi"), **dict.fromkeys(_ZERO_WIDTH, "zero_width")}


def kind_of(char: str) -> str | None:
    """The policy class of one character, or None when it is ordinary text."""
    point = ord(char)
    named = _NAMED.get(point)
    if named is not None:
        return named
    category = unicodedata.category(char)
    if category in {"Cc", "Cs"} or point in (0xFFFE, 0xFFFF):
        return "control"
    return "private_use" if category == "Co" else None


#: Every character ``kind_of`` classes, by kind: Cc is C0, DEL and C1; Cs the surrogates;
#: Co the private-use areas (U+FFFFE/F and U+10FFFE/F are noncharacters, not Co). Unicode's
#: stability policy fixes Cc, Cs and Co, and a unit test compares these with ``kind_of``
#: over every code point.
_RANGES = {
    "newline": "\t\n\r",
    "separator": "\u2028\u2029",
    "bidi": "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069",
    "zero_width": "\u200b-\u200d\u2060\ufeff",
    "control": "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff",
    "private_use": "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd",
}


def char_checker(allow: Collection[str]) -> Callable[[str], Finding | None]:
    """``check_chars`` under ``allow``, its character class compiled once."""
    return _char_checker(frozenset(allow))


@lru_cache(maxsize=16)
def _char_checker(allow: frozenset[str]) -> Callable[[str], Finding | None]:
    # One regex scan in C finds the first refused character (most text has none); only a
    # hit is classified, for the message.
    refused = "".join(r for k, r in _RANGES.items() if k not in allow)
    search = re.compile(f"[{refused}]" if refused else "(?!)").search

    def check(text: str) -> Finding | None:
        hit = search(text)
        if hit is not None:
            char = hit.group()
            return _finding(kind_of(char) or "control", ord(char), hit.start() + 1, "")
        return _escaped(text, allow) if "_x" in text else None

    return check


def check_chars(text: str, allow: Collection[str]) -> Finding | None:
    """The first character (or ``_xHHHH_`` escape) of ``text`` the policy refuses."""
    return char_checker(allow)(text)


def _escaped(text: str, allow: Collection[str]) -> Finding | None:
    """The first ``_xHHHH_`` escape (how a workbook stores a control character) refused."""
    for match in _ESCAPED.finditer(text):
        char = chr(int(match.group(1), 16))
        kind = kind_of(char)
        if kind is not None and kind not in allow:
            return _finding(kind, ord(char), match.start() + 1, match.group(0))
    return None


def _finding(kind: str, point: int, position: int, escaped: str) -> Finding:
    en, ja = KINDS[kind]
    code = f"U+{point:04X}"
    written = (f" written as {escaped}", f"（{escaped} と記録）") if escaped else ("", "")
    # A bot author meeting this on a new export learns the way out; staff learn nothing false.
    opt_in = f" (a column that may hold it says allow: [{kind}])" if kind in ALLOWANCES else ""
    return Finding(f"holds {en}, {code}{written[0]}, at character {position}: not typed{opt_in}",
                   f"{position}文字目に{ja} {code}{written[1]} が含まれています")


def check_formula(text: str) -> Finding | None:
    """Refuse text a spreadsheet would run: ``= + - @`` first, after any leading blanks."""
    stripped = text.lstrip(_LEADING)
    if not stripped or stripped[0] not in _FORMULA_START:
        return None
    if _SIGNED_NUMBER.fullmatch(unicodedata.normalize("NFKC", stripped)):
        return None
    return Finding(f"begins with {stripped[0]!r}, which a spreadsheet reads as a formula",
                   f"先頭が「{stripped[0]}」のため、表計算ソフトで数式として扱われます")


def check_length(text: str, limit: int) -> Finding | None:
    """Refuse text longer than ``limit`` characters."""
    if len(text) <= limit:
        return None
    return Finding(f"longer than {limit:,} characters ({len(text):,})",
                   f"{limit}文字を超えています（{len(text)}文字）")


def check_text(text: str, allow: Collection[str], limit: int) -> Finding | None:
    """The first reason the policy refuses ``text``: characters, formula start, length."""
    return (check_chars(text, allow)
            or (None if "formula_prefix" in allow else check_formula(text))
            or check_length(text, limit))


def quote(text: str) -> str:
    """At most ``QUOTE_CHARS`` characters of ``text``; a character the policy refuses is
    shown as ``<U+XXXX>``."""
    short = text[:QUOTE_CHARS]
    shown = "".join(f"<U+{ord(c):04X}>" if kind_of(c) else c for c in short)
    return shown + ("…" if len(text) > QUOTE_CHARS else "")
