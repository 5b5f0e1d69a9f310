"""How long a step waits: decided here, once, and handed to the driver as a plain number.

The precedence (docs/writing-bots.md, "How long a step waits"):

1. the step's own ``timeout_ms`` (``fill: {target: …, timeout_ms: 3000}``);
2. else the target's ``timeout_ms`` in the selector map (for ``choose``, the option's, else
   the target's);
3. else the bot's ``timeouts.step_ms``.

``wait_for`` names no single target to ask, so it takes its own ``timeout_ms`` or
``timeouts.step_ms``; ``goto`` waits ``timeouts.navigation_ms``. Drivers never read a target's
``timeout_ms``: what they are given is what they wait.
"""

from __future__ import annotations

from robot_core.script.model import BotScript, Step
from robot_core.selectors import Target


def resolve_timeout(step: Step, target: Target | None, bot: BotScript) -> int:
    """The wait in milliseconds for ``step`` on ``target``: step, then target, then the bot."""
    own = getattr(step.args, "timeout_ms", None)
    if isinstance(own, int) and own > 0:
        return own
    if target is not None and target.timeout_ms:
        return target.timeout_ms
    return bot.timeouts.step_ms


def navigation_timeout(bot: BotScript) -> int:
    """How long a ``goto`` waits for its page (or window)."""
    return bot.timeouts.navigation_ms
