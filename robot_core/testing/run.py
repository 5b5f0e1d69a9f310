"""``run_bot``: ``robot run`` of a case file on a fake driver and an in-memory queue.

What a bot author's test calls: the real loader, intake, queue logic, runner and results
workbook, with only the legacy system (``FakeDriver``) and the database (``MemoryStore``)
replaced, through ``RunOptions`` as any caller would. The audit events are captured too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from robot_core.drivers.base import Driver
from robot_core.home import RunPaths
from robot_core.outcome import RunOutcome
from robot_core.queue.base import Item, Store
from robot_core.run.session import RunOptions, run_file
from robot_core.script.loader import load_bot
from robot_core.script.model import BotScript
from robot_core.testing.events import capture_events
from robot_core.testing.store import MemoryStore


@dataclass
class BotRun:
    """What one ``run_bot`` left: the outcome, the run's files, the queue and the events."""

    outcome: RunOutcome
    paths: RunPaths
    store: Store
    events: list[dict[str, Any]]

    def item(self, key: str) -> Item:
        """The queue item of case ``key``; ``KeyError`` when no row had that key."""
        for item in self.store.items(bot=self.outcome.bot):
            if item.key == key:
                return item
        raise KeyError(key)

    def status(self, key: str) -> str:
        """The queue state of case ``key``: done, business_failed, failed, pending …"""
        return self.item(key).state.value

    def outputs(self, key: str) -> dict[str, str]:
        """The ``extract`` outputs of case ``key``."""
        return self.item(key).outputs


def run_bot(bot: BotScript | Path, cases: Path, driver: Driver, *, home: Path,
            store: Store | None = None, limit: int | None = None) -> BotRun:
    """Run ``cases`` through ``bot`` (a loaded bot, or its YAML file beside ``selectors/``).

    The bot's environment variables and credentials are read from the environment as in a
    real run (set them in the test); evidence goes under ``home``.
    """
    if isinstance(bot, Path):
        bot = load_bot(bot, bot.resolve().parent.parent / "selectors")
    queue = store if store is not None else MemoryStore()
    options = RunOptions(home, limit=limit, driver_factory=lambda _bot: driver, store=queue)
    with capture_events() as events:
        outcome, paths, _batch = run_file(bot, cases, options)
    return BotRun(outcome, paths, queue, events)
