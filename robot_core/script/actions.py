"""The actions bot scripts are written in, as the loader sees them: names, arguments, rules.

An action's spec is its name, its pydantic ``Args`` model (no unknown keys; its ``TARGETS``
fields name selector-map targets, its ``TEMPLATES`` fields are templates, both checked when
the script loads), its shorthand, the blocks it may appear in and which faults repeat it.
What an action *does* lives in ``robot_core.run.steps``, keyed by the same names: loading a
bot imports no driver and no step implementation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from robot_core.errors import NoResponse, SystemUnavailable, TransientError


class Args(BaseModel):
    """Base of action arguments: no unknown keys, which fields are targets and templates."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    TARGETS: ClassVar[tuple[str, ...]] = ()
    TEMPLATES: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class Action:
    """A registered action: what a step may say and how the runner may repeat it.

    ``repeatable`` says whether a transient fault may simply repeat the step (a fill may; a
    click that submitted a form may not, and its faults go to case-level recovery instead).
    ``retry_on`` names the errors that repeat the step (navigation also repeats on an error
    page and on a hung answer: loading a page again is harmless, and cheaper than a new
    attempt of the case).
    """

    name: str
    args: type[Args]
    shorthand: str | None
    repeatable: bool
    blocks: frozenset[str]
    doc: str
    retry_on: tuple[type[Exception], ...] = ()


ACTIONS: dict[str, Action] = {}
ALL_BLOCKS = frozenset({"setup", "verify", "steps", "recover"})


def _spec(name: str, args: type[Args], doc: str, *, shorthand: str | None = None,
          repeatable: bool = True, blocks: frozenset[str] = ALL_BLOCKS,
          retry_on: tuple[type[Exception], ...] = (TransientError,)) -> None:
    ACTIONS[name] = Action(name, args, shorthand, repeatable, blocks, doc, retry_on)


class UrlArgs(Args):
    url: str
    TEMPLATES = ("url",)


class TargetArgs(Args):
    target: str
    timeout_ms: int | None = Field(default=None, ge=1)
    TARGETS = ("target",)


def _once() -> Any:
    """``once: true``: the step's request changes the system before the saving click (a 次へ
    that reserves a number or saves a draft); never repeated by itself (run/resume.py)."""
    return Field(default=False, description=(
        "this step changes the system before the saving click (a 次へ that reserves a number "
        "or saves a draft): never repeated by itself, as a step or by a resumed attempt (the "
        "case starts over instead)"))


class ClickArgs(TargetArgs):
    commit: bool = False  # this click saves the case: a retry after it must verify first
    once: bool = _once()


class FillArgs(TargetArgs):
    value: str
    TEMPLATES = ("value",)


class SelectArgs(TargetArgs):
    value: str | None = None
    label: str | None = None
    TEMPLATES = ("value", "label")

    @model_validator(mode="after")
    def _one_of(self) -> SelectArgs:
        if (self.value is None) == (self.label is None):
            raise ValueError("give exactly one of value or label")
        return self


class CheckArgs(TargetArgs):
    value: str = "true"
    TEMPLATES = ("value",)


class ChooseArgs(TargetArgs):
    value: str
    TEMPLATES = ("value",)


#: Upper bounds of counted steps: a count from the data past these is a mistake, not a plan.
MAX_PRESSES = 1000
MAX_REPEAT = 100


def _count_text(value: object) -> object:
    """A count is a template (``"{{ case.months }}"``) or a whole number, kept as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class PressArgs(Args):
    key: str
    target: str | None = None
    times: str = "1"  # a template: the calendar moved by as many arrow keys as the data says
    commit: bool = False  # this key saves the case (a terminal's Enter on the confirm screen)
    once: bool = _once()
    TARGETS = ("target",)
    TEMPLATES = ("times",)

    _times = field_validator("times", mode="before")(_count_text)


class SleepArgs(Args):
    ms: int = Field(ge=1, le=10_000)


class IfArgs(Args):
    """The condition of ``if:``: a target on screen (or not), or a template that is true."""

    visible: str | None = None
    hidden: str | None = None
    test: str | None = None
    TARGETS = ("visible", "hidden")
    TEMPLATES = ("test",)

    @model_validator(mode="after")
    def _one_condition(self) -> IfArgs:
        given = [n for n in ("visible", "hidden", "test") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("an if: takes exactly one of visible: TARGET, hidden: TARGET or "
                             "test: \"{{ template }}\"")
        return self


class RepeatArgs(Args):
    times: str
    TEMPLATES = ("times",)

    _times = field_validator("times", mode="before")(_count_text)


class UseArgs(Args):
    block: str
    args: dict[str, str] = Field(default_factory=dict)


class WaitArgs(Args):
    target: str | None = None
    any: tuple[str, ...] = ()
    gone: str | None = None  # wait until this target is no longer on screen
    timeout_ms: int | None = Field(default=None, ge=1)
    TARGETS = ("target", "any", "gone")

    @model_validator(mode="after")
    def _something(self) -> WaitArgs:
        named = (self.target is not None) + bool(self.any) + (self.gone is not None)
        if named != 1:
            raise ValueError("name one of: a target, any: [targets], or gone: target")
        return self


def _regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
    return value


class ReadArgs(Args):
    """Where a value is read from: a target's text (or its ``attribute``), the page's
    ``url``, or the ``window_title`` (web: the page title; desktop: the focused window)."""

    target: str | None = None
    attribute: str | None = Field(default=None, min_length=1)
    url: bool = False
    window_title: bool = False
    timeout_ms: int | None = Field(default=None, ge=1)
    TARGETS = ("target",)
    # A browser has attributes and addresses; a desktop program's window has neither.
    WEB_ONLY: ClassVar[tuple[str, ...]] = ("attribute", "url")

    def sources(self) -> list[str]:
        """The read sources this step names (exactly one is valid)."""
        return [name for name, given in (("target", self.target is not None),
                                         ("url", self.url),
                                         ("window_title", self.window_title)) if given]

    def source_names(self) -> tuple[str, ...]:
        """How the sources are written, for the message when none or two are named."""
        return ("target", "url: true", "window_title: true")

    def check_source(self) -> None:
        """Exactly one source; ``attribute`` only with a target."""
        sources = self.sources()
        if len(sources) != 1:
            raise ValueError(f"read exactly one of: {', '.join(self.source_names())}"
                             + (f" (got {' and '.join(sources)})" if sources else ""))
        if self.attribute is not None and self.target is None:
            raise ValueError("attribute: reads an attribute of a target: name the target")


class ExtractArgs(ReadArgs):
    into: str
    pattern: str | None = None

    check_pattern = field_validator("pattern")(_regex)

    @model_validator(mode="after")
    def _one_source(self) -> ExtractArgs:
        self.check_source()
        return self


class ExpectArgs(ReadArgs):
    """A read-back compared with what the case says: ``equals`` (a template) or a regex
    ``pattern``; ``normalize`` compares NFKC forms with runs of spaces made one. Besides the
    read sources: an ``output`` of the case so far, or ``exit_code`` (the expected exit code
    of a once-per-case program, read from its ``exit_code`` output)."""

    output: str | None = None
    exit_code: int | None = None
    equals: str | None = None
    pattern: str | None = None
    normalize: bool = False
    TEMPLATES = ("equals",)

    check_pattern = field_validator("pattern")(_regex)

    def sources(self) -> list[str]:
        """The read sources named, outputs included."""
        return super().sources() + [name for name, given in (
            ("output", self.output is not None),
            ("exit_code", self.exit_code is not None)) if given]

    def source_names(self) -> tuple[str, ...]:
        """The sources, outputs included."""
        return (*super().source_names(), "output", "exit_code")

    @model_validator(mode="after")
    def _one_source_one_check(self) -> ExpectArgs:
        self.check_source()
        checks = (self.equals is not None) + (self.pattern is not None)
        if self.exit_code is not None:
            if checks:
                raise ValueError("exit_code: is itself the expected value; drop equals/pattern")
        elif checks != 1:
            raise ValueError("say what to expect: equals: (a template) or pattern: (a regex)")
        return self


class BusinessErrorArgs(TargetArgs):
    reason: str = "{{ text }}"
    TEMPLATES = ("reason",)


class FailArgs(Args):
    reason: str
    TEMPLATES = ("reason",)


class ScreenshotArgs(Args):
    name: str = "evidence"


_spec("goto", UrlArgs,
      "Open a URL (web) or bring a window forward (desktop).",
      shorthand="url", retry_on=(TransientError, SystemUnavailable, NoResponse))
_spec("click", ClickArgs,
      "Click a target (a button, a link, an image); ``commit: true`` marks the saving click, "
      "``once: true`` a click that changes the system before it (never repeated by itself).",
      shorthand="target")
_spec("fill", FillArgs,
      "Type a value into a field, replacing what is there.")
_spec("select", SelectArgs,
      "Pick an option of a drop-down list, by ``value`` or by visible ``label``.")
_spec("check", CheckArgs,
      "Tick a checkbox when ``value`` is true-ish (true, 1, ○, はい), untick it otherwise.")
_spec("choose", ChooseArgs,
      "Pick the radio button of a target's ``options:`` that matches ``value`` (男 → 男's).")
_spec("press", PressArgs,
      "Press a key (Enter, Tab, Control+S), on a target when one is named; ``times`` "
      f"(a template, 0 to {MAX_PRESSES}) presses it that many times.",
      shorthand="key")
_spec("sleep", SleepArgs,
      "Wait a fixed time (ms, at most 10000). A last resort: `robot validate` warns; "
      "wait_for a target instead.", shorthand="ms")
_spec("if", IfArgs,
      "Run ``then:`` when the condition holds, else ``else:`` (both optional lists of steps).",
      shorthand="test")
_spec("repeat", RepeatArgs,
      f"Run ``do:`` N times (a whole number or a template; 0 to {MAX_REPEAT}).",
      shorthand="times")
_spec("use", UseArgs,
      "Run the steps of ``blocks/NAME.yaml``, its parameters given by ``with:``.",
      shorthand="block")
_spec("wait_for", WaitArgs,
      "Wait until a target (or ``any`` of several) is on screen, or one is ``gone``; never a "
      "fixed sleep.",
      shorthand="target")
_spec("extract", ExtractArgs,
      "Read a target's text (or ``attribute``, or the ``url``) into an output (``into:``), "
      "optionally through a regex ``pattern``.")
# A read-back that disagrees is a ``ReadBackDiffers`` (not transient: it goes to case level,
# recover and try again) or, after the saving click, a ``RecordMismatch`` (never retried).
_spec("expect", ExpectArgs,
      "Read a target (value, text, ``attribute``, ``url``, ``window_title``) or an ``output`` "
      "back and compare it with the case: ``equals``, ``normalize``, ``pattern``.")
_spec("business_error_if", BusinessErrorArgs,
      "If the target shows (a red validation message), the case is a business failure.",
      shorthand="target", repeatable=False)
_spec("fail", FailArgs,
      "End the case as a business failure with this reason (inside an if: what the "
      "screen showed is wrong for the data).", shorthand="reason", repeatable=False,
      blocks=frozenset({"steps"}))
_spec("found_when", TargetArgs,
      "In ``verify``: the case is already in the system when this target shows.",
      shorthand="target", blocks=frozenset({"verify"}))
_spec("screenshot", ScreenshotArgs,
      "Keep a screenshot as evidence of the case (secret targets masked).",
      shorthand="name")
