"""The ``app:`` section of a selector map: a name, or a mapping with limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot_core.errors import BotScriptError
from robot_core.selectors import load_selector_map

SCREENS = "screens:\n  menu:\n    targets:\n      home: '#menu'\n"


def _map(tmp_path: Path, app: str) -> Path:
    path = tmp_path / "selectors" / "web_app.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{app}\ndriver: web\n{SCREENS}", encoding="utf-8")
    return path


def test_a_mapping_gives_the_name_and_the_limits(tmp_path: Path) -> None:
    """``app: {name, max_sessions, response_timeout_ms}`` is read whole."""
    loaded = load_selector_map(_map(tmp_path, "app: {name: tax_web, max_sessions: 2, "
                                              "response_timeout_ms: 4000}"))
    assert loaded.app == "tax_web"
    assert (loaded.section.max_sessions, loaded.section.response_timeout_ms) == (2, 4000)


def test_a_plain_name_sets_no_limit(tmp_path: Path) -> None:
    """``app: NAME`` as before: no session limit, no response timeout."""
    loaded = load_selector_map(_map(tmp_path, "app: tax_web"))
    assert loaded.app == "tax_web" and loaded.section.max_sessions is None


@pytest.mark.parametrize(("app", "says"), [
    ("app: {max_sessions: 0}", "app.max_sessions: max_sessions must be a positive"),
    ("app: {max_sessions: true}", "max_sessions must be a positive whole number"),
    ("app: {sessions: 2}", "app.sessions: unknown key"),
    ("app: {block: [pictures]}", "app.block: block must be a list of images, fonts, media"),
    ("app: {block: images}", "block must be a list of"),
])
def test_a_wrong_section_names_its_key(tmp_path: Path, app: str, says: str) -> None:
    """A bad limit or an unknown key is one error naming ``app.KEY`` and its line."""
    with pytest.raises(BotScriptError) as caught:
        load_selector_map(_map(tmp_path, app))
    assert says in str(caught.value) and "web_app.yaml:1" in str(caught.value)


def test_block_defaults_to_fonts_and_media_and_can_keep_everything(tmp_path: Path) -> None:
    """No ``block``: fonts and media are not loaded; ``block: []`` loads everything."""
    assert load_selector_map(_map(tmp_path, "app: tax_web")).section.block == ("fonts", "media")
    kept = load_selector_map(_map(tmp_path, "app: {name: tax_web, block: []}"))
    assert kept.section.block == ()
    listed = load_selector_map(_map(tmp_path, "app: {block: [images, images, media]}"))
    assert listed.section.block == ("images", "media")
