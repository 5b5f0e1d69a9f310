"""Character width: 全角 (zenkaku) and 半角 (hankaku), kana with their voicing marks, digits."""

from __future__ import annotations

import re
import unicodedata

IDEOGRAPHIC_SPACE = "\u3000"
_HALF_DAKUTEN = "\uff9e"
_HALF_HANDAKUTEN = "\uff9f"
_FULL_DAKUTEN = "\u309b"
_FULL_HANDAKUTEN = "\u309c"
_COMBINING_DAKUTEN = "\u3099"
_COMBINING_HANDAKUTEN = "\u309a"
_HALF_TO_COMBINING = {_HALF_DAKUTEN: _COMBINING_DAKUTEN, _HALF_HANDAKUTEN: _COMBINING_HANDAKUTEN}

FULLWIDTH_DIGITS = "".join(chr(0xFF10 + i) for i in range(10))
_TO_HALF_DIGITS = str.maketrans(FULLWIDTH_DIGITS, "0123456789")
_TO_FULL_DIGITS = str.maketrans("0123456789", FULLWIDTH_DIGITS)


def _build_half_kana_table() -> dict[str, str]:
    """Map each half-width katakana char, and each voiced pair such as ｶﾞ, to full width."""
    table: dict[str, str] = {}
    for code in range(0xFF61, 0xFF9E):
        table[chr(code)] = unicodedata.normalize("NFKC", chr(code))
    table[_HALF_DAKUTEN] = _FULL_DAKUTEN
    table[_HALF_HANDAKUTEN] = _FULL_HANDAKUTEN
    for half, full in list(table.items()):
        for mark, combining in _HALF_TO_COMBINING.items():
            composed = unicodedata.normalize("NFC", full + combining)
            if len(composed) == 1:
                table[half + mark] = composed
    return table


_HALF_KANA_TO_FULL = _build_half_kana_table()
_HALF_KANA_RE = re.compile("[\uff61-\uff9f][\uff9e\uff9f]?")

_TO_ZENKAKU_ASCII: dict[int, str] = {code: chr(code + 0xFEE0) for code in range(0x21, 0x7F)}
_TO_ZENKAKU_ASCII[ord(" ")] = IDEOGRAPHIC_SPACE


def _build_to_hankaku() -> dict[int, str]:
    """Build the ``str.translate`` table used by ``hankaku``."""
    table: dict[int, str] = {code + 0xFEE0: chr(code) for code in range(0x21, 0x7F)}
    table[ord(IDEOGRAPHIC_SPACE)] = " "
    # Reversing the half-width table also covers voiced pairs (ガ → ｶﾞ, ヴ → ｳﾞ).
    table.update({ord(full): half for half, full in _HALF_KANA_TO_FULL.items()})
    table[ord(_COMBINING_DAKUTEN)] = _HALF_DAKUTEN
    table[ord(_COMBINING_HANDAKUTEN)] = _HALF_HANDAKUTEN
    return table


_TO_HANKAKU = _build_to_hankaku()


def _zenkaku_kana(match: re.Match[str]) -> str:
    """Convert one half-width katakana char, or voiced pair, to full width."""
    text = match.group()
    combined = _HALF_KANA_TO_FULL.get(text)
    if combined is not None:
        return combined
    return "".join(_HALF_KANA_TO_FULL[char] for char in text)


def zenkaku(s: str) -> str:
    """Convert printable ASCII (space to U+3000) and half-width katakana to full width.

    A half-width kana followed by ﾞ or ﾟ becomes one full-width character
    (ｶﾞ → ガ, ﾊﾟ → パ, ｳﾞ → ヴ); a mark that cannot combine becomes ゛ or ゜.
    """
    return _HALF_KANA_RE.sub(_zenkaku_kana, s).translate(_TO_ZENKAKU_ASCII)


def hankaku(s: str) -> str:
    """Convert full-width ASCII, U+3000 and katakana to half width (ガ → ｶﾞ).

    Katakana-block punctuation that has a half-width form (。「」、・ー゛゜)
    is converted too. Katakana without a half-width form (ヰ, ヵ, ...),
    kanji, hiragana and everything else are left unchanged.
    """
    return s.translate(_TO_HANKAKU)


def hankaku_digits(s: str) -> str:
    """Convert full-width digits ０-９ to ASCII digits, leaving everything else."""
    return s.translate(_TO_HALF_DIGITS)


def zenkaku_digits(s: str) -> str:
    """Convert ASCII digits 0-9 to full-width digits, leaving everything else."""
    return s.translate(_TO_FULL_DIGITS)
