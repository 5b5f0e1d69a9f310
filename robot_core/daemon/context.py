"""What every step of one schedule run shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from robot_core.daemon.ledger import Ledger
from robot_core.daemon.log import Events
from robot_core.daemon.paths import DaemonPaths
from robot_core.daemon.schedule import Schedule
from robot_core.queue import Store
from robot_core.script.model import BotScript


@dataclass
class RunContext:
    """One run of one schedule: its bot, queue, ledger, folders and event recorder."""

    run_id: str
    schedule: Schedule
    bot: BotScript
    store: Store
    ledger: Ledger
    paths: DaemonPaths
    events: Events

    def now(self) -> datetime:
        """The time in the schedule's zone (archive folders, notes)."""
        return datetime.now(self.schedule.tz)
