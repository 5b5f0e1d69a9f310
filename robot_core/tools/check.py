"""``robot check APP``: selector health on the live screens, after a vendor update.

The bot is dry-run on one case (``run/dryrun.py``: nothing is saved, no queue is used).
Before each step, the first time the run reaches a screen (the screen of the step's
target, once that target shows), every target of that screen in the map is looked at:
each alternative's count of visible matches, which alternative a run would use (the first
that matches), whether that one matches more than one element (ambiguous), and whether
nothing matches (missing). A target that only sometimes shows (red text, a watch target, a
choice among several in ``wait_for: {any: …}``) or that no step uses is "not shown" rather
than missing when it is absent.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from robot_core.drivers.base import Driver
from robot_core.errors import ApplicationError
from robot_core.intake import Intake
from robot_core.run.debug import DebugOptions
from robot_core.run.dryrun import DryRun, dry_run
from robot_core.run.session import RunOptions
from robot_core.script.model import BotScript, Step, walk
from robot_core.selectors import Alternative, Target

# Actions that need their target on screen: its absence is a failure of the map.
NEEDS = frozenset({"fill", "click", "select", "check", "choose", "extract", "press"})
_LOOK_MS = 5_000


@dataclass
class Health:
    """One target on a reached screen."""

    name: str
    counts: list[int]  # visible matches of each alternative, in the map's order
    alternatives: list[str]
    needed: bool

    @property
    def used(self) -> int | None:
        """Index of the alternative a run would use (the first that matches)."""
        return next((i for i, n in enumerate(self.counts) if n), None)

    @property
    def status(self) -> str:
        """ok, fallback (not the first alternative), ambiguous, missing or not shown."""
        used = self.used
        if used is None:
            return "missing" if self.needed else "not shown"
        if self.counts[used] > 1:
            return "ambiguous"
        return "ok" if used == 0 else "fallback"


@dataclass
class CheckReport:
    """Every target of every screen the dry run reached."""

    run: DryRun | None = None
    screens: dict[str, list[Health]] = field(default_factory=dict)
    bot_targets: tuple[str, ...] = ()  # every target of the map

    @property
    def missing(self) -> list[Health]:
        """Targets the bot needs that matched nothing."""
        return [h for found in self.screens.values() for h in found if h.status == "missing"]


def needed_targets(bot: BotScript) -> set[str]:
    """Targets the bot's steps act on, or wait for alone (inside if/repeat/use too)."""
    steps: Iterable[Step] = walk((*bot.setup, *bot.steps, *bot.verify, *bot.recover))
    return {name for s in steps if (name := s.target_name())
            and (s.action in NEEDS or s.action == "wait_for")}


def count(driver: Driver, alt: Alternative, target: Target) -> int:
    """Visible matches of one alternative now: web elements, desktop windows of a title or
    places an image matches (a driver that cannot count says 0 or 1)."""
    page = getattr(driver, "page", None)
    if page is not None:
        from playwright.sync_api import Error as PlaywrightError  # noqa: PLC0415 - web only

        from robot_core.drivers.web_locate import locator_for  # noqa: PLC0415 - web only
        try:
            return int(locator_for(page, alt).filter(visible=True).count())
        except PlaywrightError:
            return 0  # its frame is not there
    one = dataclasses.replace(target, alternatives=(alt,))
    counting = getattr(driver, "count_visible", None)  # the desktop driver counts
    try:
        return int(counting(one)) if counting is not None else int(driver.is_visible(one))
    except ApplicationError:
        return 0


class Walker:
    """The observer of the dry run: looks at each screen the first time it is reached."""

    def __init__(self, bot: BotScript, report: CheckReport) -> None:
        self.bot, self.report = bot, report
        self.needed = needed_targets(bot)

    def __call__(self, step: Step, driver: Driver) -> None:
        name = step.target_name()
        if not name or step.action not in NEEDS | {"wait_for"}:
            return
        screen = name.split(".", 1)[0]
        if screen in self.report.screens:
            return
        target = self.bot.selectors.get(name)
        if not target.alternatives and target.options:  # a choice: wait for its first option
            target = next(iter(target.options.values()))
        # Until the screen has come (or never will: the step itself will say so).
        with contextlib.suppress(ApplicationError):
            driver.wait_any([target], _LOOK_MS)
        self.report.screens[screen] = [self._health(driver, t) for n, t in
                                       self.bot.selectors.targets.items()
                                       if n.split(".", 1)[0] == screen]

    def _health(self, driver: Driver, target: Target) -> Health:
        alternatives = [(target, a) for a in target.alternatives]
        alternatives += [(o, a) for o in target.options.values() for a in o.alternatives]
        return Health(target.name, [count(driver, a, t) for t, a in alternatives],
                      [a.describe() for _, a in alternatives], target.name in self.needed)


def check_bot(bot: BotScript, intake: Intake, home: Path, case: str | None = None,
              headed: bool = False) -> CheckReport:
    """Dry-run ``bot`` on one case of ``intake`` and look at every screen it reaches."""
    report = CheckReport(bot_targets=tuple(bot.selectors.targets))
    quick = dataclasses.replace(bot, retry=bot.retry.model_copy(update={"case": 1}))
    first = case or next((r.key for r in intake.rows if r.valid), None)
    options = RunOptions(home, headed, limit=1,
                         debug=DebugOptions(case=first, observe=Walker(quick, report)))
    report.run = dry_run(quick, intake, options)
    return report
