"""``expect``: read a value back and compare it with what the case says.

Where the mismatch lands depends on whether the case may be in the legacy system yet:

* before the saving click (no ``commit: true`` click has run in this attempt) it is a
  ``ReadBackDiffers``, an ordinary system failure: recover, try the case again; nothing was
  saved, so typing it again is safe;
* after it, it is a ``RecordMismatch``: the case ends ``mismatch``, never retried, because
  the record may be in the legacy system with the wrong values and a person must look.

A bot that marks no saving click cannot tell the two apart; in its ``steps`` every mismatch
counts as after the save, the side that never types a case twice. The message names the
field, what was expected and what was read; for a secret (a secret target, or a template
reading a secret column) it gives lengths only.
"""

from __future__ import annotations

import re

from robot_core.errors import ReadBackDiffers, RecordMismatch, TargetNotFound
from robot_core.run.steps.actions import implements
from robot_core.run.steps.context import StepContext
from robot_core.run.steps.reading import normalized, read_source
from robot_core.script.actions import ExpectArgs
from robot_core.script.model import Step

_SHOWN_CHARS = 120  # of a value in a message: a program's whole output would drown it
# Shown escaped in a message: a line break or tab would hide where a value ends.
_CONTROLS = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}
EXIT_CODE = "exit_code"  # the output a once-per-case program leaves its exit code in


@implements("expect")
def expect(ctx: StepContext, step: Step) -> None:
    """Read a target (value, text, ``attribute``, ``url``, ``window_title``) or an ``output``
    back and compare it with the case: ``equals``, ``normalize``, ``pattern``."""
    args = step.args
    assert isinstance(args, ExpectArgs), step.label
    got, source = _read(ctx, step, args)
    ctx.shown_value = got
    problem = _compare(ctx, step, args, got, source)
    if problem is None:
        ctx.matched = "as expected"
        return
    if after_commit(ctx, step):
        raise RecordMismatch(f"saved, but {problem}: check this record in the legacy system")
    raise ReadBackDiffers(f"before saving, {problem}")


def after_commit(ctx: StepContext, step: Step) -> bool:
    """Whether the case may be in the legacy system already (see the module)."""
    return ctx.committed or (step.block == "steps" and not ctx.bot.marks_commit)


def _read(ctx: StepContext, step: Step, args: ExpectArgs) -> tuple[str, str]:
    if args.output is None and args.exit_code is None:
        return read_source(ctx, step, args)
    name = args.output if args.output is not None else EXIT_CODE
    if name not in ctx.outputs:
        known = ", ".join(sorted(ctx.outputs)) or "none yet"
        raise TargetNotFound(f"expect: the case has no output {name!r} (it has: {known})")
    return ctx.outputs[name], f"output {name}"


def _compare(ctx: StepContext, step: Step, args: ExpectArgs, got: str,
             source: str) -> str | None:
    """None when ``got`` is as expected, else what differs (secrets shown by length)."""
    def shown(value: str) -> str:
        if step.secret:
            return f"{len(value)} characters"
        cut = value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "…"
        return f"'{cut.translate(_CONTROLS)}'"  # 全角 spaces stay as staff see them

    if args.exit_code is not None:
        if got.strip() == str(args.exit_code):
            return None
        return f"{source}: expected exit code {args.exit_code}, got {shown(got)}"
    form = normalized if args.normalize else _same
    how = " (compared normalised)" if args.normalize else ""
    if args.pattern is not None:
        if re.search(args.pattern, form(got)) is not None:
            return None
        return f"{source}: read {shown(got)}, which does not match {args.pattern!r}{how}"
    wanted = ctx.render(step, "equals")
    if form(got) == form(wanted):
        return None
    return f"{source}: expected {shown(wanted)}, read {shown(got)}{how}"


def _same(text: str) -> str:
    return text
