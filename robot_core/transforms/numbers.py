"""Numbers: My Number (個人番号) and corporate number (法人番号) check digits, digits only."""

from __future__ import annotations

from robot_core.transforms.width import hankaku_digits

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


def zfill(value: object, width: int = 2) -> str:
    """``value`` as text, zero-padded on the left to ``width`` digits: ``1`` → ``01``.

    For era years and month/day fields of fixed width (``wareki_year | zfill``); a value
    that is not a whole number is refused, so nothing but digits is ever padded.
    """
    text = hankaku_digits(str(value).strip())
    if not text or not all(char in _ASCII_DIGITS for char in text):
        raise ValueError(f"not a whole number to pad: {str(value)[:20]!r}")
    if not 1 <= width <= 20:
        raise ValueError(f"zfill width must be 1 to 20, not {width}")
    return text.zfill(width)
