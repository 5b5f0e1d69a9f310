"""Selector maps: alternatives, frames, options, secrets, and located errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import DEMO_SELECTORS, SHIPPED_SELECTORS, dedent

from robot_core.errors import BotScriptError
from robot_core.selectors import Alternative, SelectorMap, load_selector_map

MAP = dedent("""\
    app: demo
    driver: web
    screens:
      form:
        frame: 'iframe[name="main"]'
        targets:
          name: [{beside: 氏名}, {css: 'input[name="txt02"]'}, {xpath: '//input[2]'}]
          bare: 'input.bare'
          top: [{css: '#a'}, {css: '#b', frame: 'iframe[name="side"]'}]
          own: {frame: 'iframe#own', any: [{css: '#c'}, {text: 保存, frame: 'iframe#alt'}]}
          pin: {secret: true, timeout_ms: 250, any: [{css: '#pin'}]}
          sex:
            options:
              男: [{css: '#m'}]
              女: '#f'
          link: [{role: link, name: 登録, exact: false}]
      login:
        targets:
          user: '#user'
    """)


def _load(tmp_path: Path, text: str) -> SelectorMap:
    path = tmp_path / "selectors" / "demo.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_selector_map(path)


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(BotScriptError) as caught:
        _load(tmp_path, text)
    return str(caught.value).replace(str(tmp_path / "selectors" / "demo.yaml"), "{sel}")


def test_targets_named_screen_dot_target(tmp_path: Path) -> None:
    """Targets are addressed ``screen.target`` across every screen, with the map's app/driver."""
    sel = _load(tmp_path, MAP)
    assert sel.app == "demo"
    assert sel.driver == "web"
    assert set(sel.targets) == {"form.name", "form.bare", "form.top", "form.own", "form.pin",
                                "form.sex", "form.link", "login.user"}
    with pytest.raises(KeyError):
        sel.get("form.nope")


def test_alternatives_keep_their_order(tmp_path: Path) -> None:
    """Alternatives are kept in the order written, each with its strategy and value."""
    name = _load(tmp_path, MAP).get("form.name")
    assert [(a.strategy, a.value) for a in name.alternatives] == [
        ("beside", "氏名"), ("css", 'input[name="txt02"]'), ("xpath", "//input[2]")]


def test_bare_string_is_css(tmp_path: Path) -> None:
    """A target written as a bare string is one CSS alternative."""
    bare = _load(tmp_path, MAP).get("form.bare")
    assert [(a.strategy, a.value) for a in bare.alternatives] == [("css", "input.bare")]


def test_screen_frame_inherited_and_overridden(tmp_path: Path) -> None:
    """The screen's frame applies to each alternative unless the alternative names its own."""
    top = _load(tmp_path, MAP).get("form.top")
    assert [a.frame for a in top.alternatives] == ['iframe[name="main"]', 'iframe[name="side"]']


def test_target_frame_overrides_screen_frame(tmp_path: Path) -> None:
    """A target-level frame replaces the screen's; an alternative's frame still wins."""
    own = _load(tmp_path, MAP).get("form.own")
    assert [a.frame for a in own.alternatives] == ["iframe#own", "iframe#alt"]


def test_a_screens_response_timeout_is_on_each_of_its_targets(tmp_path: Path) -> None:
    """``response_timeout_ms`` of a screen (its slow answers' bound) is carried by each of
    its targets and their options; a target of another screen has none."""
    text = MAP.replace("  form:\n", "  form:\n    response_timeout_ms: 6000\n", 1)
    assert text != MAP
    sel = _load(tmp_path, text)
    assert sel.get("form.name").response_timeout_ms == 6000
    assert {o.response_timeout_ms for o in sel.get("form.sex").options.values()} == {6000}
    assert sel.get("login.user").response_timeout_ms is None
    bad = MAP.replace("  form:\n", "  form:\n    response_timeout_ms: soon\n", 1)
    assert "response_timeout_ms must be a positive whole number" in _error(tmp_path, bad)


def test_screen_without_frame_has_none(tmp_path: Path) -> None:
    """Targets of a screen with no frame are looked up in the page itself."""
    user = _load(tmp_path, MAP).get("login.user")
    assert [a.frame for a in user.alternatives] == [None]


def test_options_are_targets_with_inherited_frame(tmp_path: Path) -> None:
    """``options:`` maps each value to its own alternatives (bare strings too), frame inherited."""
    sex = _load(tmp_path, MAP).get("form.sex")
    assert list(sex.options) == ["男", "女"]
    assert sex.alternatives == ()
    male = sex.option("男")
    assert male.name == "form.sex[男]"
    assert male.alternatives == (Alternative("css", "#m", 'iframe[name="main"]'),)
    assert sex.option("女").alternatives[0].value == "#f"


def test_unknown_option_is_an_error(tmp_path: Path) -> None:
    """Asking for an option the target lacks names the known options."""
    sex = _load(tmp_path, MAP).get("form.sex")
    with pytest.raises(BotScriptError, match=r"form\.sex has no option '男性' \(options: 男, 女\)"):
        sex.option("男性")


def test_secret_flag_and_timeout(tmp_path: Path) -> None:
    """``secret: true`` and ``timeout_ms`` are kept; other targets are not secret."""
    sel = _load(tmp_path, MAP)
    pin = sel.get("form.pin")
    assert pin.secret is True
    assert pin.timeout_ms == 250
    assert sel.get("form.name").secret is False
    assert [t.name for t in sel.secret_targets()] == ["form.pin"]


def test_modifiers_kept(tmp_path: Path) -> None:
    """``name`` and ``exact`` modifiers are kept on the alternative."""
    (link,) = _load(tmp_path, MAP).get("form.link").alternatives
    assert (link.strategy, link.value, link.name, link.exact) == ("role", "link", "登録", False)
    assert link.describe() == "role='link' name='登録' in iframe[name=\"main\"]"


def test_target_location_points_at_its_key(tmp_path: Path) -> None:
    """A target remembers the line and column of its key."""
    pin = _load(tmp_path, MAP).get("form.pin")
    assert (pin.location.line, pin.location.column) == (11, 7)


def test_shipped_map_loads() -> None:
    """The shipped registry_web map loads with its secret targets and the sex options."""
    sel = load_selector_map(SHIPPED_SELECTORS / "registry_web.yaml")
    assert sel.app == "registry_web"
    assert {t.name for t in sel.secret_targets()} == {
        "login.password", "form.my_number", "confirm.my_number"}
    assert set(sel.get("form.sex").options) == {"男", "女"}
    assert sel.get("form.name").alternatives[0] == Alternative("beside", "氏名",
                                                               'iframe[name="main"]')


def test_desktop_bare_string_is_image(tmp_path: Path) -> None:
    """In a desktop map a bare string is an image template, and css is not a strategy."""
    sel = _load(tmp_path, dedent("""\
        app: demo
        driver: desktop
        launch: {window: 台帳管理システム}
        screens:
          main:
            targets:
              ok: ok.png
        """))
    assert sel.get("main.ok").alternatives[0].strategy == "image"
    error = _error(tmp_path, dedent("""\
        app: demo
        driver: desktop
        launch: {window: 台帳管理システム}
        screens:
          main:
            targets:
              ok: {any: [{css: '#ok'}]}
        """))
    assert error == ("{sel}:7:19: screens.main.targets.ok.any[0].css: an alternative needs "
                     "exactly one strategy of: image, keys, point, title")


ERRORS: list[tuple[str, str, str]] = [
    ("unknown_strategy",
     DEMO_SELECTORS.replace("save: '#save'", "save: [{csss: '#save'}]"),
     "{sel}:14:15: screens.form.targets.save[0].csss: an alternative needs exactly one strategy "
     "of: css, xpath, text, role, label, beside, alt, placeholder"),
    ("two_strategies",
     DEMO_SELECTORS.replace("save: '#save'", "save: [{css: '#save', xpath: '//b'}]"),
     "{sel}:14:14: screens.form.targets.save[0]: an alternative needs exactly one strategy "
     "of: css, xpath, text, role, label, beside, alt, placeholder"),
    ("empty_value",
     DEMO_SELECTORS.replace("save: '#save'", "save: [{css: ''}]"),
     "{sel}:14:15: screens.form.targets.save[0].css: css needs a non-empty value"),
    ("null_value",
     DEMO_SELECTORS.replace("save: '#save'", "save: {any: [{text: }]}"),
     "{sel}:14:21: screens.form.targets.save.any[0].text: text needs a non-empty value"),
    ("no_alternatives",
     DEMO_SELECTORS.replace("save: '#save'", "save: []"),
     "{sel}:14:7: screens.form.targets.save: a target needs at least one alternative"),
    ("target_without_any_or_options",
     DEMO_SELECTORS.replace("save: '#save'", "save: {secret: true}"),
     "{sel}:14:7: screens.form.targets.save: a target needs `any:` alternatives or `options:`"),
    ("unknown_target_key",
     DEMO_SELECTORS.replace("save: '#save'", "save: {any: ['#s'], secrte: true}"),
     "{sel}:14:27: screens.form.targets.save.secrte: unknown key (expected any, frame, "
     "options, secret, timeout_ms)"),
    ("bad_timeout",
     DEMO_SELECTORS.replace("save: '#save'", "save: {any: ['#s'], timeout_ms: -5}"),
     "{sel}:14:27: screens.form.targets.save.timeout_ms: timeout_ms must be a positive whole "
     "number"),
    ("alternative_not_a_mapping",
     DEMO_SELECTORS.replace("save: '#save'", "save: [[a]]"),
     "{sel}:14:14: screens.form.targets.save[0]: an alternative is a mapping like {css: '...'}"),
    ("screen_missing_targets",
     DEMO_SELECTORS.replace("  search:\n    targets:\n      hit: 'td.hit'\n",
                            "  search:\n    frame: x\n"),
     "{sel}:16:3: screens.search: a screen needs `targets:` (and may set `frame:`)"),
    ("unknown_screen_key",
     DEMO_SELECTORS.replace("  search:\n    targets:", "  search:\n    titel: x\n    targets:"),
     "{sel}:17:5: screens.search.titel: unknown key (expected targets, frame, "
     "response_timeout_ms)"),
    ("missing_screens",
     "app: demo\ndriver: web\n",
     "{sel}:1:1: screens: screens must be a mapping of screen name to targets"),
    ("bad_driver",
     DEMO_SELECTORS.replace("driver: web", "driver: mobile"),
     "{sel}:2:1: driver: driver must be web, desktop or terminal, not 'mobile'"),
    ("unknown_top_key",
     DEMO_SELECTORS.replace("driver: web", "driver: web\nscreen: {}"),
     "{sel}:3:1: screen: unknown key (expected app, driver, screens, launch)"),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in ERRORS])
def test_broken_map_reports_exact_location(tmp_path: Path, text: str, expected: str) -> None:
    """A broken selector map raises BotScriptError ``file:line:col: key: message``."""
    assert _error(tmp_path, text) == expected


# Malformed maps that must still fail as a located BotScriptError (any wording).
MALFORMED: list[tuple[str, str, str]] = [
    ("empty_targets",
     DEMO_SELECTORS.replace("  search:\n    targets:\n      hit: 'td.hit'\n",
                            "  search:\n    targets:\n"),
     "{sel}:17:5: screens.search.targets: "),
    ("targets_is_a_list",
     DEMO_SELECTORS.replace("      hit: 'td.hit'\n", "      - 'td.hit'\n"),
     "{sel}:17:5: screens.search.targets: "),
    ("options_is_a_list",
     DEMO_SELECTORS.replace("      hit: 'td.hit'\n", "      hit: {options: ['#a']}\n"),
     "{sel}:18:13: screens.search.targets.hit.options: "),
    ("confidence_not_a_number",
     DEMO_SELECTORS.replace("save: '#save'", "save: [{css: '#s', confidence: high}]"),
     "{sel}:14:26: screens.form.targets.save[0].confidence: "),
]


@pytest.mark.parametrize(("text", "prefix"), [pytest.param(t, e, id=i) for i, t, e in MALFORMED])
def test_malformed_map_is_a_located_error(tmp_path: Path, text: str, prefix: str) -> None:
    """A map with the wrong shape is a BotScriptError at the offending key, never a crash."""
    assert _error(tmp_path, text).startswith(prefix)
