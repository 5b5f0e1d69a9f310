"""What the control steps do: ``if``, ``repeat`` and ``use`` decide; ``run_steps`` follows.

A control step runs like any other step (the runner's retries and audit event), but what it
does is decide which step lists come next (``StepContext.next_blocks``): the branch of an
``if``, ``repeat``'s ``do`` N times, a block's steps with its parameters. ``run_steps`` then
runs those lists through the same ``run_one``, so a ``commit: true`` click inside any of them
is the runner's commit like any other (exactly-once, verify before a retry).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from robot_core.errors import BotScriptError
from robot_core.run.steps.context import StepContext
from robot_core.script.actions import MAX_PRESSES, MAX_REPEAT, IfArgs
from robot_core.script.model import Step

FALSY = frozenset({"", "false", "0", "no", "n", "off", "none", "×", "いいえ", "無"})


def run_steps(ctx: StepContext, steps: tuple[Step, ...], run_one: Callable[[Step], None],
              ) -> bool:
    """Run ``steps`` (and what control steps choose); False once verify found nothing."""
    for step in steps:
        run_one(step)
        if step.action == "found_when" and not ctx.found:
            return False  # verify: the case is not in the system; nothing more to read
        if not step.children:
            continue
        blocks, params = ctx.next_blocks, ctx.next_params
        ctx.next_blocks, ctx.next_params = [], None
        saved = ctx.variables.get("params")
        if params is not None:
            ctx.variables["params"] = params
        try:
            for block in blocks:
                if not run_steps(ctx, block, run_one):
                    return False
        finally:
            ctx.variables["params"] = saved
    return True


def decide_if(ctx: StepContext, step: Step) -> None:
    """``if``: the ``then`` list when the condition holds, else the ``else`` list."""
    args = step.args
    assert isinstance(args, IfArgs), step.label
    if args.test is not None:
        holds = ctx.render(step, "test").strip().casefold() not in FALSY
    else:
        shown = ctx.driver.is_visible(ctx.target(args.visible or args.hidden or ""))
        holds = shown if args.visible is not None else not shown
    branch = "then" if holds else "else"
    ctx.shown_value = branch
    ctx.next_blocks = [step.children[branch]] if branch in step.children else []


def decide_repeat(ctx: StepContext, step: Step) -> None:
    """``repeat``: ``do`` as many times as ``times`` renders to."""
    times = count(ctx, step, MAX_REPEAT)
    ctx.shown_value = f"×{times}"
    ctx.next_blocks = [step.children["do"]] * times


def decide_use(ctx: StepContext, step: Step) -> None:
    """``use``: the block's steps, its parameters rendered in the caller's context."""
    params = {name.removeprefix("with."): ctx.render(step, name) for name in step.templates}
    ctx.shown_value = str(getattr(step.args, "block", ""))
    ctx.next_blocks = [step.children["steps"]]
    ctx.next_params = params


def count(ctx: StepContext, step: Step, top: int) -> int:
    """The whole number ``times`` renders to, 0 to ``top``; anything else is a script error."""
    text = ctx.render(step, "times").strip()
    if not text.isdigit() or int(text) > top:
        raise BotScriptError(f"{step.action} times is {text[:30]!r}: it must be a whole number "
                             f"from 0 to {top}", step.location, step.label)
    return int(text)


def press_count(ctx: StepContext, step: Step) -> int:
    """How many times a ``press`` presses its key."""
    return count(ctx, step, MAX_PRESSES)


def clock(timezone: str) -> dict[str, Any]:
    """``today`` and ``now`` for templates, in the bot's time zone (fresh for each case)."""
    now = datetime.now(ZoneInfo(timezone)).replace(microsecond=0)
    return {"today": now.date(), "now": now}
