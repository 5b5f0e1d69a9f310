"""``app: {response_timeout_ms: …}``: a hung server is told at the app's own pace, not at
the end of a step's long timeout."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from robot_core.drivers import web_look
from robot_core.drivers.web import WebDriver
from robot_core.errors import NoResponse
from tests.conftest import EXPECTED
from tests.integration.test_web_driver import MAP, _fill_case, _login

pytestmark = pytest.mark.browser


@pytest.fixture
def quick() -> Iterator[WebDriver]:
    """A web driver whose app answers every page within a second."""
    driver = WebDriver(response_timeout_ms=1000)
    driver.start()
    yield driver
    driver.stop()


@pytest.mark.timeout(60)
def test_a_hung_save_is_no_response_after_the_response_timeout(registry: Any,
                                                               quick: WebDriver) -> None:
    """The wait after a save whose POST never answers ends after ~1 s, not its 20 s."""
    app = registry(freeze_path="/entry/commit")
    _save_first_case(quick, app.url)
    started = time.monotonic()
    with pytest.raises(NoResponse, match=r"POST /entry/commit unanswered"):
        quick.wait_any([MAP.get("done.message"), MAP.get("form.error")], 20_000)
    assert time.monotonic() - started < 1.0 + 1.5
    assert app.dump() == []


@pytest.mark.timeout(60)
def test_a_hung_page_load_is_no_response_after_the_response_timeout(registry: Any,
                                                                    quick: WebDriver) -> None:
    """A goto given 20 s ends after ~1 s when the server takes the request and never answers."""
    app = registry(freeze_path="/menu", freeze_at=2, freeze_requests=0)
    _login(quick, app.url)
    started = time.monotonic()
    with pytest.raises(NoResponse, match=r"GET /menu"):
        quick.goto(f"{app.url}/menu", 20_000)
    assert time.monotonic() - started < 1.0 + 1.5


@pytest.mark.timeout(60)
def test_a_screens_own_response_timeout_replaces_the_apps(registry: Any,
                                                          quick: WebDriver) -> None:
    """A wait for targets of a screen whose map says ``response_timeout_ms: 3000`` (a slow
    page on a bad night) is not called hung after the app's 1 s, but after the screen's 3 s."""
    app = registry(freeze_path="/entry/commit")
    _save_first_case(quick, app.url)
    done = dataclasses.replace(MAP.get("done.message"), response_timeout_ms=3000)
    with pytest.raises(NoResponse, match=r"POST /entry/commit unanswered after") as raised:
        quick.wait_any([done, MAP.get("form.error")], 20_000)
    waited = re.search(r"unanswered after ([\d.]+) s", str(raised.value))
    assert waited is not None and float(waited.group(1)) >= 3.0


@pytest.mark.timeout(60)
def test_a_hung_save_behind_a_wait_is_given_up_at_its_bound_not_at_a_slice_end(
        registry: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wait after a save whose POST never answers ends at the POST's bound (the app's
    pace: that page was never answered), though its look waits in the page for one slice
    as long as the whole wait: the watching thread wakes the look."""
    monkeypatch.setattr(web_look, "SLICE_MS", 20_000)  # a look ending at its slice: 20 s
    app = registry(freeze_path="/entry/commit")
    driver = WebDriver(response_timeout_ms=10_000)
    driver.start()
    try:
        _save_first_case(driver, app.url)
        with pytest.raises(NoResponse, match=r"waiting for done\.message; POST /entry/commit "
                                             r"unanswered after") as raised:
            driver.wait_any([MAP.get("done.message"), MAP.get("form.error")], 20_000)
    finally:
        driver.stop()
    said = re.search(r"after ([\d.]+) s, its bound ([\d.]+) s \(app pace\)", str(raised.value))
    assert said is not None, raised.value
    waited, bound = float(said.group(1)), float(said.group(2))
    assert bound < 10.0 and waited < bound + 2.0  # the slice would have said 20 s
    assert app.dump() == []


def _save_first_case(driver: WebDriver, url: str) -> None:
    """Log in, type the sample's first case, confirm it and press 登録 (whose POST hangs)."""
    _login(driver, url)
    driver.goto(f"{url}/entry", 10_000)
    _fill_case(driver, EXPECTED["valid"][0])
    driver.click(MAP.get("form.confirm"), 5_000)
    driver.wait_any([MAP.get("confirm.message")], 10_000)
    driver.click(MAP.get("confirm.register"), 3_000)
