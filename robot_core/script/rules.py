"""Validation rules a bot declares on its input, beyond one cell's type.

A fixed, declarative vocabulary: nothing in a bot script is ever evaluated as code.

Bounds on a date or whole-number column (``min:`` / ``max:``, both inclusive)::

    birth_date: {type: date, min: 1900-01-01, max: today}
    moved_in:   {type: date, min: today-1y, max: today}   # today-14d, today+1m, ...
    children:   {type: int, min: 0, max: 20}

Rules across columns (``input.rules``), each one operator naming two columns::

    rules:
      - not_before: [moved_in, birth_date]       # moved_in >= birth_date
      - not_after:  [applied_on, moved_in]       # applied_on <= moved_in
      - before:     [start, end]                 # start < end
      - after:      [end, start]                 # end > start
      - required_with: [household_head, phone]   # household_head is needed once phone is filled
      - not_before: [moved_in, birth_date]
        message: {ja: 転入日が生年月日より前です, en: moved in before being born}

``before``/``after``/``not_before``/``not_after`` compare date columns. A rule is judged only
when both of its cells were read without a problem: a missing or unreadable date is already
reported on its own column. This module knows nothing of files or rows; ``robot_core.intake``
applies it and ``robot_core.script.loader`` checks that the columns named exist.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

Bound = int | date | str
"""A fixed date, a whole number, or ``today`` with an optional offset (``today-14d``)."""

TODAY = re.compile(r"today(?:\s*([+-])\s*(\d{1,4})\s*([dmy]))?")
COMPARISONS = ("not_before", "not_after", "before", "after")
OPERATORS = (*COMPARISONS, "required_with")
_BOUND_HELP = "a date (1900-01-01), today, or today with an offset (today-14d, today+1y)"


def check_bound(value: object, column_type: str) -> Bound | None:
    """The bound ``value`` for a column of ``column_type``; ``PydanticCustomError`` if unfit."""
    if value is None:
        return None
    if column_type not in ("int", "date"):
        raise PydanticCustomError(
            "bound", "min/max apply to int and date columns (for text use min_length/max_length)")
    if isinstance(value, bool) or (column_type == "int") != isinstance(value, int):
        wanted = "a whole number" if column_type == "int" else _BOUND_HELP
        raise PydanticCustomError("bound", f"a {column_type} column's bound must be {wanted}")
    if isinstance(value, date | int):
        return value
    text = str(value).strip().casefold()
    if TODAY.fullmatch(text):
        return text.replace(" ", "")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("bound", f"not {_BOUND_HELP}: {value!r}") from None


def check_order(low: Bound | None, high: Bound | None) -> None:
    """Raise ``PydanticCustomError`` when fixed bounds are the wrong way round."""
    fixed = (int, date)
    if isinstance(low, fixed) and isinstance(high, fixed) and low > high:  # type: ignore[operator]
        raise PydanticCustomError("bound", f"min ({low}) is above max ({high})")


def resolve(bound: Bound, today: date) -> int | date:
    """The value ``bound`` stands for on ``today``."""
    if not isinstance(bound, str):
        return bound
    match = TODAY.fullmatch(bound)
    if match is None or match.group(1) is None:
        return today
    sign, count, unit = match.group(1), int(match.group(2)), match.group(3)
    step = count if sign == "+" else -count
    if unit == "d":
        return today + timedelta(days=step)
    return _add_months(today, step * (12 if unit == "y" else 1))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def describe(bound: Bound, today: date) -> tuple[str, str]:
    """How a bound reads to staff, (English, Japanese): ``today``/``今日`` or the date."""
    if bound == "today":
        return "today", "今日"
    value = resolve(bound, today)
    text = value.strftime("%Y/%m/%d") if isinstance(value, date) else str(value)
    return text, text


def out_of_bounds(value: int | date, low: Bound | None, high: Bound | None,
                  today: date) -> tuple[str, str] | None:
    """(English, Japanese) reason when ``value`` lies outside [low, high]; else None."""
    is_date = isinstance(value, date)
    if low is not None and value < resolve(low, today):  # type: ignore[operator]
        en, ja = describe(low, today)
        return ((f"date is before {en}", f"{ja}より前の日付です") if is_date
                else (f"less than {en}", f"{ja}未満です"))
    if high is not None and value > resolve(high, today):  # type: ignore[operator]
        if high == "today" and is_date:
            return "date is in the future", "未来の日付です"
        en, ja = describe(high, today)
        return ((f"date is after {en}", f"{ja}より後の日付です") if is_date
                else (f"more than {en}", f"{ja}を超えています"))
    return None


class Message(BaseModel):
    """A rule's own wording for staff, in both languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ja: str
    en: str


class Rule(BaseModel):
    """One rule across two columns: exactly one operator, and optionally its message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    not_before: tuple[str, str] | None = None
    not_after: tuple[str, str] | None = None
    before: tuple[str, str] | None = None
    after: tuple[str, str] | None = None
    required_with: tuple[str, str] | None = None
    message: Message | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Rule:
        given = [op for op in OPERATORS if getattr(self, op) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "rule", f"a rule takes exactly one of {', '.join(OPERATORS)} "
                        f"(got {', '.join(given) or 'none'})")
        return self

    @property
    def operator(self) -> str:
        """The operator's name, e.g. ``not_before``."""
        return next(op for op in OPERATORS if getattr(self, op) is not None)

    @property
    def columns(self) -> tuple[str, str]:
        """The two columns the rule names, in the order written."""
        pair: tuple[str, str] = getattr(self, self.operator)
        return pair


def judge(rule: Rule, values: Mapping[str, Any], labels: Mapping[str, str],
          shown: Mapping[str, str]) -> tuple[str, str] | None:
    """(English, Japanese) reason when a row's ``values`` break ``rule``; None when they hold.

    ``labels`` names each column as the file does; ``shown`` is each cell as staff typed it,
    ``""`` for a secret column (its value never appears in a message).
    """
    left, right = rule.columns
    a, b = values.get(left), values.get(right)
    if rule.operator == "required_with":
        broken = _filled(b) and not _filled(a)
    elif not (isinstance(a, date) and isinstance(b, date)):
        return None
    else:
        broken = not _holds(rule.operator, a, b)
    if not broken:
        return None
    if rule.message is not None:
        return rule.message.en, rule.message.ja
    return _reason(rule.operator, _said(labels[left], shown.get(left, "")),
                   _said(labels[right], shown.get(right, "")))


def _holds(operator: str, a: date, b: date) -> bool:
    return {"not_before": a >= b, "not_after": a <= b, "before": a < b, "after": a > b}[operator]


def _filled(value: Any) -> bool:
    return value is not None and value != "" and value is not False


def _said(label: str, text: str) -> tuple[str, str]:
    return (f"{label} ({text})", f"{label}（{text}）") if text else (label, label)


def _reason(operator: str, left: tuple[str, str], right: tuple[str, str]) -> tuple[str, str]:
    (l_en, l_ja), (r_en, r_ja) = left, right
    reasons = {
        "not_before": (f"{l_en} is before {r_en}", f"{l_ja}が{r_ja}より前です"),
        "not_after": (f"{l_en} is after {r_en}", f"{l_ja}が{r_ja}より後です"),
        "before": (f"{l_en} must be before {r_en}", f"{l_ja}は{r_ja}より前にしてください"),
        "after": (f"{l_en} must be after {r_en}", f"{l_ja}は{r_ja}より後にしてください"),
        "required_with": (f"{l_en} is required when {r_en} is filled in",
                          f"{r_ja}が入力されているときは{l_ja}も入力してください"),
    }
    return reasons[operator]
