"""What the actions do. One small function each; see docs/writing-bots.md.

The names, arguments and rules of the actions are their specs in ``robot_core.script.actions``;
each function here is registered under its spec's name with ``@implements``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from robot_core.errors import BusinessError, TargetNotFound
from robot_core.run.steps.context import StepContext
from robot_core.run.steps.control import decide_if, decide_repeat, decide_use, press_count
from robot_core.run.steps.reading import read_source
from robot_core.run.timeouts import navigation_timeout
from robot_core.script.actions import (
    ACTIONS,
    Args,
    BusinessErrorArgs,
    CheckArgs,
    ChooseArgs,
    ClickArgs,
    ExtractArgs,
    FillArgs,
    PressArgs,
    ScreenshotArgs,
    SelectArgs,
    SleepArgs,
    TargetArgs,
    WaitArgs,
)
from robot_core.script.model import Step

A = TypeVar("A", bound=Args)
ActionFn = Callable[[StepContext, Step], None]
TRUTHY = frozenset({"true", "1", "yes", "y", "on", "○", "〇", "はい", "有", "✓", "x"})
RUN: dict[str, ActionFn] = {}


def implements(name: str) -> Callable[[ActionFn], ActionFn]:
    """Register the decorated function as what the action ``name`` (a spec) does."""

    def register(fn: ActionFn) -> ActionFn:
        if name not in ACTIONS:
            raise KeyError(f"no action spec named {name!r}")
        RUN[name] = fn
        return fn

    return register


@implements("goto")
def goto(ctx: StepContext, step: Step) -> None:
    """Open a URL (web) or bring a window forward (desktop)."""
    url = ctx.render(step, "url")
    ctx.shown_value = url
    ctx.driver.goto(url, navigation_timeout(ctx.bot))


@implements("click")
def click(ctx: StepContext, step: Step) -> None:
    """Click a target (a button, a link, an image); ``commit: true`` marks the saving click."""
    args = _args(step, ClickArgs)
    target = ctx.target(args.target)
    if args.commit:
        ctx.committed = True  # from here on, the case may be in the legacy system
    ctx.matched = ctx.driver.click(target, ctx.timeout(step, target))


@implements("fill")
def fill(ctx: StepContext, step: Step) -> None:
    """Type a value into a field, replacing what is there."""
    args = _args(step, FillArgs)
    target = ctx.target(args.target)
    value = ctx.render(step, "value")
    ctx.shown_value = value
    ctx.matched = ctx.driver.fill(target, value, ctx.timeout(step, target))


@implements("select")
def select(ctx: StepContext, step: Step) -> None:
    """Pick an option of a drop-down list, by ``value`` or by visible ``label``."""
    args = _args(step, SelectArgs)
    target = ctx.target(args.target)
    label = ctx.render(step, "label") if args.label is not None else None
    value = ctx.render(step, "value") if args.value is not None else None
    ctx.shown_value = label if label is not None else (value or "")
    ctx.matched = ctx.driver.select(target, value, label, ctx.timeout(step, target))


@implements("check")
def check(ctx: StepContext, step: Step) -> None:
    """Tick a checkbox when ``value`` is true-ish (true, 1, ○, はい), untick it otherwise."""
    args = _args(step, CheckArgs)
    target = ctx.target(args.target)
    wanted = ctx.render(step, "value").strip().lower() in TRUTHY
    ctx.shown_value = str(wanted).lower()
    ctx.matched = ctx.driver.set_checked(target, wanted, ctx.timeout(step, target))


@implements("choose")
def choose(ctx: StepContext, step: Step) -> None:
    """Pick the radio button of a target's ``options:`` that matches ``value`` (男 → 男's)."""
    args = _args(step, ChooseArgs)
    value = ctx.render(step, "value")
    ctx.shown_value = value
    parent = ctx.target(args.target)
    target = parent.option(value.strip())
    wait = ctx.timeout(step, target if target.timeout_ms else parent)
    ctx.matched = ctx.driver.set_checked(target, True, wait)


@implements("press")
def press(ctx: StepContext, step: Step) -> None:
    """Press a key (Enter, Tab, Control+S), on a target when one is named."""
    args = _args(step, PressArgs)
    target = ctx.target(args.target) if args.target else None
    times = press_count(ctx, step)
    ctx.shown_value = f"{args.key} ×{times}" if times != 1 else ""
    if args.commit:
        ctx.committed = True  # from here on, the case may be in the legacy system
    for _ in range(times):
        ctx.driver.press(target, args.key, ctx.timeout(step, target))


@implements("sleep")
def sleep(ctx: StepContext, step: Step) -> None:
    """Wait a fixed time: a last resort (``robot validate`` warns)."""
    time.sleep(_args(step, SleepArgs).ms / 1000)


implements("if")(decide_if)
implements("repeat")(decide_repeat)
implements("use")(decide_use)


@implements("wait_for")
def wait_for(ctx: StepContext, step: Step) -> None:
    """Wait until a target (or ``any`` of several) is on screen, or one is ``gone``."""
    args = _args(step, WaitArgs)
    if args.gone is not None:
        target = ctx.target(args.gone)
        ctx.driver.wait_gone(target, ctx.timeout(step, target))
        ctx.matched = f"{args.gone} gone"
        return
    names = ([args.target] if args.target else []) + list(args.any)
    shown = ctx.driver.wait_any([ctx.target(n) for n in names], ctx.timeout(step))
    ctx.matched = shown.name


@implements("extract")
def extract(ctx: StepContext, step: Step) -> None:
    """Read a target's text (or ``attribute``, or the ``url``) into an output (``into:``),
    optionally through a regex ``pattern``."""
    args = _args(step, ExtractArgs)
    text, source = read_source(ctx, step, args)
    if args.pattern:
        match = re.search(args.pattern, text)
        if match is None:
            raise TargetNotFound(f"{source}: {text!r} does not match {args.pattern!r}")
        text = match.group(1) if match.groups() else match.group(0)
    ctx.outputs[args.into] = text
    ctx.shown_value = text


@implements("business_error_if")
def business_error_if(ctx: StepContext, step: Step) -> None:
    """If the target shows (a red validation message), the case is a business failure."""
    args = _args(step, BusinessErrorArgs)
    target = ctx.target(args.target)
    if not ctx.driver.is_visible(target):
        return
    text = ctx.driver.read_text(target, ctx.timeout(step, target))
    raise BusinessError(ctx.render(step, "reason", text=text) or f"{args.target} shown")


@implements("fail")
def fail(ctx: StepContext, step: Step) -> None:
    """End the case as a business failure with the step's reason."""
    raise BusinessError(ctx.render(step, "reason") or "the bot ended the case")


@implements("found_when")
def found_when(ctx: StepContext, step: Step) -> None:
    """In ``verify``: the case is already in the system when this target shows."""
    args = _args(step, TargetArgs)
    ctx.found = ctx.driver.is_visible(ctx.target(args.target))


@implements("screenshot")
def screenshot(ctx: StepContext, step: Step) -> None:
    """Keep a screenshot as evidence of the case (secret targets masked)."""
    args = _args(step, ScreenshotArgs)
    ctx.shown_value = ctx.capture(args.name)


def _args(step: Step, kind: type[A]) -> A:
    assert isinstance(step.args, kind), step.label
    return step.args
