"""The bot script model: what a bot *says*. What happened lives in ``robot_core.evidence``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from robot_core.errors import Location
from robot_core.script.rules import Bound, Rule, check_bound, check_order
from robot_core.script.templating import Template
from robot_core.selectors import SelectorMap


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


CHECKS = ("katakana", "my_number", "corporate_number", "postal_code")


class Column(_Strict):
    """One input column: where to find it in the export and what a valid value is.

    ``header`` lists the names the column goes by in exports (``[氏名, name]``); they match
    after NFKC, case folding, and dropping spaces, ``_`` and ``-`` (``Case ID`` == ``case_id``).
    ``min``/``max`` bound a date column (a date, ``today``, ``today-14d``) or an int column.
    Text is held to the content policy (``robot_core.intake.policy``): ``allow`` lets a
    column keep line breaks, private-use characters (外字) or a leading ``= + - @``, and
    ``max_length`` replaces the default cap of 1,000 characters.
    """

    header: tuple[str, ...] = ()
    type: Literal["str", "int", "date", "bool"] = "str"
    required: bool = False
    transform: tuple[str, ...] = ()
    check: Literal["katakana", "my_number", "corporate_number", "postal_code"] | None = None
    pattern: str | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    choices: tuple[str, ...] | None = None
    min: int | date | str | None = None
    max: int | date | str | None = None
    secret: bool = False
    allow: tuple[Literal["newline", "private_use", "formula_prefix"], ...] = ()

    @field_validator("header", "transform", "allow", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("min", "max", mode="before")
    @classmethod
    def _bound(cls, value: object, info: ValidationInfo) -> Bound | None:
        return check_bound(value, str(info.data.get("type", "str")))

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Column:
        check_order(self.min, self.max)
        return self


class InputSpec(_Strict):
    """How case rows are read: where the table is, the unique key, the columns, the rules.

    ``sheet`` names the worksheet (hidden ones included); otherwise the first visible sheet
    with a header row is read. ``header_row`` (1-based) pins the header instead of searching
    the first 30 rows. ``encoding`` is for CSV/TSV files: ``auto`` reads a BOM, then tries
    UTF-8, then CP932 (``shift_jis`` is read as CP932, the Windows form Excel writes).
    """

    key: str
    sheet: str | None = None
    header_row: int | None = Field(default=None, ge=1)
    encoding: Literal["auto", "utf-8", "cp932", "shift_jis", "utf-16"] = "auto"
    columns: dict[str, Column]
    rules: tuple[Rule, ...] = ()


class RetryPolicy(_Strict):
    """Attempts (the first one included) and the backoff between them.

    ``system_failures`` is how many times a case that ended ``failed`` (a system failure,
    after its ``case`` attempts) goes back to the queue by itself, ``system_backoff_s``
    later, doubling each time up to ``system_backoff_max_s``: an outage at 01:00 heals by
    03:00 without a person. After the last one the case stays ``failed``.

    ``faults`` is how many further attempts a case (or the login) may spend on the system's
    weather (a 503 page, an expired session, a hung answer) before those count against
    ``case``: at 10% 503s and 5% hangs per request a 4-request case attempt fails about
    every second time, so 3 attempts alone lose a few cases of every 200 (run/retries.py).

    ``breaker`` stops the run (``SystemDown``, exit 2) once that many cases in a row ended
    failed on the system itself (a 503 or "unavailable" page, an expired session, a hung
    answer, a refused connection: each case spent its ``faults`` allowance) with no case
    going through between; the rest stay queued for the next run. 0: never (run/breaker.py).
    """

    step: int = Field(default=3, ge=1, le=10)
    case: int = Field(default=3, ge=1, le=10)
    faults: int = Field(default=20, ge=0, le=100)
    breaker: int = Field(default=3, ge=0, le=100)
    backoff_s: float = Field(default=0.5, ge=0, le=60)
    backoff_max_s: float = Field(default=5.0, ge=0, le=600)
    system_failures: int = Field(default=2, ge=0, le=10)
    system_backoff_s: float = Field(default=300.0, ge=0, le=86_400)
    system_backoff_max_s: float = Field(default=3600.0, ge=0, le=86_400)


class Watch(_Strict):
    """A target whose appearance means something went wrong, whatever step is running."""

    target: str
    means: Literal["session_expired", "system_unavailable"]


class SessionPolicy(_Strict):
    """When to start the application session afresh."""

    recycle_every: int = Field(default=50, ge=0)


class Timeouts(_Strict):
    """How long a step waits for its target, and a page for its load."""

    step_ms: int = Field(default=10_000, ge=100)
    navigation_ms: int = Field(default=15_000, ge=100)


@dataclass(frozen=True)
class Step:
    """One action of a block, validated, with its templates compiled."""

    block: str
    index: int
    action: str
    args: BaseModel
    templates: Mapping[str, Template]
    location: Location
    secret: bool
    #: the step lists of a control step: ``then``/``else`` (if), ``do`` (repeat), ``steps`` (use)
    children: Mapping[str, tuple[Step, ...]] = field(default_factory=dict)

    @property
    def once(self) -> bool:
        """Never repeated blindly: the saving click, a step marked ``once: true``, and a key
        pressed a counted number of times (a repeat after three of five presses would move the
        widget too far)."""
        return self.commit or self.marked_once or \
            (self.action == "press" and getattr(self.args, "times", "1") != "1")

    @property
    def marked_once(self) -> bool:
        """``once: true``: its request changes the system (a 次へ that saves a draft), so it is
        not repeated even from its page opened anew."""
        return bool(getattr(self.args, "once", False))

    @property
    def commit(self) -> bool:
        """Whether this step is a ``commit: true`` click."""
        return bool(getattr(self.args, "commit", False))

    @property
    def label(self) -> str:
        """``steps[3] fill``: how audit events and errors name the step."""
        return f"{self.block}[{self.index}] {self.action}"

    def target_names(self) -> list[str]:
        """Every target this step names itself (not its children's): ``any:`` lists too."""
        names: list[str] = []
        for key in getattr(type(self.args), "TARGETS", ()):
            value = getattr(self.args, key, None)
            names += list(value) if isinstance(value, tuple) else [value] if value else []
        return names

    def target_name(self) -> str | None:
        """The step's main target, if it has one."""
        value = getattr(self.args, "target", None) or getattr(self.args, "gone", None)
        return value if isinstance(value, str) else None


def walk(steps: tuple[Step, ...]) -> Iterator[Step]:
    """Every step of ``steps``, and of their ``if``/``repeat``/``use`` children, in order."""
    for step in steps:
        yield step
        for block in step.children.values():
            yield from walk(block)


def named_targets(steps: tuple[Step, ...]) -> set[str]:
    """Every target ``steps`` name, and the steps inside them (``Step.target_names``)."""
    return {name for step in walk(steps) for name in step.target_names()}


@dataclass(frozen=True)
class BotScript:
    """A loaded, validated bot: the script and the selector map it drives."""

    name: str
    description: str
    driver: Literal["web", "desktop", "terminal"]
    app: str
    file: str
    selectors: SelectorMap
    credentials: str | None
    input: InputSpec
    setup: tuple[Step, ...]
    verify: tuple[Step, ...]
    steps: tuple[Step, ...]
    recover: tuple[Step, ...]
    retry: RetryPolicy
    watch: tuple[Watch, ...]
    session: SessionPolicy
    timeouts: Timeouts
    env_vars: frozenset[str]
    timezone: str = "Asia/Tokyo"  # of today/now in templates

    @property
    def outputs(self) -> tuple[str, ...]:
        """Names the bot extracts (``into:``), in script order."""
        names: list[str] = []
        for step in walk((*self.steps, *self.verify)):
            into = getattr(step.args, "into", None)
            if isinstance(into, str) and into not in names:
                names.append(into)
        return tuple(names)

    @property
    def marks_commit(self) -> bool:
        """Whether a step says which click saves the case (``commit: true``)."""
        return any(s.commit for s in walk(self.steps))

    def secret_headers(self) -> set[str]:
        """Every header a secret column may carry in an export (its aliases and its name)."""
        cols = self.input.columns
        return {h for name in self.secret_columns() for h in (*cols[name].header, name)}

    def secret_columns(self) -> set[str]:
        """Columns whose values never reach logs, screenshots or reports."""
        return {name for name, col in self.input.columns.items() if col.secret}
