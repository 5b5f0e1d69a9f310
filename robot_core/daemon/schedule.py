"""Load ``schedules/NAME.yaml`` into a validated ``Schedule``; errors point at ``file:line:col``.

One file is one schedule; its name is the file's stem. The grammar::

    bot: resident_registration        # bots/resident_registration.yaml (must exist)
    cron: "0 22 * * *"                # crontab (weekday 0/7 = Sunday) …
    interval: {minutes: 30}           # … or an interval (weeks/days/hours/minutes/seconds)
    timezone: Asia/Tokyo              # the default
    inbox: registration/*.xlsx        # glob under ROBOT_HOME/inbox/, or an absolute glob
    window: {start: "22:00", end: "06:00"}   # optional: no new case after the end
    workers: 1
    enabled: true
    settle_s: 10                      # a file unchanged this long is complete
    misfire_grace_s: 3600             # a run missed by less than this still happens (once)
    notify: {command: [notify-send, robot]}  # or {webhook: https://…}; when: always|problems
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field

from robot_core.daemon.triggers import RunWindow, crontab_trigger, parse_clock
from robot_core.errors import BotScriptError, ConfigError
from robot_core.home import contained
from robot_core.script.loader import _did_you_mean, _model
from robot_core.script.yamlsource import IDENTIFIER, YamlSource, load_yaml

DEFAULT_TZ = "Asia/Tokyo"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntervalSpec(_Strict):
    """``interval: {hours: 1}``: every so long, counted from when the daemon scheduled it."""

    weeks: int = Field(0, ge=0)
    days: int = Field(0, ge=0)
    hours: int = Field(0, ge=0)
    minutes: int = Field(0, ge=0)
    seconds: int = Field(0, ge=0)


class WindowSpec(_Strict):
    """``window: {start: "22:00", end: "06:00"}``; an int is YAML reading 22:00 unquoted."""

    start: str | int
    end: str | int


class NotifySpec(_Strict):
    """What to tell when a batch is finished: run a command, or POST JSON to a webhook."""

    command: tuple[str, ...] | None = Field(None, min_length=1)
    webhook: str | None = None
    when: Literal["always", "problems"] = "always"


class ScheduleSpec(_Strict):
    """The keys of a schedule file, as written."""

    name: str | None = None
    description: str = ""
    bot: str
    cron: str | None = None
    interval: IntervalSpec | None = None
    timezone: str = DEFAULT_TZ
    inbox: str = Field(min_length=1)
    window: WindowSpec | None = None
    workers: int = Field(1, ge=1, le=16)
    enabled: bool = True
    settle_s: float = Field(10.0, gt=0)
    misfire_grace_s: int = Field(3600, ge=1)
    notify: NotifySpec | None = None


@dataclass(frozen=True)
class Schedule:
    """A validated schedule: what it runs, when, on which files, within which hours."""

    name: str
    file: str
    spec: ScheduleSpec
    tz: ZoneInfo
    window: RunWindow | None

    @property
    def bot(self) -> str:
        """The bot the schedule runs."""
        return self.spec.bot

    @property
    def cron(self) -> str | None:
        """The crontab line, if the schedule has one."""
        return self.spec.cron

    @property
    def interval(self) -> dict[str, int] | None:
        """The interval's non-zero parts, if the schedule has one."""
        if self.spec.interval is None:
            return None
        return {k: v for k, v in self.spec.interval.model_dump().items() if v}

    @property
    def when(self) -> str:
        """``cron 0 22 * * *`` or ``every 0:30:00``, with the time zone."""
        if self.cron is not None:
            return f"cron {self.cron} ({self.spec.timezone})"
        parts = " ".join(f"{v}{k[0] if k != 'minutes' else 'min'}"
                         for k, v in (self.interval or {}).items())
        return f"every {parts}"

    def inbox_pattern(self, inbox_dir: Path) -> str:
        """The absolute glob of the files this schedule takes."""
        pattern = Path(self.spec.inbox)
        return str(pattern if pattern.is_absolute() else inbox_dir / pattern)

    @property
    def trigger_key(self) -> str:
        """Changes exactly when the job's trigger must be replaced in the job store."""
        fields = [self.cron, self.interval, self.spec.timezone, self.spec.misfire_grace_s]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:12]


def load_schedule(path: Path, bots_dir: Path) -> Schedule:
    """Load and check ``path``; ``BotScriptError`` at the offending key if it is wrong."""
    src = load_yaml(path)
    if not isinstance(src.data, dict):
        raise src.error((), "a schedule must be a mapping (bot:, cron:, inbox:, ...)")
    spec = _model(src, (), src.data, ScheduleSpec)
    if spec.name is not None:
        name = src.identifier(("name",), spec.name, "a schedule name")
    elif IDENTIFIER.fullmatch(path.stem):
        name = path.stem
    else:
        raise src.error((), f"the file name {path.stem[:60]!r} is not a plain name: give the "
                        "schedule a name: (letters, digits, _ or -)")
    _check_inbox(src, spec.inbox)
    _check_bot(src, spec.bot, bots_dir)
    tz = _zone(src, spec.timezone)
    _check_when(src, spec, tz)
    if spec.notify is not None:
        _check_notify(src, spec.notify)
    window = _window(src, spec.window, tz) if spec.window else None
    return Schedule(name, src.file, spec, tz, window)


def load_schedules(folder: Path, bots_dir: Path) -> tuple[list[Schedule], list[BotScriptError]]:
    """Every ``*.yaml`` in ``folder``: the valid schedules, and the errors of the others."""
    good: list[Schedule] = []
    errors: list[BotScriptError] = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            schedule = load_schedule(path, bots_dir)
        except BotScriptError as exc:
            errors.append(exc)
            continue
        twin = next((s for s in good if s.name == schedule.name), None)
        if twin is not None:
            errors.append(BotScriptError(f"schedule {schedule.name!r} is also in {twin.file}",
                                         None, schedule.file))
            continue
        good.append(schedule)
    return good, errors


def bot_path(bots_dir: Path, bot: str) -> Path:
    """``bots/<bot>.yaml``, resolved; ``ConfigError`` if it would lie outside ``bots_dir``."""
    return contained(bots_dir / f"{bot}.yaml", bots_dir)


def _check_inbox(src: YamlSource, pattern: str) -> None:
    """A glob under ``ROBOT_HOME/inbox/`` (or an absolute one) that never climbs with ``..``."""
    if ".." in PurePath(pattern.replace("\\", "/")).parts or "\0" in pattern:
        raise src.error(("inbox",), f"the inbox glob must not climb out with '..' ({pattern!r})")


def _check_bot(src: YamlSource, bot: str, bots_dir: Path) -> None:
    src.identifier(("bot",), bot, "bot")
    try:
        path = bot_path(bots_dir, bot)
    except ConfigError as exc:
        raise src.error(("bot",), str(exc)) from None
    if not path.is_file():
        known = sorted(p.stem for p in bots_dir.glob("*.yaml"))
        raise src.error(("bot",), f"unknown bot {bot!r}" + _did_you_mean(bot, known)
                        + f" (bots: {', '.join(known) or 'none'})")


def _zone(src: YamlSource, name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise src.error(("timezone",), f"unknown time zone {name!r} (like Asia/Tokyo)") from None


def _check_when(src: YamlSource, spec: ScheduleSpec, tz: ZoneInfo) -> None:
    if (spec.cron is None) == (spec.interval is None):
        raise src.error((), "give exactly one of cron: (\"0 22 * * *\") or interval: "
                        "({hours: 1})")
    if spec.cron is not None:
        try:
            crontab_trigger(spec.cron, tz)
        except ValueError as exc:
            raise src.error(("cron",), f"bad cron expression {spec.cron!r}: {exc}") from None
    elif spec.interval is not None and not any(spec.interval.model_dump().values()):
        raise src.error(("interval",), "an interval must be longer than zero")


def _check_notify(src: YamlSource, notify: NotifySpec) -> None:
    if (notify.command is None) == (notify.webhook is None):
        raise src.error(("notify",), "give one of command: [program, args…] or webhook: URL")
    if notify.webhook is not None and not notify.webhook.startswith(("http://", "https://")):
        raise src.error(("notify", "webhook"), "a webhook is an http:// or https:// URL")


def _window(src: YamlSource, spec: WindowSpec, tz: ZoneInfo) -> RunWindow:
    clocks = []
    for key in ("start", "end"):
        value: Any = getattr(spec, key)
        if isinstance(value, int):
            raise src.error(("window", key), f"write the time in quotes ({key}: \"22:00\"): "
                            "unquoted, YAML reads 22:00 as a number")
        try:
            clocks.append(parse_clock(value))
        except ValueError as exc:
            raise src.error(("window", key), str(exc)) from None
    if clocks[0] == clocks[1]:
        raise src.error(("window",), "the window starts and ends at the same time")
    return RunWindow(clocks[0], clocks[1], tz)
