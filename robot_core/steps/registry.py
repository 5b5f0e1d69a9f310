"""The action registry: every step a bot script may use, its arguments and its function.

An action is registered with ``@action(name, Args, shorthand=...)``. ``Args`` is a pydantic
model; its ``TARGETS`` fields name selector-map targets and its ``TEMPLATES`` fields are
templates, both checked when the script loads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

from robot_core.errors import TransientError

if TYPE_CHECKING:
    from robot_core.script.model import Step
    from robot_core.steps.context import StepContext


class Args(BaseModel):
    """Base of action arguments: no unknown keys, which fields are targets and templates."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    TARGETS: ClassVar[tuple[str, ...]] = ()
    TEMPLATES: ClassVar[tuple[str, ...]] = ()


ActionFn = Callable[["StepContext", "Step"], None]


@dataclass(frozen=True)
class Action:
    """A registered action."""

    name: str
    args: type[Args]
    run: ActionFn
    shorthand: str | None
    repeatable: bool
    blocks: frozenset[str]
    doc: str
    retry_on: tuple[type[Exception], ...] = ()


ACTIONS: dict[str, Action] = {}
ALL_BLOCKS = frozenset({"setup", "verify", "steps", "recover"})


def action(name: str, args: type[Args], *, shorthand: str | None = None,
           repeatable: bool = True, blocks: frozenset[str] = ALL_BLOCKS,
           retry_on: tuple[type[Exception], ...] = (TransientError,),
           ) -> Callable[[ActionFn], ActionFn]:
    """Register the decorated function as action ``name``.

    ``repeatable`` says whether a transient fault may simply repeat the step (a fill may; a
    click that submitted a form may not, and its faults go to case-level recovery instead).
    ``retry_on`` names the errors that repeat the step (navigation also repeats on an error
    page: loading a page again is harmless).
    """

    def register(fn: ActionFn) -> ActionFn:
        ACTIONS[name] = Action(name, args, fn, shorthand, repeatable, blocks,
                               (fn.__doc__ or "").strip().splitlines()[0], retry_on)
        return fn

    return register
