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
    ``corporate_number_check_digit``, ``is_corporate_number``, ``digits``, ``zfill``.
Registry
    ``FILTERS`` maps template-filter / column-transform names to functions.

One module per family (``wareki``, ``width``, ``kana``, ``postal``, ``names``, ``numbers``);
this package re-exports their public functions, so callers say ``transforms.zenkaku``.

Era years are computed from the Gregorian year (``era year = year -
era start year + 1``) for every date, including Meiji dates before
1873-01-01 when Japan still used the lunisolar calendar; such dates are
treated as proleptic Gregorian, as is conventional in back-office systems.

Functions that take a date also accept a string in any format understood
by ``parse_date`` (and ``datetime``, which is reduced to its date), so that
template filters and column transforms can be chained on raw text.
"""

from __future__ import annotations

from collections.abc import Callable

from robot_core.transforms.kana import hiragana, is_katakana, katakana
from robot_core.transforms.names import family_name, given_name, split_name, trim
from robot_core.transforms.numbers import (
    corporate_number_check_digit,
    digits,
    is_corporate_number,
    is_my_number,
    my_number_check_digit,
    zfill,
)
from robot_core.transforms.postal import phone, postal_code
from robot_core.transforms.wareki import (
    ERAS,
    DateLike,
    Era,
    day,
    era_of,
    format_wareki,
    from_wareki,
    month,
    parse_date,
    strftime,
    to_wareki,
    wareki_era,
    wareki_era_letter,
    wareki_year,
    year,
)
from robot_core.transforms.width import hankaku, hankaku_digits, zenkaku, zenkaku_digits

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
    "zfill",
]

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
    "zfill": zfill,
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
