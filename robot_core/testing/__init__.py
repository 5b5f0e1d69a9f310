"""Test a bot, or robot itself, without the legacy system: shipped, and used by robot's tests.

* ``FakeDriver(handler)``: the ``Driver`` seam answered by a function of ``Call`` (verb,
  target, value); ``FakeApp`` is a ready handler with a screen state, a form and a save.
* ``MemoryStore``: the queue's ``Store`` in memory (the same contract as SQLite and
  PostgreSQL).
* ``capture_events()``: the audit events of a block, masked as written.
* ``CrashPoints`` (the worker's fault injection) and ``CrashAt``, which raises ``Crashed``
  instead of killing the process.
* ``run_bot(bot, cases, driver, home=...)``: ``robot run`` with all of the above.

Inject them through ``RunOptions(home, driver_factory=lambda bot: driver, store=store)`` on
any entry path (``run_file``, ``work_queue``, ``run_direct``); see docs/writing-bots.md,
"Testing a bot without the legacy system".
"""

from robot_core.testing.app import FakeApp
from robot_core.testing.crashes import CrashAt, Crashed, CrashPoints
from robot_core.testing.driver import PNG, Call, FakeDriver, Handler, Result
from robot_core.testing.events import capture_events, named
from robot_core.testing.run import BotRun, run_bot
from robot_core.testing.store import MemoryStore

__all__ = ["PNG", "BotRun", "Call", "CrashAt", "CrashPoints", "Crashed", "FakeApp", "FakeDriver",
           "Handler", "MemoryStore", "Result", "capture_events", "named", "run_bot"]
