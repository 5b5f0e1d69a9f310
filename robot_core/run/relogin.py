"""After a recovery: is the session still logged in, so ``setup`` (a login) can be skipped?

A 503 page or a hung answer seldom ends the legacy system's session: once the bot's
``recover`` steps have brought the menu back, logging in again is a wasted round of page
loads (and, on a licence-counted system, a second session). The sign of a working login is
the one the bot already names: the target its ``setup`` waits for last (``wait_for:
menu.entry``). When that shows and no watch target does (a login page, an error page), the
session is kept; otherwise ``setup`` runs as before.

The other way round, after an expired session a login follows for certain: when ``setup``
opens its own page first (a web ``goto``), whatever ``recover`` would bring back is left at
once, so its steps (a page load or two, each open to the same faults) are skipped.
"""

from __future__ import annotations

from robot_core.drivers.base import Driver
from robot_core.errors import ApplicationError, SessionExpired
from robot_core.script.model import BotScript


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


def recover_moot(bot: BotScript, cause: Exception) -> bool:
    """Whether ``recover`` may be skipped: the session expired (``setup`` runs anyway) and
    ``setup`` starts by opening a page of its own."""
    return (isinstance(cause, SessionExpired) and bot.driver == "web" and bool(bot.setup)
            and bot.setup[0].action == "goto")
