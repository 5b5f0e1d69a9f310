"""Clicks the one look vouches for, sent as a mouse click at the element's centre
(drivers/web_point.py): on the right element or on nothing, else Playwright's own click."""

from __future__ import annotations

import time
from typing import Any

import pytest

from robot_core.drivers.web import WebDriver
from robot_core.errors import NoResponse, SystemUnavailable
from robot_core.selectors import Alternative, Target, load_selector_map
from tests.conftest import EXPECTED, ROOT
from tests.integration.test_web_driver import _fill_case, _login

pytestmark = pytest.mark.browser
MAP = load_selector_map(ROOT / "selectors" / "registry_web.yaml")
#: Every trusted click the page receives, as "id of the element (or of the nearest one above
#: it with an id):event type".
RECORD = ("<script>window.got = []; for (const t of ['mousedown', 'click']) "
          "document.addEventListener(t, e => e.isTrusted && window.got.push("
          "(e.target.closest('[id]') || e.target).id + ':' + t), true);</script>")


def _points(driver: WebDriver) -> list[dict[str, float]]:
    """Record every point the driver clicks at with the mouse (the real click still runs)."""
    points: list[dict[str, float]] = []
    pointer = driver.pointer
    real = pointer.click

    def recorded(point: dict[str, float], timeout_ms: int) -> bool:
        points.append(point)
        return real(point, timeout_ms)

    pointer.click = recorded  # type: ignore[method-assign]
    return points


def _button(selector: str, frame: str | None = None) -> Target:
    return Target("x.button", (Alternative("css", selector, frame=frame),),
                  MAP.get("login.user").location)


def test_the_registrys_clicks_are_mouse_clicks_and_the_record_lands(registry: Any,
                                                                    driver: WebDriver) -> None:
    """Login, confirm and register on the fixture are each one mouse click at a point, with
    no Playwright click, and the case is in the registry's database once."""
    app = registry()
    points = _points(driver)
    _login(driver, app.url)
    driver.goto(f"{app.url}/entry", 10_000)
    case = EXPECTED["valid"][0]
    _fill_case(driver, case)
    driver.click(MAP.get("form.confirm"), 5_000)
    driver.wait_any([MAP.get("confirm.message")], 10_000)
    driver.click(MAP.get("confirm.register"), 5_000)
    driver.wait_any([MAP.get("done.message")], 10_000)
    assert len(points) == 3
    assert [r["case_id"] for r in app.dump()] == [case["case_id"]]


def test_a_covered_button_waits_for_the_cover_to_go_and_is_clicked_once(
        driver: WebDriver) -> None:
    """A button under an overlay gets no point; Playwright's click waits until the overlay
    goes and clicks the button, never the overlay."""
    driver.page.set_content(
        RECORD + '<button id="save">保存</button><div id="cover" style="position:fixed;'
        'inset:0;background:rgba(0,0,0,.2)"></div><script>setTimeout(() => '
        'document.getElementById("cover").remove(), 600)</script>')
    points = _points(driver)
    driver.click(_button("#save"), 5_000)
    assert points == []
    assert driver.page.evaluate("window.got") == ["save:mousedown", "save:click"]


def test_a_cover_drawn_as_the_mouse_arrives_stops_the_click_which_is_sent_once(
        driver: WebDriver) -> None:
    """An overlay drawn when the mouse moves onto the button (after the look vouched for the
    point): the guard stops the press there, and Playwright's click, once the overlay has
    gone, is the only click; the overlay receives none."""
    driver.page.set_content(
        RECORD + '<button id="save" style="margin:40px">保存</button><script>'
        'document.getElementById("save").addEventListener("mousemove", () => {'
        'if (document.getElementById("cover") || window.covered) return; window.covered = 1;'
        'const c = document.createElement("div"); c.id = "cover";'
        'c.style = "position:fixed;inset:0"; document.body.append(c);'
        'setTimeout(() => c.remove(), 400); }, {once: true});</script>')
    points = _points(driver)
    driver.click(_button("#save"), 5_000)
    assert len(points) == 1, "the mouse click was tried"
    assert driver.page.evaluate("window.covered") == 1
    assert driver.page.evaluate("window.got") == ["save:mousedown", "save:click"]


def test_a_disabled_button_is_clicked_once_it_is_enabled(driver: WebDriver) -> None:
    """A disabled button gets no point: Playwright's click waits until it is enabled."""
    driver.page.set_content(
        RECORD + '<button id="save" disabled>保存</button><script>setTimeout(() => '
        'document.getElementById("save").disabled = false, 600)</script>')
    points = _points(driver)
    driver.click(_button("#save"), 5_000)
    assert points == []
    assert driver.page.evaluate("window.got") == ["save:mousedown", "save:click"]


def test_a_button_in_a_frame_is_clicked_at_its_place_on_the_top_page(driver: WebDriver) -> None:
    """A button inside a bordered, padded frame further down a long page: scrolled into view
    and clicked with the mouse at its centre, in the frame, once."""
    frame_page = (RECORD + '<div style="height:700px"></div>'
                  '<button id="save" style="margin-left:300px">保存</button>').replace('"', "&quot;")
    driver.page.set_content(
        '<div style="height:1500px"></div><iframe name="main" style="border:7px solid;'
        f'padding:11px;margin-left:50px;width:600px;height:400px" srcdoc="{frame_page}"></iframe>')
    driver.page.wait_for_function("document.querySelector('iframe').contentWindow.got")
    points = _points(driver)
    driver.click(_button("#save", frame='iframe[name="main"]'), 5_000)
    assert len(points) == 1
    got = driver.page.evaluate("document.querySelector('iframe').contentWindow.got")
    assert got == ["save:mousedown", "save:click"]
    assert driver.page.evaluate("scrollY") > 0


def test_a_button_below_the_fold_is_scrolled_to_and_clicked(driver: WebDriver) -> None:
    """A button under 3000 px of page is scrolled into view and clicked with the mouse."""
    driver.page.set_content(RECORD + '<div style="height:3000px"></div>'
                            '<button id="save">保存</button>')
    points = _points(driver)
    driver.click(_button("#save"), 5_000)
    assert len(points) == 1 and 0 < points[0]["y"] < 900
    assert driver.page.evaluate("window.got") == ["save:mousedown", "save:click"]


@pytest.mark.timeout(60)
def test_a_mouse_clicked_submit_whose_post_hangs_is_no_response(registry: Any) -> None:
    """A login form's submit clicked with the mouse waits for the navigation it started, as
    Playwright's click does: a POST that hangs past the application's bound is NoResponse
    from the click itself."""
    app = registry(freeze_path="/login", freeze_at=2)
    driver = WebDriver(response_timeout_ms=1_000)
    driver.start()
    try:
        points = _points(driver)
        driver.goto(f"{app.url}/login", 10_000)
        driver.fill(MAP.get("login.user"), "clerk", 5_000)
        driver.fill(MAP.get("login.password"), "clerk-pass", 5_000)
        started = time.monotonic()
        with pytest.raises(NoResponse, match=r"login\.submit; POST /login unanswered"):
            driver.click(MAP.get("login.submit"), 8_000)
        assert time.monotonic() - started < 1.0 + 2.5
        assert len(points) == 1
    finally:
        driver.stop()


def _presses(driver: WebDriver) -> list[str]:
    """Record every key the driver sends to the element the look focused (still sent)."""
    keys: list[str] = []
    pointer = driver.pointer
    real = pointer.press

    def recorded(key: str, timeout_ms: int) -> None:
        keys.append(key)
        real(key, timeout_ms)

    pointer.press = recorded  # type: ignore[method-assign]
    return keys


def test_enter_in_the_password_field_logs_in_through_the_keyboard(registry: Any,
                                                                   driver: WebDriver) -> None:
    """Enter pressed on the login form's password field, focused by the look, submits the
    form: the menu shows, and the key went straight to the keyboard."""
    app = registry()
    keys = _presses(driver)
    driver.goto(f"{app.url}/login", 10_000)
    driver.fill(MAP.get("login.user"), "clerk", 5_000)
    driver.fill(MAP.get("login.password"), "clerk-pass", 5_000)
    driver.press(MAP.get("login.password"), "Enter", 5_000)
    assert driver.wait_any([MAP.get("menu.entry")], 10_000).name == "menu.entry"
    assert keys == ["Enter"]


def test_a_key_pressed_on_a_field_in_a_frame_reaches_it_with_the_caret_at_the_start(
        driver: WebDriver) -> None:
    """As with Playwright's press, a field not focused before gets its caret at the start:
    Delete takes the first letter of the framed field, not of the focused top one."""
    driver.page.set_content('<input id="top" value="xyz"><iframe name="main" srcdoc="'
                            '<input id=&quot;f&quot; value=&quot;abc&quot;>"></iframe>')
    driver.page.focus("#top")
    keys = _presses(driver)
    driver.press(_button("#f", frame='iframe[name="main"]'), "Delete", 5_000)
    assert keys == ["Delete"]
    assert driver.page.evaluate("document.querySelector('iframe').contentDocument"
                                ".getElementById('f').value") == "bc"
    assert driver.page.evaluate("document.getElementById('top').value") == "xyz"


def _role(role: str, name: str, exact: bool = True) -> Target:
    return Target("x.role", (Alternative("role", role, name=name, exact=exact),),
                  MAP.get("login.user").location)


ROLE_PAGES = [  # (page, role, name, exact, the look answers it itself)
    ('<button id="a" style="display:none">次へ</button><button id="b">次へ</button>',
     "button", "次へ", True, True),
    ('<button id="a" aria-hidden="true">次へ</button><button id="b"> 次へ\n</button>',
     "button", "次へ", True, True),
    ('<button id="a">戻る</button><button id="b" aria-label="次へ">→</button>',
     "button", "次へ", True, True),
    ('<input type="submit" id="a" value="次 へ"><input type="submit" id="b" value="次へ">',
     "button", "次へ", True, True),
    ('<input type="reset" id="a"><input type="submit" id="b">', "button", "submit", False, True),
    ('<button id="a">次へ進む</button>', "button", "次へ", False, True),
    ('<a id="a">次へ</a><a id="b" href="#next">次へ</a>', "link", "次へ", True, True),
    ('<a id="a" href="#m"><font color="red">メニュー</font></a><a id="b" href="#n"><b>次</b>'
     '<font>へ</font></a>', "link", "次へ", True, True),
    ('<a id="a" href="#m"><img alt="次へ"></a><a id="b" href="#n">次へ</a>',
     "link", "次へ", True, False),
    ('<a id="a" href="#m" style="display:none"><img alt="次へ"></a><a id="b" href="#n">次へ'
     '</a>', "link", "次へ", True, True),
    ('<a id="a" href="#m">次へ<span style="display:none">x</span></a>',
     "link", "次へ", False, False),
    ('<div role="button" id="a">次へ</div><button id="b">次へ</button>',
     "button", "次へ", True, False),
    ('<button id="a"><span>次</span>へ</button>', "button", "次へ", True, True),
    ('<button id="a"><span title="t">次</span>へ</button>', "button", "次へ", True, False),
    ('<span id="n">次へ</span><button id="a" aria-labelledby="n">x</button>',
     "button", "次へ", True, False),
]


@pytest.mark.parametrize(("page", "role", "name", "exact", "looked"), ROLE_PAGES)
def test_a_button_by_role_is_the_element_playwright_picks(
        driver: WebDriver, page: str, role: str, name: str, exact: bool, looked: bool) -> None:
    """A role-and-name target is clicked on the very element Playwright's role engine picks:
    by the look and the mouse where the ARIA rules are plain, by Playwright where not."""
    driver.page.set_content(RECORD + page)
    picked = driver.page.get_by_role(role, name=name, exact=exact).filter(  # type: ignore[arg-type]
        visible=True).first.evaluate("e => e.id")
    points = _points(driver)
    driver.click(_role(role, name, exact), 5_000)
    assert driver.page.evaluate("window.got") == [f"{picked}:mousedown", f"{picked}:click"]
    assert len(points) == (1 if looked else 0)


@pytest.mark.timeout(60)
def test_a_click_whose_handler_never_ends_is_no_response_and_the_page_recovers(
        driver: WebDriver) -> None:
    """A button whose click handler loops for ever holds the mouse click: it ends at the
    step's bound as NoResponse (the page stayed busy), and the page answers again."""
    driver.page.set_content(RECORD + '<button id="save" onclick="while (true) {}">保存</button>')
    points = _points(driver)
    started = time.monotonic()
    with pytest.raises(NoResponse, match=r"page stayed busy"):
        driver.click(_button("#save"), 2_000)
    assert time.monotonic() - started < 2.0 + 5
    assert len(points) == 1
    assert driver.page.evaluate("window.got") == ["save:mousedown", "save:click"]


@pytest.mark.timeout(60)
def test_a_503_after_a_mouse_clicked_link_ends_the_next_wait(registry: Any,
                                                             driver: WebDriver) -> None:
    """The menu link (by role and name) clicked with the mouse lands on the 503 page of a
    system that went down: the wait for the form ends at once with its watch target."""
    app = registry(down_after_logins=1)
    driver.set_interrupts([(MAP.get("page.unavailable"), SystemUnavailable)])
    points = _points(driver)
    _login(driver, app.url)
    driver.click(MAP.get("menu.entry"), 5_000)
    started = time.monotonic()
    with pytest.raises(SystemUnavailable, match=r"page\.unavailable is on screen"):
        driver.wait_any([MAP.get("form.name")], 20_000)
    assert time.monotonic() - started < 5
    assert len(points) == 2, "the login button and the menu link were mouse clicks"
