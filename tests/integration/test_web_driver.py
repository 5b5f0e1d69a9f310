"""The Playwright driver against the fixture registry: fallbacks, interrupts, masked screenshots,
and a legacy system that freezes, refuses or keeps its page busy."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from robot_core.drivers.web import WebDriver
from robot_core.errors import NoResponse, SessionExpired, SystemUnavailable, TargetNotFound
from robot_core.selectors import Alternative, SelectorMap, Target, load_selector_map
from tests.conftest import EXPECTED, ROOT

pytestmark = pytest.mark.browser
MAP = load_selector_map(ROOT / "selectors" / "registry_web.yaml")


def _login(driver: WebDriver, url: str, selectors: SelectorMap = MAP) -> None:
    driver.goto(f"{url}/login", 10_000)
    driver.fill(selectors.get("login.user"), "clerk", 5_000)
    driver.fill(selectors.get("login.password"), "clerk-pass", 5_000)
    driver.click(selectors.get("login.submit"), 5_000)
    driver.wait_any([selectors.get("menu.entry")], 10_000)


def _fill_case(driver: WebDriver, case: dict[str, Any]) -> None:
    t = MAP.get
    for target, value in [("form.reception_no", case["case_id"]), ("form.name", case["name"]),
                          ("form.name_kana", case["name_kana"]),
                          ("form.birth_year", "60"), ("form.birth_month", "4"),
                          ("form.birth_day", "1"), ("form.postal_code", case["postal_code"]),
                          ("form.address", case["address"]),
                          ("form.moved_in", case["moved_in"].replace("-", "/")),
                          ("form.my_number", case["my_number"])]:
        driver.fill(t(target), value, 5_000)
    driver.set_checked(t("form.sex").option(case["sex"]), True, 5_000)
    driver.select(t("form.era"), "S", None, 5_000)


def test_masked_screenshot_hides_the_my_number(registry: Any, driver: WebDriver,
                                               tmp_path: Path) -> None:
    """On the confirm page the plain My Number cell is painted black in the screenshot."""
    app = registry()
    _login(driver, app.url)
    driver.goto(f"{app.url}/entry", 10_000)
    _fill_case(driver, EXPECTED["valid"][0])
    driver.click(MAP.get("form.confirm"), 5_000)
    driver.wait_any([MAP.get("confirm.message")], 10_000)
    cell = driver.page.frame_locator('iframe[name="main"]').locator("td.mynum")
    assert cell.inner_text().strip() == EXPECTED["valid"][0]["my_number"]
    box = cell.bounding_box()
    assert box is not None
    masked = driver.screenshot(tmp_path / "masked.png", MAP.secret_targets())
    plain = driver.screenshot(tmp_path / "plain.png", [])
    inside = (int(box["x"] + 3), int(box["y"] + 3), int(box["x"] + box["width"] - 3),
              int(box["y"] + box["height"] - 3))
    with Image.open(masked) as image:
        colours = image.convert("RGB").crop(inside).getcolors(maxcolors=1_000_000)
    assert colours is not None and {c for _, c in colours} == {(0, 0, 0)}
    with Image.open(plain) as image:
        colours = image.convert("RGB").crop(inside).getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 1, "unmasked, the digits show"


def test_fallback_alternative_is_used_and_reported(registry: Any, driver: WebDriver) -> None:
    """When the first alternative matches nothing, the next one is used and named."""
    app = registry()
    driver.goto(f"{app.url}/login", 10_000)
    target = Target("login.user", (Alternative("css", "input#no-such-id"),
                                   Alternative("beside", "利用者ID")),
                    MAP.get("login.user").location)
    matched = driver.fill(target, "clerk", 3_000)
    assert matched == "beside='利用者ID'"
    assert driver.page.locator('input[name="f1"]').input_value() == "clerk"


def test_missing_target_names_every_alternative(registry: Any, driver: WebDriver) -> None:
    """A target that never appears fails after its timeout, naming what was tried."""
    app = registry()
    driver.goto(f"{app.url}/login", 10_000)
    target = Target("x.y", (Alternative("css", "#nope"), Alternative("text", "ありません")),
                    MAP.get("login.user").location)
    with pytest.raises(TargetNotFound, match=r"x\.y not found \(tried css='#nope'; text="):
        driver.click(target, 300)


@pytest.mark.timeout(40)
def test_interrupt_ends_a_wait_at_once(registry: Any, driver: WebDriver) -> None:
    """A logged-out page interrupts a long wait for the form with SessionExpired at once."""
    app = registry(session_requests=4)
    _login(driver, app.url)
    for _ in range(4):  # use the session up; the last page is the "expired" login page
        driver.goto(f"{app.url}/menu", 10_000)
    assert driver.is_visible(MAP.get("login.expired"))
    driver.set_interrupts([(MAP.get("login.expired"), SessionExpired)])
    with pytest.raises(SessionExpired, match=r"login\.expired"):
        driver.wait_any([MAP.get("form.name")], 120_000)


def test_secret_value_is_masked_wherever_it_shows(registry: Any, driver: WebDriver,
                                                  tmp_path: Path) -> None:
    """A My Number typed into a field the map does not mark secret is still blacked out."""
    app = registry()
    _login(driver, app.url)
    driver.goto(f"{app.url}/entry", 10_000)
    secret = EXPECTED["valid"][1]["my_number"]
    driver.fill(MAP.get("form.remarks"), f"番号 {secret} を確認", 5_000)
    field = driver.page.frame_locator('iframe[name="main"]').locator('textarea[name="txa01"]')
    box = field.bounding_box()
    assert box is not None
    shot = driver.screenshot(tmp_path / "s.png", [], [secret])
    inside = (int(box["x"] + 3), int(box["y"] + 3), int(box["x"] + box["width"] - 3),
              int(box["y"] + box["height"] - 3))
    with Image.open(shot) as image:
        colours = image.convert("RGB").crop(inside).getcolors(maxcolors=1_000_000)
    assert colours is not None and {c for _, c in colours} == {(0, 0, 0)}


def _css(name: str, selector: str) -> Target:
    return Target(name, (Alternative("css", selector),), MAP.get("login.user").location)


def test_a_hidden_copy_of_a_control_does_not_hide_the_visible_one(driver: WebDriver) -> None:
    """Legacy pages keep hidden template copies: fill and read use the visible match."""
    driver.page.set_content('<input name="q" style="display:none" value="template">'
                            '<input name="q" value="">')
    target = _css("search.q", 'input[name="q"]')
    assert driver.fill(target, "R7-0001", 2_000) == "css='input[name=\"q\"]'"
    values = driver.page.eval_on_selector_all('input[name="q"]', "els => els.map(e => e.value)")
    assert values == ["template", "R7-0001"]
    assert driver.read_text(target, 2_000) == "R7-0001"


def test_the_driver_waits_the_number_it_is_given_not_the_targets(driver: WebDriver) -> None:
    """A target whose map says 20 s still gives up after the 300 ms the run layer resolved."""
    driver.page.set_content("<p>nothing here</p>")
    target = Target("x.slow", (Alternative("css", "#nope"),), MAP.get("login.user").location,
                    timeout_ms=20_000)
    started = time.monotonic()
    with pytest.raises(TargetNotFound):
        driver.click(target, 300)
    assert time.monotonic() - started < 5


def test_a_wait_sees_a_screen_that_appears_later_and_names_it(driver: WebDriver) -> None:
    """The browser's own wait picks up a target drawn after the wait began (no poll needed)."""
    driver.page.set_content('<div id="form">入力中</div><script>setTimeout(() => {'
                            'const p = document.createElement("p"); p.className = "done";'
                            'p.textContent = "登録が完了しました。"; document.body.append(p);'
                            '}, 600)</script>')
    shown = driver.wait_any([_css("x.error", "font.err"), _css("x.done", "p.done")], 10_000)
    assert shown.name == "x.done"


@pytest.mark.timeout(40)
def test_an_interrupt_drawn_during_a_wait_ends_it(driver: WebDriver) -> None:
    """A watch target that appears mid-wait, inside a frame, raises its error long before
    the wait's own timeout (which pytest's 40 s limit would hit first)."""
    driver.page.set_content('<iframe name="main" srcdoc="<p>入力</p>"></iframe><script>'
                            'setTimeout(() => { document.querySelector("iframe").srcdoc = '
                            '"<p>セッションの有効期限が切れました</p>"; }, 600)</script>')
    driver.set_interrupts([(MAP.get("login.expired"), SessionExpired)])
    form = Target("form.name", (Alternative("css", "input.never", frame='iframe[name="main"]'),),
                  MAP.get("login.user").location)
    with pytest.raises(SessionExpired, match=r"login\.expired"):
        driver.wait_any([form], 120_000)


@pytest.mark.timeout(60)
def test_a_server_that_stops_answering_ends_goto_within_its_timeout(registry: Any,
                                                                    driver: WebDriver) -> None:
    """From the frozen request on nothing answers: goto ends at its timeout as NoResponse."""
    app = registry(freeze_path="/menu", freeze_at=2, freeze_requests=0)
    _login(driver, app.url)  # the first /menu, after the login, still answers
    started = time.monotonic()
    with pytest.raises(NoResponse, match=r"no response from the application .*GET /menu"):
        driver.goto(f"{app.url}/menu", 2_000)
    assert time.monotonic() - started < 2.0 + 1.5
    started = time.monotonic()
    with pytest.raises(NoResponse):
        driver.goto(f"{app.url}/login", 1_000)  # stopped for good: any page now
    assert time.monotonic() - started < 1.0 + 1.5


@pytest.mark.timeout(60)
def test_a_save_that_never_answers_is_no_response_not_a_missing_target(
        registry: Any, driver: WebDriver) -> None:
    """The wait after a save whose POST hangs names the unanswered request, not the target."""
    app = registry(freeze_path="/entry/commit")
    _login(driver, app.url)
    driver.goto(f"{app.url}/entry", 10_000)
    _fill_case(driver, EXPECTED["valid"][0])
    driver.click(MAP.get("form.confirm"), 5_000)
    driver.wait_any([MAP.get("confirm.message")], 10_000)
    driver.click(MAP.get("confirm.register"), 3_000)
    started = time.monotonic()
    with pytest.raises(NoResponse, match=r"POST /entry/commit unanswered"):
        driver.wait_any([MAP.get("done.message"), MAP.get("form.error")], 3_000)
    assert time.monotonic() - started < 3.0 + 2.5
    assert app.dump() == []


def test_a_refused_connection_after_a_click_is_system_unavailable(registry: Any,
                                                                   driver: WebDriver) -> None:
    """A form posted to a server that is gone lands on Chromium's error page: unavailable."""
    app = registry()
    _login(driver, app.url)
    driver.goto(f"{app.url}/entry", 10_000)
    _fill_case(driver, EXPECTED["valid"][0])
    app.stop()
    driver.click(MAP.get("form.confirm"), 5_000)
    with pytest.raises(SystemUnavailable, match=r"cannot be reached .*net::ERR_CONNECTION_"):
        driver.wait_any([MAP.get("confirm.message")], 10_000)
    with pytest.raises(SystemUnavailable, match=r"net::ERR_CONNECTION_REFUSED"):
        driver.goto(f"{app.url}/menu", 5_000)


@pytest.mark.timeout(60)
def test_a_page_busy_in_its_own_script_ends_a_look_and_stays_usable(driver: WebDriver) -> None:
    """is_visible() on a page stuck in a script loop ends as NoResponse; the page recovers."""
    driver.page.set_content('<p id="a">入力</p>')
    driver.page.evaluate("setTimeout(() => { while (true) {} }, 50)")
    time.sleep(0.3)
    target = _css("x.a", "#a")
    started = time.monotonic()
    with pytest.raises(NoResponse, match=r"page stayed busy"):
        driver.is_visible(target)
    assert time.monotonic() - started < 10
    assert driver.is_visible(target), "the stuck script was stopped; the page answers again"
