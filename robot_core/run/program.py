"""The program around each case, for drivers that watch it (``CaseAware``: the desktop one).

* **revive**: before a case, and before recovering, a program that exited is started again
  (the runner then logs in with ``setup``), whatever ``setup`` holds.
* **begin/end**: the driver pins the windows of the case (it types into no other) and runs a
  per-case program; the outputs it leaves (``exit_code``, ``stdout``) are masked like every
  value and join the case's outputs.
* **confirmation**: a ``commit: true`` click leaves the case *unconfirmed* until a later step
  that reads the result succeeds (``wait_for``, ``expect``, ``extract`` …); a driver asked
  to stop or restart a program whose last commit is unconfirmed lets it finish first.
"""

from __future__ import annotations

from collections.abc import Callable

from robot_core.drivers.base import CaseAware, Driver
from robot_core.run.steps import StepContext
from robot_core.script.model import Step

#: Steps that confirm an earlier commit when they succeed: they waited for or read its result.
CONFIRMING = frozenset({"wait_for", "expect", "extract", "business_error_if", "found_when"})


class CaseProgram:
    """The runner's side of ``CaseAware`` (every method a no-op for other drivers)."""

    def __init__(self, driver: Driver, mask: Callable[[str], str]) -> None:
        self.driver = driver if isinstance(driver, CaseAware) else None
        self.mask = mask
        self.unconfirmed = False
        self.committed = False
        self._open = False

    def revive(self) -> bool:
        """Start a program that exited again; True when it was (log in again)."""
        return self.driver is not None and self.driver.revive()

    def begin(self, ctx: StepContext) -> None:
        """The case's steps start: pin its windows, run a per-case program."""
        self.unconfirmed = self.committed = False
        if self.driver is None:
            return
        self._open = True
        self._merge(ctx, self.driver.begin_case(ctx.variables))

    def step_ok(self, step: Step) -> None:
        """A step succeeded: a commit click is unconfirmed until a confirming step."""
        if getattr(step.args, "commit", False):
            self.unconfirmed = self.committed = True
        elif step.action in CONFIRMING:
            self.unconfirmed = False

    def end(self, ctx: StepContext, *, finished: bool) -> None:
        """The steps are over (``finished``: all of them ran); idempotent."""
        if self.driver is None or not self._open:
            return
        self._open = False
        self._merge(ctx, self.driver.end_case(finished=finished, unconfirmed=self.unconfirmed,
                                              committed=self.committed))

    def _merge(self, ctx: StepContext, outputs: dict[str, str]) -> None:
        ctx.outputs.update({name: self.mask(value) for name, value in outputs.items()})
