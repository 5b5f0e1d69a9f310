"""Reading a value back (``extract`` and ``expect``), and the normal form values compare in.

A read names one source: a target's text (an input's value, an element's or a field's
text), one of its attributes, the page's address or the window's title.
"""

from __future__ import annotations

import re
import unicodedata

from robot_core.run.steps.context import StepContext
from robot_core.script.actions import ReadArgs
from robot_core.script.model import Step

_SPACES = re.compile(r"\s+")  # in str patterns \s is every Unicode space: 全角, NBSP, tabs


def read_source(ctx: StepContext, step: Step, args: ReadArgs) -> tuple[str, str]:
    """(the text read, how a message names where it came from)."""
    if args.url:
        return ctx.driver.current_url(), "the page address"
    if args.window_title:
        return ctx.driver.window_title(), "the window title"
    assert args.target is not None, step.label  # the model allows no other source
    target = ctx.target(args.target)
    wait = ctx.timeout(step, target)
    if args.attribute is not None:
        return (ctx.driver.read_attribute(target, args.attribute, wait),
                f"{args.target} ({args.attribute})")
    return ctx.driver.read_text(target, wait), args.target


def normalized(text: str) -> str:
    """NFKC (全角 ASCII → ASCII, ﾊﾝｶｸ → 全角 kana, ① → 1), every run of spaces one space.

    What staff would call "the same" on a screen: ``ＡＢＣ　１２３`` is ``ABC 123``,
    ``ﾔﾏﾀﾞ`` is ``ヤマダ``, ``山田　 太郎`` is ``山田 太郎``; the ends are trimmed.
    """
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
