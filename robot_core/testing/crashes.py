"""Crash points without SIGKILL: ``CrashAt`` raises ``Crashed`` where ``CrashPoints`` would kill.

The worker passes named points (``step:<label>`` before each step, ``before_complete``
between a finished case and its record in the queue); ``ROBOT_CRASH_AT`` makes the real
``CrashPoints`` SIGKILL the process there, for the end-to-end crash tests. In a unit test,
``Worker(..., crash=CrashAt("before_complete"))`` raises instead, so the test goes on to
look at the queue and run the next worker in the same process.
"""

from __future__ import annotations

from robot_core.run.crash_points import CrashPoints

__all__ = ["CrashAt", "CrashPoints", "Crashed"]


class Crashed(BaseException):
    """A simulated crash: a ``BaseException``, so no ``except Exception`` on the way stops it."""


class CrashAt(CrashPoints):
    """Raise ``Crashed`` the ``count``-th time the worker passes ``point``."""

    def __init__(self, point: str, count: int = 1) -> None:
        super().__init__(f"{point}@{count}")
        self.passed_points: list[str] = []

    def passed(self, point: str) -> None:
        """Record ``point``; raise here if it is the chosen one."""
        self.passed_points.append(point)
        if point != self.point:
            return
        self.left -= 1
        if self.left == 0:
            raise Crashed(point)
