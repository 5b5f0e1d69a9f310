"""The system's weather (a 503 page, an expired session, a hung answer): retried at the
cheapest safe level, on an allowance of its own (``retry.faults``), never at the price of
typing a saved case twice. Fakes only (``robot_core.testing``); no sleep is real.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fake_registry import (
    BOT,
    CONFIRM_MAP,
    CONFIRMED,
    ENTRY,
    LOGIN,
    MENU,
    NEXT,
    SEARCH,
    TWO_PAGES,
    Registry,
    Sessions,
    case,
    make_bot,
    pages,
    saved_keys,
)
from helpers import MY_NUMBER
from tenacity import RetryError, Retrying

from robot_core.drivers.web_watch import NavigationWatch
from robot_core.errors import (
    ApplicationError,
    ErrorPage,
    NoResponse,
    SessionExpired,
    SystemUnavailable,
    TargetNotFound,
)
from robot_core.outcome import Status
from robot_core.run.relogin import shortcut
from robot_core.run.resume import resume_at
from robot_core.run.retries import Budget, Retries
from robot_core.run.runner import Runner
from robot_core.script.actions import ACTIONS
from robot_core.script.model import BotScript, RetryPolicy
from robot_core.testing import Call, FakeDriver, Result, capture_events, named

FAST = "retry: {step: 3, case: 3, backoff_s: 0, backoff_max_s: 0"


def _attempts(retrying: Retrying, errors: list[ApplicationError]) -> list[int]:
    """Run attempts under ``retrying`` failing with ``errors`` in turn, then succeeding."""
    seen: list[int] = []
    for attempt in retrying:
        with attempt:
            number = attempt.retry_state.attempt_number
            seen.append(number)
            if number <= len(errors):
                raise errors[number - 1]
    return seen


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Callable[[FakeDriver, str], Runner]]:
    """A runner of the tiny bot (its retry settings extended) on a given fake driver."""
    sessions = Sessions(tmp_path / "home")

    def start(driver: FakeDriver, retry: str = "") -> Runner:
        bot = make_bot(tmp_path / f"p{len(sessions.trails)}", BOT.replace(FAST, FAST + retry))
        return sessions.runner(bot, driver)

    yield start
    sessions.close()


def test_weather_draws_on_its_own_allowance_before_the_cases_attempts() -> None:
    """With case 2 and faults 3, four 503s/expiries/hangs still leave a fifth attempt that
    lands; a fifth weather failure ends the case (bounded: case + faults attempts)."""
    retries = Retries(RetryPolicy(case=2, faults=3, backoff_s=0), sleep=lambda _s: None)
    weather: list[ApplicationError] = [ErrorPage("503"), SessionExpired("expired"),
                                       NoResponse("hung"), ErrorPage("503")]
    assert _attempts(retries.case(recover=lambda _e: None), weather) == [1, 2, 3, 4, 5]
    with pytest.raises(RetryError):
        _attempts(retries.case(recover=lambda _e: None), [*weather, NoResponse("hung")])


def test_any_other_failure_counts_against_the_case_at_once() -> None:
    """A missing target is the case's (or the form's) problem: two of them end a case of
    case 2, however much weather allowance is left."""
    retries = Retries(RetryPolicy(case=2, faults=10, backoff_s=0), sleep=lambda _s: None)
    errors: list[ApplicationError] = [TargetNotFound("a"), SessionExpired("b"),
                                      TargetNotFound("c"), TargetNotFound("never reached")]
    seen: list[int] = []
    with pytest.raises(RetryError):
        for attempt in retries.case(recover=lambda _e: None):
            with attempt:
                seen.append(attempt.retry_state.attempt_number)
                raise errors[len(seen) - 1]
    assert seen == [1, 2, 3]


def test_an_unreachable_system_is_an_outage_not_weather() -> None:
    """A refused connection or a replaced window is no error page: it counts against the
    case's attempts at once (an outage is the requeue's to wait out), and setup restarts
    the application for it from the third attempt on."""
    retries = Retries(RetryPolicy(case=2, faults=10, backoff_s=0), sleep=lambda _s: None)
    down: list[ApplicationError] = [SystemUnavailable("refused"), SystemUnavailable("gone"),
                                    SystemUnavailable("never reached")]
    with pytest.raises(RetryError):
        _attempts(retries.case(recover=lambda _e: None), down)
    assert not Budget(RetryPolicy(faults=10)).free(SystemUnavailable("window replaced"))
    assert Budget(RetryPolicy(faults=10)).free(ErrorPage("503"))
    restarts: list[int] = []
    setup = Retries(RetryPolicy(case=3, faults=10, backoff_s=0), sleep=lambda _s: None)
    retrying = setup.setup(failed=lambda _n, _e: None, restart=lambda: restarts.append(1))
    assert _attempts(retrying, down[:2]) == [1, 2, 3] and restarts == [1]


def test_setup_has_the_same_allowance() -> None:
    """A login meeting four 503s and an expiry (more than case 3) logs in on its sixth try,
    in the same browser (the application's own word: no restart)."""
    restarts: list[int] = []
    retries = Retries(RetryPolicy(case=3, faults=5, backoff_s=0), sleep=lambda _s: None)
    errors: list[ApplicationError] = [ErrorPage("503")] * 4 + [SessionExpired("x")]
    retrying = retries.setup(failed=lambda _n, _e: None, restart=lambda: restarts.append(1))
    assert _attempts(retrying, errors) == [1, 2, 3, 4, 5, 6] and restarts == []


def test_the_backoff_doubles_with_each_503_not_with_each_attempt() -> None:
    """The first 503 of a case is tried again at once, the next ones after backoff_s doubling
    (a system really down is spared); expiries and hangs between them neither wait nor
    lengthen the next 503's wait."""
    slept: list[float] = []
    retries = Retries(RetryPolicy(case=9, backoff_s=0.5, backoff_max_s=1.5), sleep=slept.append)
    errors: list[ApplicationError] = [SessionExpired("e"), ErrorPage("1"),
                                      NoResponse("h"), SessionExpired("e"),
                                      ErrorPage("2"), ErrorPage("3"), ErrorPage("4")]
    _attempts(retries.case(recover=lambda _e: None), errors)
    assert slept == [0.5, 1.0, 1.5]


def test_a_goto_answered_503_is_loaded_again_at_once_then_after_the_backoff() -> None:
    """A step's first 503 repeats it without a wait; its second waits backoff_s."""
    slept: list[float] = []
    retries = Retries(RetryPolicy(step=3, backoff_s=0.5, backoff_max_s=2), sleep=slept.append)
    assert _attempts(retries.step(ACTIONS["goto"]), [ErrorPage("1"), ErrorPage("2")]) \
        == [1, 2, 3]
    assert slept == [0.5]


def test_the_default_policy_has_a_weather_allowance() -> None:
    """A bot that says nothing about retries gets 20 weather attempts besides its 3."""
    assert (RetryPolicy().case, RetryPolicy().faults) == (3, 20)


def test_a_hung_navigation_is_repeated_as_a_step_without_waiting() -> None:
    """goto repeats on NoResponse (loading a page again is harmless) at once, no backoff."""
    slept: list[float] = []
    retries = Retries(RetryPolicy(step=3, backoff_s=1), sleep=slept.append)
    assert _attempts(retries.step(ACTIONS["goto"]), [NoResponse("hung"), NoResponse("hung")]) \
        == [1, 2, 3]
    assert slept == []


def test_a_case_meeting_more_weather_than_retry_case_lands_once(
        runner: Callable[[FakeDriver, str], Runner]) -> None:
    """Five 503s and hangs on the form (case 3) and the case still lands, typed to the end
    once; every failed attempt was recovered."""
    fail: dict[str, list[BaseException]] = {"form.name": [
        ErrorPage("503"), NoResponse("hung"), ErrorPage("503"),
        NoResponse("hung"), ErrorPage("503")]}
    app = Registry(fail=fail)
    run = runner(FakeDriver(app), "")
    run.open()
    with capture_events() as events:
        result = run.run_case(case())
    assert (result.status, result.attempts) == (Status.DONE, 6)
    assert saved_keys(app) == ["U-0001"] and len(named(events, "recover")) == 5


def test_weather_after_the_saving_click_still_verifies_first(
        runner: Callable[[FakeDriver, str], Runner]) -> None:
    """The save went through but its answer hung, then the search met 503s and an expiry
    (more than case 3 in all): verify finds the case and it is never typed again."""
    app = Registry(fail={"done.regno": [NoResponse("hung")],
                         "search.key": [ErrorPage("503"), SessionExpired("x"),
                                        ErrorPage("503")]})
    driver = FakeDriver(app)
    run = runner(driver, "")
    run.open()
    result = run.run_case(case())
    assert (result.status, result.verified) == (Status.DONE, True)
    assert saved_keys(app) == ["U-0001"]
    assert sum(1 for c in driver.verbs("click") if c.target == "form.save") == 1


def test_an_expired_session_skips_recover_and_logs_in(
        runner: Callable[[FakeDriver, str], Runner]) -> None:
    """Logged out mid-case: no recover steps (setup's own goto leaves the menu at once),
    straight to the login, then the case lands."""
    app = Registry()
    expired: list[bool] = []

    def logged_out_once(call: Call) -> Result:
        if call.verb == "fill" and call.target == "form.name" and not expired:
            expired.append(True)
            raise SessionExpired("logged out")
        return app(call)

    driver = FakeDriver(logged_out_once)
    run = runner(driver, "")
    run.open()
    with capture_events() as events:
        result = run.run_case(case())
    assert result.status is Status.DONE
    assert [c.value for c in driver.verbs("goto")] == [LOGIN, ENTRY, LOGIN, ENTRY]
    assert [e["steps"] for e in named(events, "recover")] == [False]


def test_what_a_recovery_may_skip_depends_on_the_pages_the_bot_opens(tmp_path: Path) -> None:
    """An expiry skips recover when setup opens its own page ("login"); a 503 or a hang skips
    recover and the login check when recover only navigates and steps and verify open their
    own page ("resume"); a setup or verify that does not open a page, a recover that does
    more than navigate, or another cause: the full recovery."""
    def bot(name: str, old: str = "", new: str = "") -> BotScript:
        return make_bot(tmp_path / name, BOT.replace(old, new, 1))

    web = bot("a")
    assert shortcut(web, SessionExpired("x")) == "login"
    assert shortcut(web, ErrorPage("503")) == "resume"
    assert shortcut(web, NoResponse("hung")) == "resume"
    assert shortcut(web, TargetNotFound("gone")) is None
    no_goto = bot("b", "  - goto: http://registry/login\n")
    assert shortcut(no_goto, SessionExpired("x")) is None
    busy = bot("c", f"  - goto: {MENU}\n", f"  - goto: {MENU}\n  - click: menu.home\n")
    assert shortcut(busy, ErrorPage("503")) is None
    searched = bot("d", "  - goto: http://registry/search\n")
    assert shortcut(searched, NoResponse("hung")) is None


def test_a_503_resumes_with_the_next_attempts_own_page(
        runner: Callable[[FakeDriver, str], Runner]) -> None:
    """After a 503 on the form no recover goto and no login: the next attempt's goto is the
    recovery, and the case lands once."""
    app = Registry(fail={"form.name": [ErrorPage("503")]})
    driver = FakeDriver(app)
    run = runner(driver, "")
    run.open()
    with capture_events() as events:
        result = run.run_case(case())
    assert (result.status, saved_keys(app)) == (Status.DONE, ["U-0001"])
    assert [c.value for c in driver.verbs("goto")] == [LOGIN, ENTRY, ENTRY]
    assert [e.get("shortcut") for e in named(events, "recover")] == ["resume"]


class _Events:
    """Just enough of a Playwright page for ``NavigationWatch``: its event handlers."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[object], None]] = {}

    def on(self, name: str, handler: Callable[[object], None]) -> None:
        self.handlers[name] = handler


@dataclass(frozen=True)
class _Request:
    url: str
    method: str = "GET"

    def is_navigation_request(self) -> bool:
        return True


@dataclass(frozen=True)
class _Response:
    request: _Request
    status: int


def test_a_frame_answered_with_a_5xx_is_noted_for_the_goto() -> None:
    """A frame's document answered 503 is what the page's goto reports (SystemUnavailable,
    repeated as a step); a 200 notes nothing."""
    page = _Events()
    watch = NavigationWatch(page)  # type: ignore[arg-type]
    ok, down = _Request("http://registry/entry"), _Request("http://registry/entry/form")
    for request, status in ((ok, 200), (down, 503)):
        page.handlers["request"](request)
        page.handlers["response"](_Response(request, status))
    assert watch.error_answer == "GET /entry/form answered HTTP 503"
    assert SystemUnavailable in ACTIONS["goto"].retry_on


def test_weather_paid_from_its_allowance_leaves_no_screenshot(
        runner: Callable[[FakeDriver, str], Runner]) -> None:
    """Two 503s retried from the allowance take no screenshot (the audit line says what
    they were); with no allowance (faults 0) the same failures are each photographed."""
    shots: list[int] = []
    for faults in ("", ", faults: 0"):
        app = Registry(fail={"form.name": [ErrorPage("503"), ErrorPage("503")]})
        run = runner(FakeDriver(app), faults)
        run.open()
        with capture_events() as events:
            result = run.run_case(case())
        assert (result.status, result.screenshot) == (Status.DONE, "")
        errors = [e for e in named(events, "step") if e["outcome"] == "error"]
        assert len(errors) == 2
        shots.append(len(named(events, "screenshot")))
    assert shots == [0, 2]


# -- where the next attempt starts (run/resume.py) -------------------------------------------
def test_a_hung_answer_before_the_save_repeats_the_click_on_the_same_form(
        project: Callable[[str, FakeDriver], Runner]) -> None:
    """The confirm click's answer hung and was given up on: the form it was typed into still
    shows, so the next attempt repeats that click; no field is typed twice, no page loaded
    again, no recovery, and the case lands once with its values."""
    app = Registry()
    driver = FakeDriver()
    driver.handler = pages(app, driver, hang_on="form.confirm", changed=False)
    run = project(CONFIRMED, driver)
    with capture_events() as events:
        result = run.run_case(case())
    assert (result.status, result.attempts) == (Status.DONE, 2)
    assert app.saved == [{"form.key": "U-0001", "form.name": "山田 太郎",
                          "form.my_number": MY_NUMBER}]
    assert [t for t, _ in driver.typed()] == ["login.user", "login.password", "form.key",
                                              "form.name", "form.my_number"]
    assert [c.value for c in driver.verbs("goto")] == [LOGIN, ENTRY]
    assert [c.target for c in driver.verbs("click")] == ["login.submit", "form.confirm",
                                                         "form.confirm", "form.save"]
    assert [(e["shortcut"], e["resume_at"]) for e in named(events, "recover")] == \
        [("resume", "steps[4] click")]
    assert named(events, "case_started")[1]["resumed_at"] == "steps[4] click"


def test_a_hang_after_which_the_screen_changed_starts_the_case_over(
        project: Callable[[str, FakeDriver], Runner]) -> None:
    """The same hang, but the frame moved on (another document shows): what was typed is
    gone, so the case starts again from its first page."""
    app = Registry()
    driver = FakeDriver()
    driver.handler = pages(app, driver, hang_on="form.confirm", changed=True)
    run = project(CONFIRMED, driver)
    result = run.run_case(case())
    assert result.status is Status.DONE and saved_keys(app) == ["U-0001"]
    assert [c.value for c in driver.verbs("goto")] == [LOGIN, ENTRY, ENTRY]
    assert [t for t, _ in driver.typed()].count("form.name") == 2


def test_a_hung_saving_click_is_verified_never_resumed(
        project: Callable[[str, FakeDriver], Runner]) -> None:
    """The saving click itself hung (on the same screen): verify searches first, and only a
    case not found is typed again, from its first page."""
    app = Registry()
    driver = FakeDriver()
    driver.handler = pages(app, driver, hang_on="form.save", changed=False)
    run = project(CONFIRMED, driver)
    with capture_events() as events:
        result = run.run_case(case())
    assert result.status is Status.DONE and saved_keys(app) == ["U-0001"]
    assert [c.value for c in driver.verbs("goto")] == [LOGIN, ENTRY, SEARCH, ENTRY]
    assert all("resumed_at" not in e for e in named(events, "case_started"))


def test_a_503_resumes_from_the_last_page_opened_not_the_first(
        project: Callable[[str, FakeDriver], Runner]) -> None:
    """A 503 on the second page of the steps: the next attempt opens that page again (the
    session is kept: no recover, no login) and the first page is not typed again."""
    app = Registry(fail={"form.name": [ErrorPage("503")]})
    driver = FakeDriver(app)
    run = project(TWO_PAGES, driver)
    with capture_events() as events:
        result = run.run_case(case())
    assert (result.status, result.attempts, len(app.saved)) == (Status.DONE, 2, 1)
    assert [c.value for c in driver.verbs("goto")] == [LOGIN, ENTRY, NEXT, NEXT]
    assert [t for t, _ in driver.typed()].count("form.key") == 1
    assert [e["shortcut"] for e in named(events, "recover")] == ["resume"]


def test_an_expiry_before_the_save_logs_in_and_starts_from_the_first_page(
        project: Callable[[str, FakeDriver], Runner]) -> None:
    """A new session knows nothing of the pages before: after the login the case starts
    from its first page, even with a second page to resume at."""
    app = Registry(fail={"form.name": [SessionExpired("logged out")]})
    driver = FakeDriver(app)
    run = project(TWO_PAGES, driver)
    result = run.run_case(case())
    assert result.status is Status.DONE and len(app.saved) == 1
    assert [c.value for c in driver.verbs("goto")] == [LOGIN, ENTRY, NEXT, LOGIN, ENTRY, NEXT]
    assert [t for t, _ in driver.typed()].count("form.key") == 2


def test_the_resume_point_is_the_last_sender_on_the_page_still_showing(tmp_path: Path) -> None:
    """After a hang on an unchanged page: the last click/press/goto on it (a wait after the
    click goes back to the click); a key pressed a counted number of times is never repeated
    blindly; after a 503 the last goto, unless it is the first step (a plain new attempt)."""
    bot = make_bot(tmp_path / "a", CONFIRMED.replace(
        "  - click: form.confirm\n", "  - click: form.confirm\n  - wait_for: form.key\n"),
        CONFIRM_MAP)
    same = {0: "entry", 1: "form", 2: "form", 3: "form", 4: "form", 5: "form"}
    assert resume_at(bot, 5, same, "form", NoResponse("h")) == 4  # the wait's click
    assert resume_at(bot, 4, same, "form", NoResponse("h")) == 4
    assert resume_at(bot, 5, same, "error page", NoResponse("h")) is None  # gone: from 0
    assert resume_at(bot, 5, same, None, NoResponse("h")) is None  # cannot tell
    assert resume_at(bot, 5, same, "form", SessionExpired("x")) is None
    assert resume_at(bot, 5, same, "form", TargetNotFound("x")) is None
    pressed = make_bot(tmp_path / "b", CONFIRMED.replace(
        "  - click: form.confirm\n", "  - press: {target: form.name, key: Down, times: '3'}\n"),
        CONFIRM_MAP)
    assert resume_at(pressed, 4, same, "form", NoResponse("h")) is None
    two = make_bot(tmp_path / "c", TWO_PAGES)
    assert resume_at(two, 3, {}, None, ErrorPage("503")) == 2
    assert resume_at(two, 1, {}, None, ErrorPage("503")) is None
