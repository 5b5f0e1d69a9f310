"""Japanese back-office value transforms.

Pure functions used both as template filters and as column transforms at
intake. Every function raises ``ValueError`` with an English message that
includes the offending value when its input cannot be transformed.

Transforms provided:

Wareki (Japanese era) and seireki (Gregorian) dates
    ``ERAS``, ``Era``, ``era_of``, ``to_wareki``, ``format_wareki``,
    ``from_wareki``, ``parse_date``, ``wareki_era``, ``wareki_era_letter``,
    ``wareki_year``, ``year``, ``month``, ``day``, ``strftime``.
Character width
    ``zenkaku``, ``hankaku``, ``zenkaku_digits``, ``hankaku_digits``.
Kana
    ``katakana``, ``hiragana``, ``is_katakana``.
Postal codes and phone numbers
    ``postal_code``, ``phone``.
Spaces and personal names
    ``trim``, ``split_name``, ``family_name``, ``given_name``.
Numbers
    ``my_number_check_digit``, ``is_my_number``,
    ``corporate_number_check_digit``, ``is_corporate_number``, ``digits``.
Registry
    ``FILTERS`` maps template-filter / column-transform names to functions.

Era years are computed from the Gregorian year (``era year = year -
era start year + 1``) for every date, including Meiji dates before
1873-01-01 when Japan still used the lunisolar calendar; such dates are
treated as proleptic Gregorian, as is conventional in back-office systems.

Functions that take a date also accept a string in any format understood
by ``parse_date`` (and ``datetime``, which is reduced to its date), so that
template filters and column transforms can be chained on raw text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

__all__ = [
    "ERAS",
    "FILTERS",
    "DateLike",
    "Era",
    "corporate_number_check_digit",
    "day",
    "digits",
    "era_of",
    "family_name",
    "format_wareki",
    "from_wareki",
    "given_name",
    "hankaku",
    "hankaku_digits",
    "hiragana",
    "is_corporate_number",
    "is_katakana",
    "is_my_number",
    "katakana",
    "month",
    "my_number_check_digit",
    "parse_date",
    "phone",
    "postal_code",
    "split_name",
    "strftime",
    "to_wareki",
    "trim",
    "wareki_era",
    "wareki_era_letter",
    "wareki_year",
    "year",
    "zenkaku",
    "zenkaku_digits",
]

DateLike = date | str
"""A ``date`` (or ``datetime``) or a string accepted by ``parse_date``."""

# ---------------------------------------------------------------------------
# Wareki
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Era:
    """A Japanese era: kanji name, romaji initial, one-kanji short form, start day."""

    name: str
    letter: str
    short: str
    start: date


ERAS: tuple[Era, ...] = (
    Era("明治", "M", "明", date(1868, 10, 23)),
    Era("大正", "T", "大", date(1912, 7, 30)),
    Era("昭和", "S", "昭", date(1926, 12, 25)),
    Era("平成", "H", "平", date(1989, 1, 8)),
    Era("令和", "R", "令", date(2019, 5, 1)),
)
"""Supported eras, oldest first; each ends the day before the next starts."""

_GANNEN = "元"
_ONE_DAY = timedelta(days=1)
_WAREKI_STYLES = ("kanji", "short")


def _as_date(value: DateLike) -> date:
    """Return ``value`` as a plain ``date`` (datetimes and strings are converted)."""
    return parse_date(value)


def _next_era(era: Era) -> Era | None:
    """Return the era following ``era``, or None for the current era."""
    index = ERAS.index(era)
    return ERAS[index + 1] if index + 1 < len(ERAS) else None


def _lookup_era(era: str) -> Era:
    """Return the era named by kanji name, letter (any case) or short kanji."""
    key = unicodedata.normalize("NFKC", era).strip()
    for candidate in ERAS:
        if key in (candidate.name, candidate.short) or key.upper() == candidate.letter:
            return candidate
    msg = f"unknown Japanese era: {era!r}"
    raise ValueError(msg)


def era_of(d: DateLike) -> Era:
    """Return the era containing ``d``; dates before 明治 raise ValueError."""
    value = _as_date(d)
    for era in reversed(ERAS):
        if value >= era.start:
            return era
    msg = f"date is before the Meiji era (starts {ERAS[0].start}): {value.isoformat()}"
    raise ValueError(msg)


def to_wareki(d: DateLike) -> tuple[Era, int]:
    """Return the era of ``d`` and its era year (1 is 元年)."""
    value = _as_date(d)
    era = era_of(value)
    return era, value.year - era.start.year + 1


def format_wareki(d: DateLike, style: str = "kanji") -> str:
    """Format ``d`` as ``令和7年7月16日`` (style "kanji") or ``R7.7.16`` ("short")."""
    value = _as_date(d)
    era, era_year = to_wareki(value)
    if style == "kanji":
        year_text = _GANNEN if era_year == 1 else str(era_year)
        return f"{era.name}{year_text}年{value.month}月{value.day}日"
    if style == "short":
        return f"{era.letter}{era_year}.{value.month}.{value.day}"
    msg = f"unknown wareki style: {style!r} (expected one of {_WAREKI_STYLES})"
    raise ValueError(msg)


def from_wareki(era: str, year: int, month: int, day: int) -> date:
    """Return the Gregorian date of an era date; it must lie inside the era."""
    resolved = _lookup_era(era)
    label = f"{resolved.name}{year}年{month}月{day}日"
    if year < 1:
        msg = f"era year must be 1 or more: {label}"
        raise ValueError(msg)
    try:
        value = date(resolved.start.year + year - 1, month, day)
    except (ValueError, OverflowError) as exc:
        msg = f"invalid date: {label} ({exc})"
        raise ValueError(msg) from exc
    following = _next_era(resolved)
    if value < resolved.start or (following is not None and value >= following.start):
        end = "present" if following is None else (following.start - _ONE_DAY).isoformat()
        msg = f"date outside the {resolved.name} era ({resolved.start} to {end}): {label}"
        raise ValueError(msg)
    return value


_ERA_TOKEN = r"(?P<era>明治|大正|昭和|平成|令和|[明大昭平令MTSHR])"
_ERA_YEAR = r"(?P<year>元|[0-9]{1,2})"
_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"(?P<year>[0-9]{4})(?P<sep>[/.\-])(?P<month>[0-9]{1,2})(?P=sep)(?P<day>[0-9]{1,2})"
    ),
    re.compile(r"(?P<year>[0-9]{4})(?P<month>[0-9]{2})(?P<day>[0-9]{2})"),
    re.compile(r"(?P<year>[0-9]{4})\s*年\s*(?P<month>[0-9]{1,2})\s*月\s*(?P<day>[0-9]{1,2})\s*日"),
    re.compile(
        _ERA_TOKEN
        + r"\s*"
        + _ERA_YEAR
        + r"\s*年\s*(?P<month>[0-9]{1,2})\s*月\s*(?P<day>[0-9]{1,2})\s*日",
        re.IGNORECASE,
    ),
    re.compile(
        _ERA_TOKEN + _ERA_YEAR + r"(?P<sep>[/.\-])(?P<month>[0-9]{1,2})(?P=sep)(?P<day>[0-9]{1,2})",
        re.IGNORECASE,
    ),
)


def _match_date(text: str) -> date | None:
    """Return the date written in normalised ``text``, or None if no format matches."""
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = match.groupdict()
        era_year = 1 if parts["year"] == _GANNEN else int(parts["year"])
        month_number, day_number = int(parts["month"]), int(parts["day"])
        if parts.get("era") is not None:
            return from_wareki(parts["era"], era_year, month_number, day_number)
        return date(era_year, month_number, day_number)
    return None


def parse_date(value: object) -> date:
    """Return ``value`` as a date: a date/datetime, or a Western or wareki date string.

    Accepted strings (full-width digits/punctuation and surrounding ASCII or
    full-width spaces allowed): ``2025/07/16``, ``2025-7-16``, ``2025.7.16``,
    ``20250716``, ``2025年7月16日``, ``令和7年7月16日``, ``令和元年5月1日``,
    ``R7.7.16``, ``R07.07.16``, ``r7.7.16``, ``令7.7.16``, ``H元.1.8``.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        try:
            parsed = _match_date(text)
        except ValueError as exc:
            msg = f"not a date: {value!r} ({exc})"
            raise ValueError(msg) from exc
        if parsed is not None:
            return parsed
    msg = f"not a date: {value!r}"
    raise ValueError(msg)


def wareki_era(d: DateLike) -> str:
    """Return the kanji era name of ``d``, e.g. ``令和``."""
    return era_of(d).name


def wareki_era_letter(d: DateLike) -> str:
    """Return the romaji era initial of ``d``, e.g. ``R``."""
    return era_of(d).letter


def wareki_year(d: DateLike) -> int:
    """Return the era year of ``d`` (1 for 元年)."""
    return to_wareki(d)[1]


def year(d: DateLike) -> int:
    """Return the Gregorian year of ``d``."""
    return _as_date(d).year


def month(d: DateLike) -> int:
    """Return the month (1-12) of ``d``."""
    return _as_date(d).month


def day(d: DateLike) -> int:
    """Return the day of the month of ``d``."""
    return _as_date(d).day


def strftime(d: DateLike, fmt: str) -> str:
    """Format ``d`` with ``date.strftime`` and the format string ``fmt``."""
    return _as_date(d).strftime(fmt)


# ---------------------------------------------------------------------------
# Width
# ---------------------------------------------------------------------------

_IDEOGRAPHIC_SPACE = "\u3000"
_HALF_DAKUTEN = "\uff9e"
_HALF_HANDAKUTEN = "\uff9f"
_FULL_DAKUTEN = "\u309b"
_FULL_HANDAKUTEN = "\u309c"
_COMBINING_DAKUTEN = "\u3099"
_COMBINING_HANDAKUTEN = "\u309a"
_HALF_TO_COMBINING = {_HALF_DAKUTEN: _COMBINING_DAKUTEN, _HALF_HANDAKUTEN: _COMBINING_HANDAKUTEN}

_FULLWIDTH_DIGITS = "".join(chr(0xFF10 + i) for i in range(10))
_TO_HALF_DIGITS = str.maketrans(_FULLWIDTH_DIGITS, "0123456789")
_TO_FULL_DIGITS = str.maketrans("0123456789", _FULLWIDTH_DIGITS)


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
_TO_ZENKAKU_ASCII[ord(" ")] = _IDEOGRAPHIC_SPACE


def _build_to_hankaku() -> dict[int, str]:
    """Build the ``str.translate`` table used by ``hankaku``."""
    table: dict[int, str] = {code + 0xFEE0: chr(code) for code in range(0x21, 0x7F)}
    table[ord(_IDEOGRAPHIC_SPACE)] = " "
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


# ---------------------------------------------------------------------------
# Kana
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Postal codes and phone numbers
# ---------------------------------------------------------------------------

# Characters commonly typed for a hyphen in Japanese data entry: ASCII and
# full-width hyphen-minus, Unicode hyphens and dashes, minus sign, katakana
# prolonged sound mark (full and half width) and small hyphen-minus.
_HYPHEN_VARIANTS = "\u002d\uff0d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u30fc\uff70\ufe63"
_TO_ASCII_NUMERIC = str.maketrans(
    _FULLWIDTH_DIGITS + _HYPHEN_VARIANTS + "\uff08\uff09\u3000",
    "0123456789" + "-" * len(_HYPHEN_VARIANTS) + "() ",
)
_POSTAL_MARK = "\u3012"
_POSTAL_RE = re.compile(r"([0-9]{3})-?([0-9]{4})")
_PHONE_RE = re.compile(r"[0-9]+(?:-[0-9]+){0,2}")
_MOBILE_PREFIXES = ("020", "050", "060", "070", "080", "090")
_FREE_DIAL_10 = ("0120", "0180", "0570", "0990")


def _ascii_numeric(s: str) -> str:
    """Map full-width digits, hyphen look-alikes, parentheses and U+3000 to ASCII."""
    return s.translate(_TO_ASCII_NUMERIC)


def postal_code(s: str) -> str:
    """Normalise a Japanese postal code to ``NNN-NNNN``.

    Accepts ``1000001``, ``100-0001``, ``〒100－0001``, full-width digits,
    hyphen look-alikes and spaces; anything that is not 7 digits (with an
    optional hyphen after the third) raises ValueError.
    """
    text = re.sub(r"\s+", "", _ascii_numeric(s)).removeprefix(_POSTAL_MARK)
    match = _POSTAL_RE.fullmatch(text)
    if match is None:
        msg = f"not a postal code (expected 7 digits such as 100-0001): {s!r}"
        raise ValueError(msg)
    return f"{match.group(1)}-{match.group(2)}"


def _format_phone_digits(number: str) -> str | None:
    """Insert hyphens into a bare 10/11-digit number, or return None if unknown.

    Best effort: 11-digit mobile/IP numbers (020/050/060/070/080/090) become
    3-4-4 and 0800 numbers 4-3-4; 10-digit 0120/0180/0570/0990 numbers become
    4-3-3, Tokyo (03) and Osaka (06) 2-4-4, and every other 10-digit landline
    ``0XX-XXX-XXXX`` (real area codes are 2-5 digits; pass hyphens to keep them).
    """
    if len(number) == 11 and number.startswith("0800"):
        return f"{number[:4]}-{number[4:7]}-{number[7:]}"
    if len(number) == 11 and number.startswith(_MOBILE_PREFIXES):
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if len(number) != 10:
        return None
    if number.startswith(_FREE_DIAL_10):
        return f"{number[:4]}-{number[4:7]}-{number[7:]}"
    if number.startswith(("03", "06")):
        return f"{number[:2]}-{number[2:6]}-{number[6:]}"
    return f"{number[:3]}-{number[3:6]}-{number[6:]}"


def phone(s: str) -> str:
    """Normalise a Japanese phone number to ASCII digits and hyphens.

    Full-width digits, hyphen look-alikes (－ ‐ ー − ...), parentheses and
    inner spaces are turned into ASCII hyphens, whose positions are kept
    (``０１４２－５５－１２３４`` → ``0142-55-1234``, ``03(1234)5678`` →
    ``03-1234-5678``). A bare number is formatted by ``_format_phone_digits``
    rules. The number must start with 0 and have 10 or 11 digits in at most
    three groups; international (+81) forms are rejected.
    """
    text = trim(_ascii_numeric(s))
    text = re.sub(r"[\s()]+", "-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-")
    number = text.replace("-", "")
    valid = (
        _PHONE_RE.fullmatch(text) is not None and number.startswith("0") and len(number) in (10, 11)
    )
    formatted = text if "-" in text else _format_phone_digits(number)
    if not valid or formatted is None:
        msg = f"not a Japanese phone number (expected 10 or 11 digits starting with 0): {s!r}"
        raise ValueError(msg)
    return formatted


# ---------------------------------------------------------------------------
# Spaces and names
# ---------------------------------------------------------------------------

_TRIM_CHARS = " \t\n\r\v\f" + _IDEOGRAPHIC_SPACE
_NAME_SEPARATOR_RE = re.compile("[ \u3000]+")


def trim(s: str) -> str:
    """Strip ASCII whitespace and full-width spaces (U+3000) from both ends."""
    return s.strip(_TRIM_CHARS)


def split_name(s: str) -> tuple[str, str]:
    """Split ``山田　太郎`` into (family, given) at the first run of ASCII/full-width spaces."""
    parts = _NAME_SEPARATOR_RE.split(trim(s), maxsplit=1)
    if len(parts) != 2:
        msg = f"name has no space between family and given name: {s!r}"
        raise ValueError(msg)
    return parts[0], parts[1]


def family_name(s: str) -> str:
    """Return the family-name part of a full name (see ``split_name``)."""
    return split_name(s)[0]


def given_name(s: str) -> str:
    """Return the given-name part of a full name (see ``split_name``)."""
    return split_name(s)[1]


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

_ASCII_DIGITS = frozenset("0123456789")


def _require_ascii_digits(value: str, length: int, what: str) -> None:
    """Raise ValueError unless ``value`` is exactly ``length`` ASCII digits."""
    if len(value) != length or not set(value) <= _ASCII_DIGITS:
        msg = f"{what} must be exactly {length} ASCII digits: {value!r}"
        raise ValueError(msg)


def my_number_check_digit(first11: str) -> int:
    """Return the My Number (個人番号) check digit for its first 11 digits.

    With Pn the n-th digit from the right and Qn = n + 1 (n <= 6) or n - 5
    (n >= 7), the check digit is 11 - (ΣPn×Qn mod 11), or 0 when the
    remainder is 0 or 1.
    """
    _require_ascii_digits(first11, 11, "My Number base")
    total = 0
    for n, char in enumerate(reversed(first11), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(char) * weight
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_my_number(s: str) -> bool:
    """Return True if ``s`` is exactly 12 ASCII digits with a valid check digit."""
    if len(s) != 12 or not set(s) <= _ASCII_DIGITS:
        return False
    return my_number_check_digit(s[:11]) == int(s[11])


def corporate_number_check_digit(base12: str) -> int:
    """Return the corporate number (法人番号) check digit for its 12-digit base.

    With Pn the n-th base digit from the right and Qn = 1 (n odd) or 2
    (n even), the check digit is 9 - (ΣPn×Qn mod 9); it is the first of
    the 13 digits.
    """
    _require_ascii_digits(base12, 12, "corporate number base")
    total = sum(int(char) * (1 if n % 2 else 2) for n, char in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def is_corporate_number(s: str) -> bool:
    """Return True if ``s`` is 13 ASCII digits whose first digit is the check digit."""
    if len(s) != 13 or not set(s) <= _ASCII_DIGITS:
        return False
    return corporate_number_check_digit(s[1:]) == int(s[0])


def digits(s: str) -> str:
    """Return only the digits of ``s`` as ASCII (full-width digits are converted)."""
    return "".join(char for char in hankaku_digits(s) if char in _ASCII_DIGITS)


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------

FILTERS: dict[str, Callable[..., object]] = {
    "zenkaku": zenkaku,
    "hankaku": hankaku,
    "hankaku_digits": hankaku_digits,
    "zenkaku_digits": zenkaku_digits,
    "katakana": katakana,
    "hiragana": hiragana,
    "postal_code": postal_code,
    "phone": phone,
    "trim": trim,
    "family_name": family_name,
    "given_name": given_name,
    "digits": digits,
    "wareki_era": wareki_era,
    "wareki_era_letter": wareki_era_letter,
    "wareki_year": wareki_year,
    "wareki": format_wareki,
    "date": parse_date,
    "year": year,
    "month": month,
    "day": day,
    "strftime": strftime,
}
"""Template filters / column transforms by name."""
