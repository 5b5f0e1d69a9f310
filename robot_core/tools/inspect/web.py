"""``robot inspect URL``: the controls of a live web screen and the targets to map them.

With a bot, its ``setup`` runs first (a login, through the bot's own runner and audit trail),
so screens behind it can be inspected; the URL is then opened in the same session.

The page shown may not be the one asked for: a screen behind a login, opened without (or
after a setup that did not get past it), redirects to the login page. ``Inspection`` keeps
both addresses, so the command can say so and refuse to map the login under the screen's
name (``redirected``).

A bot whose map lacks targets its steps name (the screen after the login, not inspected
yet) still logs in: ``runnable_setup`` cuts its ``setup`` (and ``recover``) before the first
step that names one, and drops the watches of one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page

from robot_core.drivers.web import WebDriver
from robot_core.errors import BotScriptError
from robot_core.run.session import RunOptions, open_session
from robot_core.script.loader import Unmapped
from robot_core.script.model import BotScript, Step, named_targets
from robot_core.selectors import Target
from robot_core.tools.inspect.collect import Control, collect
from robot_core.tools.inspect.propose import propose
from robot_core.tools.inspect.shot import numbered_screenshot

NAVIGATION_MS = 15_000


@dataclass
class Inspection:
    """What was on the screen when ``url`` was asked for (``landed``: the page's own URL)."""

    url: str
    controls: list[Control]
    screenshot: Path | None
    landed: str = ""

    @property
    def redirected(self) -> bool:
        """Whether the page shown is another one than asked for (not merely the same address
        spelled otherwise: a default port, a trailing ``/``, a ``#fragment``)."""
        return bool(self.landed) and _page_of(self.landed) != _page_of(self.url)


def _page_of(url: str) -> tuple[str, str, int | None, str, str]:
    """What names a page in ``url``: scheme, host, port, path and query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # not a port: compare as written
        port = None
    return scheme, (parts.hostname or "").lower(), port, parts.path or "/", parts.query


def runnable_setup(bot: BotScript, unmapped: Sequence[Unmapped]) -> tuple[BotScript, Step | None]:
    """``bot`` with its ``setup`` cut before the first step naming a target of ``unmapped``
    (a step inside a ``use``/``if`` counts for the whole step), its ``recover`` likewise (a
    ``--upto`` case is abandoned through it) and without watches of one; the first setup
    step cut (None: setup runs whole)."""
    missing = {u.name for u in unmapped}
    if not missing:
        return bot, None
    setup, cut = _cut(bot.setup, missing)
    recover, _ = _cut(bot.recover, missing)
    watch = tuple(w for w in bot.watch if w.target not in missing)
    return replace(bot, setup=setup, recover=recover, watch=watch), cut


def _cut(steps: tuple[Step, ...], missing: set[str]) -> tuple[tuple[Step, ...], Step | None]:
    """``steps`` up to the first that names one of ``missing`` (itself or inside it)."""
    for i, step in enumerate(steps):
        if missing & named_targets((step,)):
            return steps[:i], step
    return steps, None


@contextmanager
def _page(url: str, bot: BotScript | None, home: Path,
          headed: bool) -> Iterator[tuple[Page, list[Target]]]:
    """A page showing ``url``: after the bot's setup when a bot is given."""
    if bot is None:
        driver = WebDriver(headed=headed)
        driver.start()
        try:
            driver.goto(url, NAVIGATION_MS)
            yield driver.page, []
        finally:
            driver.stop()
        return
    if bot.driver != "web":
        raise BotScriptError(f"{bot.name} is a {bot.driver} bot: robot inspect URL is for "
                             "web bots (robot inspect --desktop lists windows)")
    session = open_session(bot, RunOptions(home, headed))
    runner = session.runner
    runner.open()  # start the browser and run setup: the login
    try:
        assert isinstance(runner.driver, WebDriver)
        runner.driver.goto(url, NAVIGATION_MS)
        yield runner.driver.page, bot.selectors.secret_targets()
    finally:
        runner.close()
        session.audit.close()


def inspect_url(url: str, *, bot: BotScript | None, home: Path, screenshot: Path | None,
                headed: bool = False) -> Inspection:
    """List the controls at ``url`` with proposals; write the numbered screenshot."""
    with _page(url, bot, home, headed) as (page, secret):
        controls = collect(page)
        propose(page, controls)
        shot = numbered_screenshot(page, controls, screenshot, secret) if screenshot else None
        landed = page.url
    return Inspection(url, controls, shot, landed)
