"""The one look (drivers/web_look.py): a step found and done in one evaluation, even on a
slow page, with fallbacks in order and interrupts seen during the look."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from robot_core.drivers.web import WebDriver
from robot_core.errors import Location, SessionExpired
from robot_core.selectors import Alternative, Target, load_selector_map
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
MAP = load_selector_map(ROOT / "selectors" / "registry_web.yaml")
FRAME = 'iframe[name="main"]'
VALUE = "() => document.querySelector('iframe[name=main]').contentDocument" \
        ".querySelector('input[name=txt02]').value"


@pytest.fixture
def form(registry: Any) -> Iterator[tuple[WebDriver, Any]]:
    """A started driver on the registry's entry form, logged in."""
    app = registry()
    driver = WebDriver()
    driver.start()
    driver.goto(f"{app.url}/login", 10_000)
    driver.fill(MAP.get("login.user"), "clerk", 5_000)
    driver.fill(MAP.get("login.password"), "clerk-pass", 5_000)
    driver.click(MAP.get("login.submit"), 5_000)
    driver.wait_any([MAP.get("menu.entry")], 10_000)
    driver.goto(f"{app.url}/entry", 10_000)
    yield driver, app
    driver.stop()


def _count_evaluations(driver: WebDriver) -> list[str]:
    """Record every ``page.evaluate`` the driver makes (the real call still runs)."""
    calls: list[str] = []
    page = driver.page
    real = page.evaluate

    def counted(expression: str, arg: Any = None) -> Any:
        calls.append(expression[:20])
        return real(expression, arg)

    page.evaluate = counted  # type: ignore[method-assign]
    return calls


def test_a_fill_on_a_slow_page_is_one_evaluation(form: tuple[WebDriver, Any]) -> None:
    """With the page's CPU slowed 20×, a fill (stale first alternative, then the field) is
    one evaluation that lands the value and names the alternative that matched."""
    driver, _ = form
    driver.page.context.new_cdp_session(driver.page).send(
        "Emulation.setCPUThrottlingRate", {"rate": 20})
    target = Target("form.name", (Alternative("css", 'input[name="gone"]', frame=FRAME),
                                  *MAP.get("form.name").alternatives), Location("t", 1, 1))
    calls = _count_evaluations(driver)
    matched = driver.fill(target, "山田 太郎", 8_000)
    assert matched.startswith("beside='氏名'")
    assert len(calls) == 1
    assert driver.page.evaluate(VALUE) == "山田 太郎"


def test_an_expired_session_ends_the_look_at_once(form: tuple[WebDriver, Any]) -> None:
    """A login page that says the session expired ends a fill's look with SessionExpired,
    well before the step's timeout."""
    driver, app = form
    driver.set_interrupts([(MAP.get("login.expired"), SessionExpired)])
    driver.goto(f"{app.url}/login?expired=1", 10_000)
    started = time.monotonic()
    with pytest.raises(SessionExpired):
        driver.fill(MAP.get("form.name"), "x", 8_000)
    assert time.monotonic() - started < 4
