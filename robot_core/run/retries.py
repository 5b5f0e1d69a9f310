"""The one retry policy of a bot: tenacity ``Retrying`` objects for steps, setup and cases.

Built from the bot's ``retry:`` settings (``step`` and ``case`` attempts, the first one
included; ``backoff_s`` doubling up to ``backoff_max_s`` between attempts):

* **step**: an error in the action's ``retry_on`` (``TransientError``; for ``goto`` also
  ``SystemUnavailable`` and ``NoResponse``: a page loaded again is harmless) repeats the
  same step, up to ``retry.step`` attempts; a step that may not be repeated blindly (a
  saving ``commit: true`` click) gets one attempt.
* **setup** (log in): an ``ApplicationError`` repeats the whole block, up to ``retry.case``
  attempts (and weather, below); ``failed`` hears of every failed attempt, the last one
  too, and from the second failure on the application is restarted before the next attempt
  (``restart``), unless that failure was the application's own word (an error page, an
  expired session): a new browser cures neither, and costs seconds to start.
* **case**: an ``ApplicationError`` repeats the case, up to ``retry.case`` attempts (and
  weather, below); between attempts, after the backoff, ``recover`` runs with the error
  (recover steps, setup again).

**Weather.** A 503 page, an expired session and a hung answer (``WEATHER``) are the system's
weather, not the case's fault: at the issue's densities (10% 503s, 5% hangs per request, a
session of 20 requests) half of all attempts meet one. They draw on a separate allowance,
``retry.faults`` further attempts of the case (and of setup), before they count against
``retry.case``; any other failure counts at once. So a case (or a login) is tried at most
``case + faults`` times, and a broken form still fails after ``case`` attempts.

The backoff is for errors that pass with time (a 503, a page mid-change): it doubles with
each such failure of the case so far (``backoff_s``, at most ``backoff_max_s``). The first
error page (a 503) of a case, or of a step, is tried again at once: a real system's 503 is
most often a brief overload, and the random ones of the fixture always are; the second waits
``backoff_s``, and the doubling from there still spares a system that is really down. After
an expired session (a login cures it, not a wait) or a hung answer (already waited for)
there is none, and they do not make the next wait longer.

* **requeue**: a case that ended ``failed`` goes back to the queue ``requeue_s`` later, up
  to ``retry.system_failures`` times (``run/worker.py``; the queue's ``defer_until``).

A ``BusinessError`` is never retried at any level: the data is wrong, not the system. The
``sleep`` is injectable (tenacity's ``sleep=``) so tests take no time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity import wait_exponential as _wait_exponential

from robot_core.errors import (
    ApplicationError,
    BusinessError,
    ErrorPage,
    NoResponse,
    SessionExpired,
)
from robot_core.script.actions import Action
from robot_core.script.model import RetryPolicy

Sleep = Callable[[float], None]
#: Failures after which the next attempt starts at once: waiting cures neither.
NO_WAIT: tuple[type[ApplicationError], ...] = (SessionExpired, NoResponse)
#: Failures the application itself reported: a restarted browser would meet them again.
NO_RESTART: tuple[type[ApplicationError], ...] = (ErrorPage, SessionExpired)
#: The system's weather, not the case's fault: first drawn on ``retry.faults``.
WEATHER: tuple[type[ApplicationError], ...] = (ErrorPage, SessionExpired, NoResponse)


def _retried(kinds: tuple[type[BaseException], ...]) -> retry_if_exception:
    """Retry on ``kinds``, and never on a business error whatever ``kinds`` says."""
    return retry_if_exception(
        lambda exc: isinstance(exc, kinds) and not isinstance(exc, BusinessError))


def _failure(state: RetryCallState) -> ApplicationError:
    outcome = state.outcome
    assert outcome is not None and outcome.failed, "tenacity calls after() on failures only"
    exc = outcome.exception()
    assert isinstance(exc, ApplicationError), "only application errors are retried here"
    return exc


@dataclass(frozen=True)
class Retries:
    """The retry policy of one bot, as tenacity objects (a fresh one per use)."""

    policy: RetryPolicy
    sleep: Sleep = time.sleep

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:  # no wait is no call: a sleep of 0 still yields the CPU
            self.sleep(seconds)

    def _wait(self) -> Callable[[RetryCallState], float]:
        # Step attempts: after failed attempt n, backoff_s * 2**(n-1) seconds, at most
        # backoff_max_s; nothing after a failure that waiting does not cure.
        backoff = _wait_exponential(multiplier=self.policy.backoff_s,
                                    max=self.policy.backoff_max_s)

        def wait(state: RetryCallState) -> float:
            outcome = state.outcome
            failure = outcome.exception() if outcome is not None else None
            if isinstance(failure, NO_WAIT):
                return 0.0
            if isinstance(failure, ErrorPage):  # the first at once, then backoff_s doubling
                return self._backoff(state.attempt_number - 1)
            return float(backoff(state))

        return wait

    def _backoff(self, waited: int) -> float:
        """The wait after the ``waited``-th failure that waiting cures (none after the 0th)."""
        return _backoff(self.policy, waited)

    def requeue_s(self, rounds: int) -> float | None:
        """Seconds before a case failed for system reasons ``rounds`` times already is tried
        again (``system_backoff_s``, doubling, at most ``system_backoff_max_s``); None once
        ``system_failures`` are used up."""
        policy = self.policy
        if rounds >= policy.system_failures:
            return None
        return min(policy.system_backoff_s * 2.0 ** rounds, policy.system_backoff_max_s)

    def step(self, action: Action, *, commit: bool = False) -> Retrying:
        """Attempts of one step: its action's ``retry_on`` errors repeat it."""
        repeatable = action.repeatable and not commit
        return Retrying(stop=stop_after_attempt(self.policy.step if repeatable else 1),
                        wait=self._wait(), retry=_retried(action.retry_on), reraise=True,
                        sleep=self._sleep)

    def setup(self, *, failed: Callable[[int, ApplicationError], None],
              restart: Callable[[], None]) -> Retrying:
        """Attempts of the setup block: restart the app before the third attempt and later
        (unless the last failure was the application's own word, ``NO_RESTART``)."""
        budget = Budget(self.policy)

        def note(state: RetryCallState) -> None:
            budget.note(state)
            failed(state.attempt_number, budget.failures[-1])

        def restart_after_second_failure(state: RetryCallState) -> None:
            if state.attempt_number >= 3 and not isinstance(budget.failures[-1], NO_RESTART):
                restart()

        return Retrying(stop=budget.spent, wait=budget.wait,
                        retry=_retried((ApplicationError,)), reraise=True, sleep=self._sleep,
                        after=note, before=restart_after_second_failure)

    def budget(self) -> Budget:
        """A fresh account of one case's failed attempts (``case(budget=...)``)."""
        return Budget(self.policy)

    def case(self, *, recover: Callable[[ApplicationError], None],
             budget: Budget | None = None) -> Retrying:
        """Attempts of one case: ``recover`` with the last error before each one after the first.

        When the attempts are used up, tenacity raises ``RetryError`` (the caller keeps the
        last attempt's result); an error raised by ``recover`` itself leaves as it is.
        ``budget``, when given, is the account kept (the caller may ask it ``free``).
        """
        budget = budget or Budget(self.policy)

        def recover_first(state: RetryCallState) -> None:
            if state.attempt_number > 1:
                recover(budget.failures[-1])

        return Retrying(stop=budget.spent, wait=budget.wait,
                        retry=_retried((ApplicationError,)), sleep=self._sleep,
                        after=budget.note, before=recover_first)


@dataclass
class Budget:
    """The failed attempts of one case (or one setup) so far, and what they have used up."""

    policy: RetryPolicy
    failures: list[ApplicationError] = field(default_factory=list)

    def free(self, exc: ApplicationError) -> bool:
        """Whether ``exc``, failing the attempt now, would be paid from the weather allowance
        (so the case surely gets another attempt)."""
        weather = sum(isinstance(f, WEATHER) for f in self.failures)
        return isinstance(exc, WEATHER) and weather < self.policy.faults

    def note(self, state: RetryCallState) -> None:
        """Tenacity's ``after``: one more failed attempt."""
        self.failures.append(_failure(state))

    def spent(self, _state: RetryCallState) -> bool:
        """Tenacity's ``stop``: weather beyond ``faults`` and every other failure count
        against ``case``; stop once they reach it."""
        weather = sum(isinstance(f, WEATHER) for f in self.failures)
        counted = len(self.failures) - weather + max(0, weather - self.policy.faults)
        return counted >= self.policy.case

    def wait(self, _state: RetryCallState) -> float:
        """Tenacity's ``wait``: none after what waiting does not cure; else ``backoff_s``
        doubled for each earlier failure that waiting cures, at most ``backoff_max_s``."""
        last = self.failures[-1]
        if isinstance(last, NO_WAIT):
            return 0.0
        waited = sum(not isinstance(f, NO_WAIT) for f in self.failures)
        # The first error page of the case at once; the backoff doubles from the second.
        return _backoff(self.policy, waited - 1 if isinstance(last, ErrorPage) else waited)


def _backoff(policy: RetryPolicy, waited: int) -> float:
    """``backoff_s`` doubled for each of ``waited`` earlier failures past the first, at most
    ``backoff_max_s``; none for the 0th."""
    if waited <= 0:
        return 0.0
    return float(min(policy.backoff_s * 2.0 ** (waited - 1), policy.backoff_max_s))
