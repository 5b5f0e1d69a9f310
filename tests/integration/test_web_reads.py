"""The web driver's read-backs for ``expect``/``extract`` and its wait for a target to go."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from robot_core.drivers.web import WebDriver
from robot_core.errors import TargetNotFound
from robot_core.selectors import Alternative, Target, load_selector_map
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
MAP = load_selector_map(ROOT / "selectors" / "registry_web.yaml")


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    """One started web driver for the module; stopped afterwards."""
    made = WebDriver()
    made.start()
    yield made
    made.stop()


def _css(name: str, css: str) -> Target:
    return Target(name, (Alternative("css", css),), MAP.get("login.user").location)


def test_a_dialog_that_closes_ends_the_wait_as_it_goes(driver: WebDriver) -> None:
    """A dialog removed 400 ms into the wait ends it then, long before its timeout."""
    driver.page.set_content('<div class="dialog">保存中…</div><script>setTimeout(() => '
                            'document.querySelector(".dialog").remove(), 400)</script>')
    started = time.monotonic()
    driver.wait_gone(_css("x.dialog", "div.dialog"), 10_000)
    assert 0.3 < time.monotonic() - started < 3


def test_a_dialog_that_stays_is_target_not_found_at_the_timeout(driver: WebDriver) -> None:
    """A dialog still shown after the wait's 600 ms ends it with a message that says so."""
    driver.page.set_content('<div class="dialog">保存中…</div>')
    started = time.monotonic()
    with pytest.raises(TargetNotFound, match=r"x\.dialog still on screen after 600 ms"):
        driver.wait_gone(_css("x.dialog", "div.dialog"), 600)
    assert time.monotonic() - started < 4


def test_a_hidden_element_counts_as_gone(driver: WebDriver) -> None:
    """An element that is only hidden (display:none), not removed, is gone at once."""
    driver.page.set_content('<div class="dialog" style="display:none">保存中…</div>')
    driver.wait_gone(_css("x.dialog", "div.dialog"), 600)


def test_attribute_address_and_title_read_back(registry: Any, driver: WebDriver) -> None:
    """The fixture's login page: its address, its title, a field's name attribute (and ""
    for an attribute it lacks)."""
    app = registry()
    driver.goto(f"{app.url}/login", 10_000)
    assert driver.current_url() == f"{app.url}/login"
    assert driver.window_title() == driver.page.title() and driver.window_title()
    user = MAP.get("login.user")
    assert driver.read_attribute(user, "name", 5_000) == \
        driver.page.locator("input").first.get_attribute("name")
    assert driver.read_attribute(user, "data-never", 5_000) == ""
