"""``robot inspect`` sees controls in a frame inside a frame, and names it so the web driver
finds it: ``frame: 'iframe[name="outer"] >> iframe[name="inner"]'``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from robot_core.drivers.web import WebDriver
from robot_core.drivers.web_locate import locator_for
from robot_core.selectors import Alternative
from robot_core.tools.inspect.collect import collect

pytestmark = pytest.mark.browser
INNER = "<label>受付番号<input name='q'></label>"
OUTER = (f"<p>外</p><label>氏名<input name='name'></label>"
         f"<iframe name='inner' srcdoc=\"{INNER}\"></iframe>")
PAGE = f"<h1>頁</h1><iframe name='outer' srcdoc=\"{OUTER.replace(chr(34), '&quot;')}\"></iframe>"


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    """One started web driver for the module; stopped afterwards."""
    made = WebDriver()
    made.start()
    yield made
    made.stop()


def test_inspect_lists_controls_two_frames_deep_and_the_driver_finds_them(
        driver: WebDriver) -> None:
    """The inner frame's input is listed with its frame chain, and that chain, as a map's
    ``frame:``, lets the driver fill it."""
    page = driver.page
    page.set_content(PAGE)
    page.frame_locator("iframe[name='outer']").frame_locator(
        "iframe[name='inner']").locator("input").wait_for()
    found = {c.info.get("name"): c.frame for c in collect(page)}
    assert found == {"name": 'iframe[name="outer"]',
                     "q": 'iframe[name="outer"] >> iframe[name="inner"]'}
    inner = locator_for(page, Alternative("css", "input[name='q']", frame=found["q"]))
    inner.fill("U-1")
    assert page.frames[2].locator("input").input_value() == "U-1"
