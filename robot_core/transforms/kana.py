"""Kana: hiragana and katakana, one into the other, and whether a text is katakana only."""

from __future__ import annotations

import re

_HIRAGANA = "".join(chr(code) for code in range(0x3041, 0x3097)) + "\u309d\u309e"
_KATAKANA = "".join(chr(code) for code in range(0x30A1, 0x30F7)) + "\u30fd\u30fe"
_TO_KATAKANA = str.maketrans(_HIRAGANA, _KATAKANA)
_TO_HIRAGANA = str.maketrans(_KATAKANA, _HIRAGANA)
_IS_KATAKANA_RE = re.compile("[\u30a1-\u30f6\u30fc\u30fb\u3000]+")


def katakana(s: str) -> str:
    """Convert hiragana to full-width katakana (ゔ → ヴ, ゝ → ヽ); other chars unchanged."""
    return s.translate(_TO_KATAKANA)


def hiragana(s: str) -> str:
    """Convert full-width katakana to hiragana; chars with no hiragana form (ヷ, ー) stay."""
    return s.translate(_TO_HIRAGANA)


def is_katakana(s: str) -> bool:
    """Return True if ``s`` is non-empty full-width katakana (ァ-ヶ, ー, ・, U+3000)."""
    return _IS_KATAKANA_RE.fullmatch(s) is not None
