"""Where the next attempt of a case starts after weather before its saving click.

A 503 page or a hung answer met before anything was saved used to start the case over: its
first page, every field typed again, and each request of that again open to the weather. The
next attempt may instead start where the failed one stood, when that is safe:

* **the same page** (``NoResponse``): the hung answer was given up on before its document
  came, so the screen is still the very document the earlier steps typed into (the driver's
  ``page_mark`` is the one the failed step started on: ``PageAware``). The attempt repeats
  the step that sent the request (the last ``click``/``press``/``goto`` on that document, or
  the failed step), with the case's context as it was: nothing is typed again.
* **the last page opened** (``ErrorPage``, or a hang after which the screen did change):
  from the last ``goto`` of the steps before the failure, when the recovery keeps the
  session (``relogin.shortcut`` is ``"resume"``: no login, so what earlier pages told the
  system still holds). A last ``goto`` that is the first step is a plain new attempt.

Never at a step that may not be repeated blindly (``Step.once``: a key pressed a counted
number of times, or a step marked ``once: true``, whose request changes the system before the
saving click: a 次へ that reserves a number or saves a draft); never from a last ``goto`` with
a ``once: true`` step between it and the failure (opening the page anew does not undo a draft:
the case starts over, from its first page); never after a saving click (``commit: true``) of
this attempt, or of an earlier one that may have saved (``verify`` comes first, always); never
without a marked saving click (how far a failed attempt got cannot be told); never after an
expired session (a new login starts from the case's first page) or an outage; web bots only
(a desktop program or a terminal session keeps screen state of its own). Only top-level steps are
resumed at: a failure inside ``if``/``repeat``/``use`` repeats that whole step (so a step
that may not be repeated anywhere inside it forbids the resume).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from robot_core.errors import ErrorPage, NoResponse
from robot_core.run.relogin import shortcut
from robot_core.script.model import BotScript, Step, walk

#: Steps that may send a request of their own: the one that hung is the last of them.
SENDS = frozenset({"click", "press", "goto"})


def resume_at(bot: BotScript, failed: int, marks: Mapping[int, object | None],
              now: object | None, cause: Exception) -> int | None:
    """The top-level step the next attempt starts at, after ``cause`` failed step ``failed``
    (``marks``: the page mark each step started on; ``now``: the mark now); None: the first
    step, in a fresh attempt. The caller has checked that nothing may have been saved."""
    steps = bot.steps
    if not isinstance(cause, ErrorPage | NoResponse) or not 0 <= failed < len(steps):
        return None
    if isinstance(cause, NoResponse) and now is not None and marks.get(failed) == now:
        same = failed  # the first step of the run of steps on the document showing now
        while same > 0 and marks.get(same - 1) == now:
            same -= 1
        senders = [i for i in range(same, failed + 1) if steps[i].action in SENDS]
        start = senders[-1] if senders else failed
        # a counted key, or a step marked once: true, is never repeated blindly (Step.once)
        return None if _any(steps[start:failed + 1], lambda s: s.once) else start
    if shortcut(bot, cause) != "resume":
        return None
    gotos = [i for i in range(failed + 1) if steps[i].action == "goto"]
    if not gotos or gotos[-1] == 0:
        return None
    # the page opened anew forgets what was typed, not what a once: true step told the system
    return None if _any(steps[gotos[-1]:failed + 1], lambda s: s.marked_once) else gotos[-1]


def _any(steps: tuple[Step, ...], test: Callable[[Step], bool]) -> bool:
    """Whether ``test`` holds for one of ``steps``, or of the steps inside them."""
    return any(test(step) for step in walk(steps))
