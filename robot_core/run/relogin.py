"""After a recovery: is the session still logged in, so ``setup`` (a login) can be skipped?

A 503 page or a hung answer seldom ends the legacy system's session: once the bot's
``recover`` steps have brought the menu back, logging in again is a wasted round of page
loads (and, on a licence-counted system, a second session). The sign of a working login is
the one the bot already names: the target its ``setup`` waits for last (``wait_for:
menu.entry``). When that shows and no watch target does (a login page, an error page), the
session is kept; otherwise ``setup`` runs as before.

What a recovery need not redo (``shortcut``), on the web, where a ``goto`` leaves whatever
screen came before:

* after an expired session a login follows for certain: when ``setup`` opens its own page
  first, the ``recover`` steps (a page load or two, each open to the same faults) are
  skipped: ``"login"``; and when the expired session left the login screen itself on the
  page (the first target ``setup`` acts on shows: ``login_shown``), so is that page load;
* after a 503 page or a hung answer, when ``recover`` only navigates (``goto`` steps) and
  the next attempt opens its own page first (``steps``, and ``verify`` if any), recover and
  the login check are skipped: the attempt's own goto is the recovery, and a session that
  did end shows there as an expired one: ``"resume"``.
"""

from __future__ import annotations

from robot_core.drivers.base import Driver
from robot_core.errors import ApplicationError, NoResponse, SessionExpired, SystemUnavailable
from robot_core.script.model import BotScript, Step, walk


def logged_in_target(bot: BotScript) -> str | None:
    """The target the last ``wait_for`` of ``setup`` names (one target only), if any."""
    waits = [step for step in bot.setup if step.action == "wait_for"]
    return waits[-1].target_name() if waits else None


def still_logged_in(bot: BotScript, driver: Driver) -> bool:
    """Whether the screen ``setup`` ends on shows now, with no watch target beside it."""
    name = logged_in_target(bot)
    if name is None or not bot.recover:
        return False  # without recover steps nothing has brought that screen back
    try:
        if not driver.is_visible(bot.selectors.get(name)):
            return False
        return not any(driver.is_visible(bot.selectors.get(w.target)) for w in bot.watch)
    except ApplicationError:
        return False  # cannot tell: log in, as before


def login_shown(bot: BotScript, driver: Driver) -> str | None:
    """The first target ``setup`` acts on after its opening ``goto``, if it is on screen now
    (the login form an expired session was sent back to): that goto may be skipped."""
    if not _opens_page(bot.setup):
        return None
    name = next((n for step in walk(bot.setup[1:]) if (n := step.target_name())), None)
    try:
        return name if name and driver.is_visible(bot.selectors.get(name)) else None
    except ApplicationError:
        return None  # cannot tell: open the login page, as before


def shortcut(bot: BotScript, cause: Exception) -> str | None:
    """``"login"``: skip ``recover``, log in; ``"resume"``: skip both; None: recover as ever."""
    if bot.driver != "web":
        return None
    if isinstance(cause, SessionExpired):
        return "login" if _opens_page(bot.setup) else None
    if not isinstance(cause, SystemUnavailable | NoResponse) or not bot.recover:
        return None
    only_navigates = all(step.action == "goto" for step in bot.recover)
    opens = _opens_page(bot.steps) and (not bot.verify or _opens_page(bot.verify))
    return "resume" if only_navigates and opens else None


def _opens_page(steps: tuple[Step, ...]) -> bool:
    return bool(steps) and steps[0].action == "goto"
