"""The runner's decisions (business vs system, retries, recover, verify, commit), in memory.

Only ``robot_core.testing``: a ``FakeDriver`` answered by a scripted registry; no browser.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_registry import PASSWORD, Registry, Sessions, case, make_bot, saved_keys
from helpers import MY_NUMBER

from robot_core.drivers.base import Driver
from robot_core.errors import NoResponse, SessionExpired, TargetNotFound, TransientError
from robot_core.evidence.cards import HtmlRenderer
from robot_core.intake import Problem
from robot_core.outcome import Status
from robot_core.run.runner import Runner
from robot_core.testing import PNG, Call, FakeDriver, Result, capture_events, named
from robot_core.vault import MASK

Start = Callable[[FakeDriver], Runner]


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Start]:
    """A runner of the tiny bot on a given fake driver; its audit trail closed afterwards."""
    sessions = Sessions(tmp_path / "home")
    bot = make_bot(tmp_path)
    yield lambda driver: sessions.runner(bot, driver)
    sessions.close()


def _gotos(driver: FakeDriver) -> list[str | None]:
    return [c.value for c in driver.verbs("goto")]


def _fills(driver: FakeDriver, target: str) -> int:
    return sum(1 for name, _ in driver.typed() if name == target)


def test_a_case_lands_once_with_its_outputs(runner: Start) -> None:
    """A good case is typed once, saved once, and done with the number the registry gave."""
    app = Registry()
    driver = FakeDriver(app)
    run = runner(driver)
    run.open()
    result = run.run_case(case())
    assert (result.status, result.attempts, result.outputs) == (Status.DONE, 1,
                                                                {"regno": "RG-0001"})
    assert app.saved == [{"form.key": "U-0001", "form.name": "山田 太郎",
                          "form.my_number": MY_NUMBER}]
    assert _gotos(driver) == ["http://registry/login", "http://registry/entry"]


def test_a_business_error_ends_the_case_with_a_screenshot_and_no_retry(runner: Start) -> None:
    """Red text on the form makes the case business_failed at once, with a real screenshot."""
    app = Registry(refuse={"U-0001": "生年月日が不正です"})
    driver = FakeDriver(app)
    run = runner(driver)
    run.open()
    result = run.run_case(case())
    assert (result.status, result.attempts, result.error_kind) == (
        Status.BUSINESS_FAILED, 1, "BusinessError")
    assert result.error == "登録できません: 生年月日が不正です"
    assert (run.paths.root / result.screenshot).read_bytes() == PNG
    assert _fills(driver, "form.key") == 1 and "http://registry/menu" not in _gotos(driver)
    assert app.saved == []


def test_a_transient_error_repeats_only_the_step(runner: Start) -> None:
    """Two hiccups on one field repeat that fill, not the case: one attempt, one save."""
    app = Registry(fail={"form.name": [TransientError("detached"), TransientError("detached")]})
    driver = FakeDriver(app)
    run = runner(driver)
    run.open()
    result = run.run_case(case())
    assert (result.status, result.attempts) == (Status.DONE, 1)
    assert (_fills(driver, "form.name"), _fills(driver, "form.key")) == (3, 1)
    assert saved_keys(app) == ["U-0001"]


def test_step_repeats_are_bounded_by_retry_step(runner: Start) -> None:
    """A hiccup that outlasts retry.step fails the attempt; the next attempt types the case."""
    app = Registry(fail={"form.name": [TransientError("detached")] * 3})
    driver = FakeDriver(app)
    run = runner(driver)
    run.open()
    result = run.run_case(case())
    assert (result.status, result.attempts) == (Status.DONE, 2)
    assert _fills(driver, "form.name") == 4  # 3 in the first attempt, 1 in the second
    assert saved_keys(app) == ["U-0001"]


def test_a_missing_target_recovers_and_retries_up_to_retry_case(
        runner: Callable[[FakeDriver], Runner]) -> None:
    """TargetNotFound: screenshot, recover, the case again (no new login: the menu still
    shows after recover); failed after retry.case, and never a verify, since the saving
    click was not reached."""
    app = Registry(fail={"form.name": [TargetNotFound("form.name not found")] * 3})
    driver = FakeDriver(app)
    run = runner(driver)
    run.open()
    with capture_events() as events:
        result = run.run_case(case())
    assert (result.status, result.attempts, result.error_kind) == (
        Status.FAILED, 3, "TargetNotFound")
    entry, menu, login = "http://registry/entry", "http://registry/menu", "http://registry/login"
    assert _gotos(driver) == [login, entry, menu, entry, menu, entry]
    assert len(named(events, "screenshot")) == 3 and len(named(events, "recover")) == 2
    assert len(named(events, "login_kept")) == 2
    assert "http://registry/search" not in _gotos(driver) and app.saved == []


@dataclass
class Expiring(Registry):
    """A registry whose session ends at the first name typed: the login page shows, the
    menu only after the next login."""

    expired: bool = False
    to_form: bool = False  # the notice is on the login form itself (its user field shows)

    def fill(self, call: Call) -> Result:
        """The first name typed finds the session gone."""
        if call.target == "form.name" and not self.expired:
            self.expired = True
            self.shown = (self.shown - {"menu.home"}) | {"login.expired"}
            if self.to_form:
                self.shown.add("login.user")
            raise SessionExpired("logged out")
        return super().fill(call)

    def click(self, call: Call) -> Result:
        """Logging in brings the menu back."""
        if call.target == "login.submit":
            self.shown.add("menu.home")
        return super().click(call)


def _expire_mid_case(runner: Start, app: Expiring,
                     ) -> tuple[Expiring, FakeDriver, list[dict[str, Any]]]:
    """One case run on ``app``, whose session expires at the first name typed: it is done."""
    driver = FakeDriver(app)
    run = runner(driver)
    run.open()
    with capture_events() as events:
        result = run.run_case(case())
    assert result.status is Status.DONE
    return app, driver, events


def test_recovery_logs_in_again_when_the_login_page_shows(
        runner: Callable[[FakeDriver], Runner]) -> None:
    """A session that expired mid-case: after recover the login page shows, not the menu,
    so setup logs in again before the case is retried, and it lands once."""
    app, driver, events = _expire_mid_case(runner, Expiring())
    login = "http://registry/login"
    assert _gotos(driver).count(login) == 2 and named(events, "login_kept") == []
    assert saved_keys(app) == ["U-0001"]


def test_an_expired_session_sent_to_the_login_form_logs_in_there(runner: Start) -> None:
    """When the expired session left the login form on screen, setup logs in on it without
    opening the login page again (a page load fewer, one request less of the session), and
    the case lands once."""
    app, driver, events = _expire_mid_case(runner, Expiring(to_form=True))
    assert _gotos(driver).count("http://registry/login") == 1  # the first login's only
    assert [e["shown"] for e in named(events, "login_on_screen")] == ["login.user"]
    assert _fills(driver, "login.user") == 2 and saved_keys(app) == ["U-0001"]


def test_a_failure_after_the_commit_click_verifies_before_typing_again(runner: Start) -> None:
    """No answer after the saving click: the next attempt searches first, finds the case and
    finishes it as done (verified) without typing it a second time."""
    app = Registry(fail={"done.regno": [NoResponse("no response from the application")]})
    driver = FakeDriver(app)
    run = runner(driver)
    run.open()
    result = run.run_case(case())
    assert (result.status, result.attempts, result.verified) == (Status.DONE, 2, True)
    assert result.outputs == {"regno": "RG-0001"}
    assert saved_keys(app) == ["U-0001"] and _fills(driver, "form.key") == 1


def test_an_uncertain_case_found_by_verify_is_done_without_typing(runner: Start) -> None:
    """An uncertain case already in the registry is done from verify: no form field is typed."""
    app = Registry(saved=[{"form.key": "U-0001"}])
    driver = FakeDriver(app)
    run = runner(driver)
    run.open()
    result = run.run_case(case(), uncertain=True)
    assert (result.status, result.verified, result.outputs) == (Status.DONE, True,
                                                                {"regno": "RG-0001"})
    assert [t for t, _ in driver.typed() if (t or "").startswith("form.")] == []
    assert len(app.saved) == 1


def test_an_uncertain_case_not_found_is_typed(runner: Start) -> None:
    """An uncertain case verify does not find is typed and saved, once."""
    app = Registry()
    driver = FakeDriver(app)
    run = runner(driver)
    run.open()
    result = run.run_case(case(), uncertain=True)
    assert (result.status, result.verified) == (Status.DONE, False)
    assert _gotos(driver)[1:] == ["http://registry/search", "http://registry/entry"]
    assert saved_keys(app) == ["U-0001"]


def test_a_rejected_row_never_touches_the_application(runner: Start) -> None:
    """A row with intake problems is business_failed with an evidence card, and the only
    driver call it makes is rendering that card."""
    driver = FakeDriver(Registry())
    run = runner(driver)
    run.open()
    before = len(driver.calls)
    bad = case(problems=[Problem("個人番号", "check digit is wrong", "検査用数字が違います")])
    result = run.run_case(bad)
    assert (result.status, result.error_kind) == (Status.BUSINESS_FAILED, "CaseDataError")
    assert [c.verb for c in driver.calls[before:]] == ["render_html"]
    assert (run.paths.root / result.screenshot).read_bytes() == PNG


def test_session_expiry_mid_case_logs_in_again(runner: Start) -> None:
    """Logged out mid-case: the wait ends as SessionExpired, the robot logs in again and the
    case goes through on the next attempt."""
    app = Registry()
    expired: list[bool] = []

    def logged_out_once(call: Call) -> Result:
        if call.verb == "fill" and call.target == "form.name" and not expired:
            expired.append(True)
            app.shown.add("login.expired")
            raise TargetNotFound("form.name not found")
        return app(call)

    driver = FakeDriver(logged_out_once)
    run = runner(driver)
    run.open()
    with capture_events() as events:
        result = run.run_case(case())
    assert (result.status, result.attempts) == (Status.DONE, 2)
    failed = [e for e in named(events, "step") if e["outcome"] == "error"]
    assert [e["error"] for e in failed] == ["SessionExpired: login.expired shown"]
    assert sum(1 for c in driver.verbs("click") if c.target == "login.submit") == 2
    assert saved_keys(app) == ["U-0001"]


def test_setup_watches_error_pages_but_not_the_login_page(runner: Start) -> None:
    """While logging in only the error-page watch interrupts; during the case both do."""
    app = Registry()
    seen: dict[str, list[str]] = {}
    driver = FakeDriver()

    def note_watches(call: Call) -> Result:
        if call.verb == "fill" and call.target in {"login.user", "form.name"}:
            seen[call.target] = [t.name for t, _ in driver.interrupts]
        return app(call)

    driver.handler = note_watches
    run = runner(driver)
    run.open()
    run.run_case(case())
    assert seen == {"login.user": ["page.unavailable"],
                    "form.name": ["login.expired", "page.unavailable"]}


def test_an_error_page_ends_a_wait_and_the_case_is_verified(runner: Start) -> None:
    """An error page while waiting after the save ends the wait as SystemUnavailable; the
    next attempt verifies and finds the case, typed once."""
    app = Registry()

    def down_after_save(call: Call) -> Result:
        result = app(call)
        if call.verb == "click" and call.target == "form.save":
            app.shown -= {"done.regno"}
            app.shown.add("page.unavailable")
        if call.verb == "goto":
            app.shown.discard("page.unavailable")
        return result

    driver = FakeDriver(down_after_save)
    run = runner(driver)
    run.open()
    with capture_events() as events:
        result = run.run_case(case())
    assert (result.status, result.attempts, result.verified) == (Status.DONE, 2, True)
    errors = [e["error"] for e in named(events, "step") if e["outcome"] == "error"]
    assert errors == ["SystemUnavailable: page.unavailable shown"]
    assert saved_keys(app) == ["U-0001"]


def test_secrets_never_reach_the_audit_events(runner: Start) -> None:
    """The password and the My Number (typed, and quoted in an error) are masked in every
    event, exactly as written to audit.jsonl."""
    app = Registry(refuse={"U-0001": f"個人番号 {MY_NUMBER} は登録済みです"})
    driver = FakeDriver(app)
    run = runner(driver)
    with capture_events() as events:
        run.open()
        result = run.run_case(case())
        run.close()
    text = json.dumps(events, ensure_ascii=False)
    assert MY_NUMBER not in text and PASSWORD not in text
    assert result.error == f"登録できません: 個人番号 {MASK} は登録済みです"
    typed = {e["target"]: e["value"] for e in named(events, "step") if e["action"] == "fill"}
    assert typed["form.my_number"] == MASK and typed["login.password"] == MASK
    assert typed["form.name"] == "山田 太郎"
    written = run.paths.audit.read_text(encoding="utf-8").splitlines()
    assert events == [json.loads(line) for line in written]


def test_a_fake_screenshot_is_a_valid_png(tmp_path: Path) -> None:
    """The fake driver's evidence is a real PNG: signature, IHDR of 1×1, pixels that inflate."""
    path = FakeDriver().screenshot(tmp_path / "shots" / "a.png", [])
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert int.from_bytes(data[16:20], "big") == int.from_bytes(data[20:24], "big") == 1
    start = data.index(b"IDAT") + 4
    assert zlib.decompress(data[start:start + int.from_bytes(data[start - 8:start - 4],
                                                             "big")]) == b"\x00\x80"


def test_the_fake_driver_implements_the_whole_seam() -> None:
    """FakeDriver has every method of the Driver protocol, and renders rejection cards."""
    driver = FakeDriver()
    assert isinstance(driver, Driver) and isinstance(driver, HtmlRenderer)
    seam = {name for name in vars(Driver) if not name.startswith("_")}
    assert seam <= set(dir(driver))
