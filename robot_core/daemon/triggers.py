"""When a schedule fires (cron or interval) and when its run window lets cases be taken.

``cron:`` is read as crontab, where day-of-week 0 and 7 are Sunday. APScheduler 3.x counts
Monday as 0, so numbers are turned into day names before APScheduler sees them: an IT
person's ``0 22 * * 1-5`` means Monday to Friday here, as it does in crontab.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

if TYPE_CHECKING:
    from robot_core.daemon.schedule import Schedule

CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
APS_ORDER = (1, 2, 3, 4, 5, 6, 0)  # APScheduler lists days Monday first


def crontab_trigger(expression: str, tz: tzinfo) -> CronTrigger:
    """A trigger for a five-field crontab line; ``ValueError`` says what is wrong."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields (minute hour day month weekday), "
                         f"not {len(fields)}")
    minute, hour, day, month, weekday = fields
    return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                       day_of_week=crontab_weekdays(weekday), timezone=tz)


def crontab_weekdays(field: str) -> str:
    """crontab's day-of-week field (``1-5``, ``0,6``, ``*/2``, ``sat-sun``) as APScheduler names."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for token in field.lower().split(","):
        span, _, step = token.partition("/")
        if not step.isdigit() and step:
            raise ValueError(f"day-of-week step {step!r} is not a number")
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            first, last = span.split("-", 1)
            low, high = _day(first), _day(last)
            if high < low:  # fri-mon wraps over the weekend
                high += 7
        else:
            low = high = _day(span)
            if step:
                high = 6
        days.update(d % 7 for d in range(low, high + 1, int(step or 1)))
    return ",".join(CRON_DAYS[d] for d in APS_ORDER if d in days)


def _day(text: str) -> int:
    if text.isdigit() and int(text) <= 7:
        return int(text)
    if text[:3] in CRON_DAYS:
        return CRON_DAYS.index(text[:3])
    raise ValueError(f"day of week {text!r} is not 0-7 (0 and 7 are Sunday) or sun…sat")


def make_trigger(schedule: Schedule) -> BaseTrigger:
    """A fresh APScheduler trigger for ``schedule``."""
    if schedule.cron is not None:
        return crontab_trigger(schedule.cron, schedule.tz)
    assert schedule.interval is not None  # the model requires one of the two
    return IntervalTrigger(timezone=schedule.tz, **schedule.interval)


def next_fire(schedule: Schedule, now: datetime) -> datetime | None:
    """When the trigger fires next after ``now`` (an interval counts from ``now``)."""
    fire: datetime | None = make_trigger(schedule).get_next_fire_time(None, now)
    return fire


def parse_clock(text: str) -> time:
    """``22:00`` or ``22:00:30`` as a ``time``; ``ValueError`` otherwise."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise ValueError(f"{text!r} is not a time like 22:00")
    hour, minute, second = (int(p) for p in (*parts, "00")[:3])
    return time(hour, minute, second)


@dataclass(frozen=True)
class RunWindow:
    """Cases are taken from ``start`` until ``end`` (local time; may cross midnight)."""

    start: time
    end: time
    tz: tzinfo

    def until(self, now: datetime) -> datetime | None:
        """The end of the window open at ``now``, or None when it is shut."""
        local = now.astimezone(self.tz)
        clock, today = local.time().replace(tzinfo=None), local.date()
        if self.start < self.end:
            inside = self.start <= clock < self.end
            return self._at(today, self.end) if inside else None
        if clock >= self.start:  # the evening part of a window that ends tomorrow
            return self._at(today + timedelta(days=1), self.end)
        return self._at(today, self.end) if clock < self.end else None

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def __str__(self) -> str:
        shown = "%H:%M:%S" if self.start.second or self.end.second else "%H:%M"
        return f"{self.start.strftime(shown)}–{self.end.strftime(shown)}"
