"""Postal codes (〒123-4567) and phone numbers, from whatever hyphens and widths staff typed."""

from __future__ import annotations

import re

from robot_core.transforms.names import trim
from robot_core.transforms.width import FULLWIDTH_DIGITS

# Characters commonly typed for a hyphen in Japanese data entry: ASCII and
# full-width hyphen-minus, Unicode hyphens and dashes, minus sign, katakana
# prolonged sound mark (full and half width) and small hyphen-minus.
_HYPHEN_VARIANTS = "\u002d\uff0d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u30fc\uff70\ufe63"
_TO_ASCII_NUMERIC = str.maketrans(
    FULLWIDTH_DIGITS + _HYPHEN_VARIANTS + "\uff08\uff09\u3000",
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
