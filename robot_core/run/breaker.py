"""The run's breaker: stop taking cases once the legacy system is down, not merely unsteady.

UiPath's REFramework stops a process after ``MaxConsecutiveSystemExceptions`` transactions
in a row end in a system exception; a resilience library's circuit breaker opens after a
failure threshold. Here the count is ``retry.breaker`` (default 3) **cases in a row** that
ended ``failed`` on the system itself, with no case going through between:

* counted: a case that ended ``failed`` with its last error the system's (``DOWN``: a 503 or
  "unavailable" page, an expired session, a hung answer, a refused connection or a program
  gone). Weather is paid from ``retry.faults`` before it counts against ``retry.case``, so a
  case that ends on weather has spent its whole allowance (``run/retries.py``): at the
  issue's densities (10% 503s, 5% hangs per request, a session of 20 requests) a case
  attempt fails about every second time, and 20 in a row about once in 10^6 cases; three
  such cases in a row do not happen on a night that is merely unsteady;
* reset: any case the system answered (``done``, a business failure, ``mismatch``, a failure
  of the case's own: a target not found, a read-back, the bot);
* neither: a row rejected at intake (it never reached the system); the same case failing
  again (its next round, when ``system_backoff_s`` lets it come back at once) replaces its
  earlier count: the cases in a row are distinct cases.

A 503 on every page costs a case ``case + faults`` attempts (about 2 minutes with the
default backoff): the breaker trips after about 6 minutes instead of working 200 cases for
hours. The worker (``run/worker.py``) stops at that case boundary: the case in hand goes
back to the queue as on a stop (``uncertain`` if it may have been saved, so ``verify`` runs
first), the earlier ones, requeued as every system failure is (a round of
``system_failures`` spent), are made due at once (``Store.due_now``): the system was down,
not they, and the operator's ``robot work`` once it is back takes them all. ``SystemDown``
(exit 2) tells the operator the app and what was seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from robot_core.errors import SystemDown
from robot_core.outcome import CaseResult, Status

#: Error kinds (``errors.error_kind``) that are the system's, not the case's.
DOWN = frozenset({"SystemUnavailable", "SessionExpired", "NoResponse"})
#: A row rejected at intake: it never reached the system, so it says nothing of it.
NOT_SEEN = frozenset({"CaseDataError"})


@dataclass
class Breaker:
    """Counts the cases in a row that met the system down; ``after`` of them trip it."""

    app: str
    after: int  # retry.breaker; 0 = never
    streak: list[tuple[int, CaseResult]] = field(default_factory=list)  # (queue item, result)

    def record(self, result: CaseResult, item: int = 0) -> SystemDown | None:
        """One more finished case (of queue item ``item``); the error to stop the run with
        once the breaker trips."""
        if result.error_kind in NOT_SEEN:
            return None
        if result.status is not Status.FAILED or result.error_kind not in DOWN:
            self.streak.clear()
            return None
        # The same case again (its next round, due at once) is no further evidence.
        self.streak = [(i, r) for i, r in self.streak if r.key != result.key] + [(item, result)]
        if not self.after or len(self.streak) < self.after:
            return None
        return SystemDown(self.reason(), self.app)

    def items(self) -> list[int]:
        """The queue items of the cases in the streak, in order."""
        return [i for i, _ in self.streak]

    def reason(self) -> str:
        """One line: the app, how many cases, how many attempts, and the last error seen."""
        cases = [r for _, r in self.streak[-self.after:]]
        kinds = "/".join(sorted({r.error_kind for r in cases}))
        attempts = sum(r.attempts for r in cases)
        return (f"{self.app} looks down: {len(cases)} cases in a row "
                f"({', '.join(r.key for r in cases)}) failed on {kinds} after {attempts} "
                f"attempts in all, none went through between; last: {cases[-1].error}")
