"""Which alternatives the page itself can look for (drivers/web_look.py), and which need
Playwright's own resolution."""

from __future__ import annotations

from robot_core.drivers.web_look import look_arg, spec
from robot_core.selectors import Alternative


def test_page_evaluable_strategies_get_a_spec_and_the_others_none() -> None:
    """css, xpath, alt, text, the label/beside engines and a named button or link are looked
    for in the page; other roles, a role without a name, placeholder, an exact label and
    Playwright's css extensions are not."""
    assert spec(Alternative("css", "#a", frame="iframe")) == {"css": "#a", "frame": "iframe"}
    assert spec(Alternative("text", "完了", exact=False))["exact"] is False  # type: ignore[index]
    assert spec(Alternative("beside", "氏名")) == {"beside": '"氏名"', "frame": None}
    assert "xpath" in (spec(Alternative("beside", "氏名", exact=True)) or {})
    assert "img[alt=\"確認\"]" in (spec(Alternative("alt", "確認")) or {})["css"]
    assert spec(Alternative("role", "button", name="次へ", exact=False)) == {
        "role": "button", "name": "次へ", "exact": False, "frame": None}
    assert spec(Alternative("role", "link", name="確認"))["exact"] is True  # type: ignore[index]
    for alt in (Alternative("role", "textbox", name="氏名"), Alternative("role", "button"),
                Alternative("placeholder", "氏名"),
                Alternative("label", "氏名", exact=True), Alternative("css", "div >> span")):
        assert spec(alt) is None


def test_a_target_whose_first_alternative_needs_playwright_is_not_looked_for() -> None:
    """The look is skipped (None) when a target's first alternative has no spec; a later
    one without a spec is carried as None (the page then says it cannot tell)."""
    role, css = Alternative("role", "textbox", name="x"), Alternative("css", "#x")
    assert look_arg([[role, css]], [], None, 500) is None
    arg = look_arg([[css, role]], [role], {"fill": "v"}, 500)
    assert arg is not None and arg["groups"] == [[spec(css), None]]
    assert arg["interrupts"] == [None] and arg["op"] == {"fill": "v"}
