"""Crash points: where the crash tests kill a worker, named by the places it passes.

The worker calls ``passed("step:LABEL")`` before each step and ``passed("before_complete")``
before it records an outcome; ``ROBOT_CRASH_AT=POINT[@N]`` in its environment SIGKILLs it the
Nth time it passes POINT, so a test can stop it exactly there and check that every case still
ends up in the legacy system exactly once.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "ROBOT_CRASH_AT"


class CrashPoints:
    """Fault injection for crash tests: ``ROBOT_CRASH_AT=before_complete@3`` SIGKILLs this
    process the third time it passes that point. Unset (always, outside tests), a no-op."""

    def __init__(self, spec: str | None) -> None:
        self.point, _, count = (spec or "").partition("@")
        self.left = int(count or 1)

    def passed(self, point: str) -> None:
        """Mark ``point``; die here if it is the chosen one."""
        if not self.point or point != self.point:
            return
        self.left -= 1
        if self.left == 0:
            os.kill(os.getpid(), signal.SIGKILL)
