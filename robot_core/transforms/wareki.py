"""Wareki (Japanese era) and seireki (Gregorian) dates: eras, formats, parsing.

Era years are computed from the Gregorian year (``era year = year - era start year + 1``)
for every date, including Meiji dates before 1873-01-01 (proleptic Gregorian, as is
conventional in back-office systems). Functions that take a date also accept a string
in any format ``parse_date`` understands, so filters chain on raw text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

DateLike = date | str
"""A ``date`` (or ``datetime``) or a string accepted by ``parse_date``."""


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
