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
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from robot_core.errors import SystemUnavailable, TransientError


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
    page: loading a page again is harmless).
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


class ClickArgs(TargetArgs):
    commit: bool = False  # this click saves the case: a retry after it must verify first


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


class PressArgs(Args):
    key: str
    target: str | None = None
    commit: bool = False  # this key saves the case (a terminal's Enter on the confirm screen)
    TARGETS = ("target",)


class WaitArgs(Args):
    target: str | None = None
    any: tuple[str, ...] = ()
    timeout_ms: int | None = Field(default=None, ge=1)
    TARGETS = ("target", "any")

    @model_validator(mode="after")
    def _something(self) -> WaitArgs:
        if self.target is None and not self.any:
            raise ValueError("name a target, or any: [targets]")
        return self


class ExtractArgs(TargetArgs):
    into: str
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value


class BusinessErrorArgs(TargetArgs):
    reason: str = "{{ text }}"
    TEMPLATES = ("reason",)


class ScreenshotArgs(Args):
    name: str = "evidence"


_spec("goto", UrlArgs,
      "Open a URL (web) or bring a window forward (desktop).",
      shorthand="url", retry_on=(TransientError, SystemUnavailable))
_spec("click", ClickArgs,
      "Click a target (a button, a link, an image); ``commit: true`` marks the saving click.",
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
      "Press a key (Enter, Tab, Control+S), on a target when one is named.",
      shorthand="key")
_spec("wait_for", WaitArgs,
      "Wait until a target (or ``any`` of several) is on screen; never a fixed sleep.",
      shorthand="target")
_spec("extract", ExtractArgs,
      "Read a target's text into an output (``into:``), optionally through a regex ``pattern``.")
_spec("business_error_if", BusinessErrorArgs,
      "If the target shows (a red validation message), the case is a business failure.",
      shorthand="target", repeatable=False)
_spec("found_when", TargetArgs,
      "In ``verify``: the case is already in the system when this target shows.",
      shorthand="target", blocks=frozenset({"verify"}))
_spec("screenshot", ScreenshotArgs,
      "Keep a screenshot as evidence of the case (secret targets masked).",
      shorthand="name")
