"""The one retry policy (``run/retries.py``): attempts, backoff, and what is never retried.

Sleeps go to a fake ``sleep`` (tenacity's ``sleep=``), so nothing here waits.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fake_registry import Registry, Sessions, case, make_bot
from tenacity import RetryError, Retrying

from robot_core.errors import (
    ApplicationError,
    BusinessError,
    CaseFailure,
    ErrorPage,
    NoResponse,
    SessionExpired,
    SystemUnavailable,
    TargetNotFound,
    TransientError,
)
from robot_core.outcome import Status
from robot_core.run.retries import Retries
from robot_core.script.actions import ACTIONS, Action, TargetArgs
from robot_core.script.model import RetryPolicy
from robot_core.testing import FakeDriver, capture_events, named


class Clock:
    """A fake sleep that notes every wait and the order of what happened around it."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self.log: list[str] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(float(seconds))
        self.log.append(f"sleep {float(seconds):g}")


def _policy(**settings: float) -> RetryPolicy:
    return RetryPolicy.model_validate(settings)


def _run(retrying: Retrying, body: Callable[[int], object]) -> list[int]:
    """Run ``body`` under ``retrying``; the attempt numbers it was called with."""
    seen: list[int] = []
    for attempt in retrying:
        with attempt:
            seen.append(attempt.retry_state.attempt_number)
            body(attempt.retry_state.attempt_number)
    return seen


def _always(exc: BaseException) -> Callable[[int], object]:
    def body(_attempt: int) -> object:
        raise exc
    return body


def test_a_step_is_tried_retry_step_times_on_a_transient_error() -> None:
    """A fill failing with TransientError every time is tried retry.step times, then raises."""
    clock = Clock()
    retries = Retries(_policy(step=4, backoff_s=0.5, backoff_max_s=5), sleep=clock)
    calls: list[int] = []

    def transient(attempt: int) -> None:
        calls.append(attempt)
        raise TransientError("detached")

    with pytest.raises(TransientError):
        _run(retries.step(ACTIONS["fill"]), transient)
    assert calls == [1, 2, 3, 4] and clock.slept == [0.5, 1.0, 2.0]


def test_a_saving_click_and_a_missing_target_are_tried_once_at_step_level() -> None:
    """A commit click gets one attempt; TargetNotFound is not a step retry (the case's)."""
    clock = Clock()
    retries = Retries(_policy(step=5), sleep=clock)
    calls: list[int] = []

    def transient(attempt: int) -> None:
        calls.append(attempt)
        raise TransientError("detached")

    with pytest.raises(TransientError):
        _run(retries.step(ACTIONS["click"], commit=True), transient)
    with pytest.raises(TargetNotFound):
        _run(retries.step(ACTIONS["fill"]), _always(TargetNotFound("gone")))
    assert calls == [1] and clock.slept == []


def test_goto_also_repeats_on_an_error_page() -> None:
    """goto's retry_on includes SystemUnavailable: a 503 twice, then the page loads."""
    retries = Retries(_policy(step=3, backoff_s=0), sleep=Clock())
    failures = [ErrorPage("503"), ErrorPage("503")]

    def flaky(_attempt: int) -> None:
        if failures:
            raise failures.pop()

    assert _run(retries.step(ACTIONS["goto"]), flaky) == [1, 2, 3]


def test_backoff_doubles_and_is_bounded_by_backoff_max_s() -> None:
    """Between case attempts the wait doubles from backoff_s and never exceeds backoff_max_s."""
    clock = Clock()
    retries = Retries(_policy(case=6, backoff_s=1, backoff_max_s=3), sleep=clock)
    with pytest.raises(RetryError):
        _run(retries.case(recover=lambda _exc: None), _always(TargetNotFound("gone")))
    assert clock.slept == [1, 2, 3, 3, 3]


def test_business_errors_are_never_retried_at_any_level() -> None:
    """A BusinessError leaves at once from a step (even one retrying every CaseFailure),
    from setup and from a case: one attempt, no sleep, no recover."""
    clock = Clock()
    retries = Retries(_policy(step=5, case=5, backoff_s=1), sleep=clock)
    greedy = Action("greedy", TargetArgs, None, True, frozenset({"steps"}), "", (CaseFailure,))
    recovered: list[ApplicationError] = []
    for retrying in (retries.step(greedy),
                     retries.setup(failed=lambda _n, _e: None, restart=lambda: None),
                     retries.case(recover=recovered.append)):
        calls: list[int] = []

        def refused(attempt: int, calls: list[int] = calls) -> None:
            calls.append(attempt)
            raise BusinessError("生年月日が不正です")

        with pytest.raises(BusinessError):
            _run(retrying, refused)
        assert calls == [1]
    assert clock.slept == [] and recovered == []


def test_setup_reports_every_failure_and_restarts_from_the_second_one() -> None:
    """Setup failing every time: each failure is reported, the last too; the app restarts
    before the third attempt and later, after the backoff; then the last error leaves."""
    clock = Clock()
    retries = Retries(_policy(case=4, backoff_s=0.5, backoff_max_s=5), sleep=clock)

    def failed(attempt: int, exc: ApplicationError) -> None:
        clock.log.append(f"failed {attempt} {exc.reason}")

    def attempt(number: int) -> None:
        clock.log.append(f"attempt {number}")
        raise TargetNotFound(f"no login #{number}")

    retrying = retries.setup(failed=failed, restart=lambda: clock.log.append("restart"))
    with pytest.raises(TargetNotFound, match="no login #4"):
        _run(retrying, attempt)
    assert clock.log == ["attempt 1", "failed 1 no login #1", "sleep 0.5",
                         "attempt 2", "failed 2 no login #2", "sleep 1",
                         "restart", "attempt 3", "failed 3 no login #3", "sleep 2",
                         "restart", "attempt 4", "failed 4 no login #4"]


def test_setup_does_not_restart_the_app_after_its_own_error_page_or_an_expired_session() -> None:
    """A 503 or an expired session in setup is the application's word: setup tries again
    (after the backoff for the 503, doubled for the second 503; at once for the expiry) in
    the same browser."""
    clock = Clock()
    retries = Retries(_policy(case=4, backoff_s=0.5, backoff_max_s=5), sleep=clock)
    errors = [ErrorPage("503"), SessionExpired("expired"), ErrorPage("503")]

    def attempt(number: int) -> None:
        clock.log.append(f"attempt {number}")
        if number <= len(errors):
            raise errors[number - 1]

    retrying = retries.setup(failed=lambda _n, _e: None,
                             restart=lambda: clock.log.append("restart"))
    assert _run(retrying, attempt) == [1, 2, 3, 4]
    # the first 503 is tried again at once, the second after backoff_s; no restart
    assert clock.log == ["attempt 1", "attempt 2", "attempt 3", "sleep 0.5", "attempt 4"]


def test_no_backoff_after_an_expired_session_or_a_hung_answer() -> None:
    """Waiting cures neither a logged-out session nor a hang already waited for: the case's
    next attempt recovers at once; a second 503 after them backs off by backoff_s: they do
    not make its wait longer."""
    clock = Clock()
    retries = Retries(_policy(case=5, backoff_s=0.25, backoff_max_s=5), sleep=clock)
    errors = [SessionExpired("expired"), ErrorPage("503"), NoResponse("hung"), ErrorPage("503")]

    def attempt(number: int) -> None:
        clock.log.append(f"attempt {number}")
        if number <= len(errors):
            raise errors[number - 1]

    retrying = retries.case(recover=lambda exc: clock.log.append(f"recover {exc.reason}"))
    _run(retrying, attempt)
    assert clock.log == ["attempt 1", "recover expired", "attempt 2", "recover 503",
                         "attempt 3", "recover hung", "attempt 4", "sleep 0.25", "recover 503",
                         "attempt 5"]


def test_a_case_recovers_with_the_last_error_after_the_backoff_before_each_new_attempt() -> None:
    """Case attempts: sleep, then recover with the previous attempt's error, then try again;
    after the last attempt no recover and RetryError."""
    clock = Clock()
    retries = Retries(_policy(case=3, backoff_s=0.25, backoff_max_s=5), sleep=clock)

    def attempt(number: int) -> None:
        clock.log.append(f"attempt {number}")
        raise TargetNotFound(f"frozen #{number}")

    retrying = retries.case(recover=lambda exc: clock.log.append(f"recover {exc.reason}"))
    with pytest.raises(RetryError):
        _run(retrying, attempt)
    assert clock.log == ["attempt 1", "sleep 0.25", "recover frozen #1",
                         "attempt 2", "sleep 0.5", "recover frozen #2", "attempt 3"]


def test_an_error_of_recover_itself_is_not_swallowed() -> None:
    """When recovery fails (setup's attempts used up) that error leaves the case loop as is."""
    retries = Retries(_policy(case=3, backoff_s=0), sleep=Clock())

    def recover(_exc: ApplicationError) -> None:
        raise SystemUnavailable("login page down")

    with pytest.raises(SystemUnavailable, match="login page down"):
        _run(retries.case(recover=recover), _always(NoResponse("frozen")))


def test_the_runner_waits_through_its_policy(tmp_path: Path) -> None:
    """A runner given a policy with a fake sleep backs off between case attempts through it:
    three attempts, two waits of backoff_s doubling, two recovers, the case failed."""
    bot = make_bot(tmp_path)
    clock = Clock()
    policy = _policy(step=3, case=3, backoff_s=0.5, backoff_max_s=0.75)
    sessions = Sessions(tmp_path / "home")
    runner = sessions.runner(bot, FakeDriver(Registry(
        fail={"form.name": [TargetNotFound("form.name not found")] * 3})))
    runner.retries = Retries(policy, sleep=clock)
    runner.open()
    with capture_events() as events:
        result = runner.run_case(case())
    sessions.close()
    assert (result.status, result.attempts) == (Status.FAILED, 3)
    assert clock.slept == [0.5, 0.75]
    assert len(named(events, "recover")) == 2
