"""``robot inspect --bot BOT --upto N``: a screen no URL opens, where a sample case leaves it.

Step 2 of a wizard is reached only by POSTing step 1, and a confirmation page only by its
form: ``robot inspect URL`` cannot open them. ``--upto N`` runs the bot the way
``robot run --dry-run`` does (``run/dryrun.py``: one case of a case file, no queue, its
``setup``, then its ``steps``) and, just before ``steps[N]``, inspects the screen as it
stands; the case is then abandoned through ``recover``, as a dry run abandons it at its
saving click. Refused before anything starts (``upto_index``): a ``steps[N]`` past a
``commit: true`` step (nothing is ever saved), a bot that marks none (how far is safe
cannot be told), and steps before N, or a setup, that name a target not mapped yet.

What the case typed stays out of what is shown: its secret values are masked in what the
controls read, painted over in the screenshot, and an alternative holding one is dropped.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from robot_core.drivers.base import Driver
from robot_core.errors import BotScriptError, CaseDataError, ConfigError
from robot_core.evidence.audit import SecretMasker
from robot_core.intake import Intake
from robot_core.run.debug import CommitReached, DebugOptions
from robot_core.run.dryrun import dry_run, only_case
from robot_core.run.session import RunOptions
from robot_core.script.loader import Unmapped
from robot_core.script.model import BotScript, Step, named_targets, walk
from robot_core.tools.inspect.collect import Control, collect
from robot_core.tools.inspect.propose import propose
from robot_core.tools.inspect.shot import numbered_screenshot
from robot_core.tools.inspect.web import Inspection

_UPTO = re.compile(r"^\s*(?:steps\[)?(\d+)\]?(?:\s+\w+)?\s*$")
_SETTLE_MS = 15_000


def upto_index(text: str, bot: BotScript, unmapped: Sequence[Unmapped] = (),
               cut: Step | None = None) -> int:
    """The N of ``--upto N`` (or ``steps[N]``, as the audit trail names the step), if the
    steps before it may run: none saves, and each has its targets in the map."""
    match = _UPTO.match(text)
    if match is None or not int(match.group(1)) < len(bot.steps):
        raise BotScriptError(f"--upto takes a step of {bot.name}'s steps, 0 to "
                             f"{len(bot.steps) - 1} (or steps[N]), not {text!r}")
    upto = int(match.group(1))
    saving = [i for i, step in enumerate(bot.steps) if any(s.commit for s in walk((step,)))]
    if not saving:
        raise BotScriptError(f"{bot.name} marks no commit: true step: how far its steps may "
                             "run without saving cannot be told, so --upto runs none")
    if saving[0] < upto:
        raise BotScriptError(f"--upto {upto} would run {bot.steps[saving[0]].label}, the "
                             f"saving click (commit: true); the furthest is --upto {saving[0]}")
    if cut is not None:
        raise ConfigError(f"{cut.label} of setup names a target not in the map yet: map the "
                          "screens of setup first (robot inspect URL --bot), then --upto")
    missing = {u.name for u in unmapped}
    for i, step in enumerate(bot.steps[:upto]):
        names = sorted(named_targets((step,)) & missing)
        if names:
            raise ConfigError(f"{step.label} names {', '.join(names)}, not in the map yet: "
                              f"--upto {i} inspects the screen it acts on")
    return upto


def inspect_upto(bot: BotScript, intake: Intake, upto: int, *, home: Path,
                 screenshot: Path | None, case: str | None = None,
                 headed: bool = False) -> tuple[Inspection, str]:
    """The screen just before ``steps[upto]`` of one case of ``intake`` (``case``, else the
    first valid one), and that case's key; nothing is saved."""
    first = case or next((r.key for r in intake.rows if r.valid), None)
    if first is None:
        raise CaseDataError(f"{intake.path}: no valid case to walk the steps with")
    [row] = only_case(intake.rows, first, intake.path)
    masker = SecretMasker()
    masker.add(row.secret_values(bot.secret_columns(), bot.secret_headers()))
    found: list[Inspection] = []

    def observe(step: Step, driver: Driver) -> None:
        if step.block != "steps" or step.index != upto or found:  # top-level steps only
            return
        page: Page = driver.page  # type: ignore[attr-defined]
        _settle(page)
        controls = _masked(collect(page), page, masker)
        shot = numbered_screenshot(page, controls, screenshot, bot.selectors.secret_targets(),
                                   masker.values()) if screenshot else None
        found.append(Inspection(page.url, controls, shot, page.url))
        raise CommitReached(step.label)  # abandon the case here, as a dry run does

    quick = dataclasses.replace(bot, retry=bot.retry.model_copy(update={"case": 1}))
    options = RunOptions(home, headed, limit=1, debug=DebugOptions(case=first, observe=observe))
    run = dry_run(quick, intake, options)
    if not found:
        [result] = run.outcome.results
        raise ConfigError(f"case {first} did not reach {bot.steps[upto].label}: "
                          f"{result.error_kind}: {result.error} (evidence: {run.paths.root})")
    return found[0], first


def _settle(page: Page) -> None:
    """Let the documents a step's click asked for load, in every frame."""
    for frame in page.frames:  # the main frame first
        try:
            frame.wait_for_load_state("load", timeout=_SETTLE_MS)
        except PlaywrightError:
            continue  # a frame gone, or slow: what shows is inspected


def _masked(controls: list[Control], page: Page, masker: SecretMasker) -> list[Control]:
    """``controls`` with proposals, what they read masked, none proposed that holds one."""
    propose(page, controls)
    for control in controls:
        control.info = {k: masker.mask(v) for k, v in control.info.items()}
        control.proposals = [a for a in control.proposals
                             if masker.mask(a.describe()) == a.describe()]
        control.ambiguous = [a for a in control.ambiguous
                             if masker.mask(a.describe()) == a.describe()]
    return controls
