"""robot's Chromium switches keep Playwright's own where Chromium honours only one of a kind."""

from __future__ import annotations

import re
from pathlib import Path

import playwright

from robot_core.drivers.web_chromium import (
    LEAN_DISABLED,
    PLAYWRIGHT_BLINK_HEADLESS,
    PLAYWRIGHT_DISABLED,
    launch_args,
)

BUNDLE = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"


def _playwright_disabled_features() -> list[str]:
    source = BUNDLE.read_text(encoding="utf-8")
    start = source.index("disabledFeatures = [")
    body = re.sub(r"//.*", "", source[start:source.index("]", start)])
    return re.findall(r'"([A-Za-z0-9]+)"', body)


def test_playwright_disabled_features_are_repeated() -> None:
    """The installed Playwright disables exactly the features (and sets the headless blink
    settings) that robot repeats in its own switches."""
    assert sorted(_playwright_disabled_features()) == sorted(PLAYWRIGHT_DISABLED)
    source = BUNDLE.read_text(encoding="utf-8")
    assert f'"--blink-settings={",".join(PLAYWRIGHT_BLINK_HEADLESS)}"' in source


def test_one_disable_features_switch_holds_both_lists() -> None:
    """launch_args has one --disable-features, with Playwright's features and robot's."""
    switches = [a for a in launch_args(["images"]) if a.startswith("--disable-features=")]
    assert len(switches) == 1
    features = switches[0].split("=", 1)[1].split(",")
    assert set(features) == {*PLAYWRIGHT_DISABLED, *LEAN_DISABLED}


def test_blink_settings_merge_headless_pointer_and_blocked_images() -> None:
    """Blocking images keeps Playwright's headless pointer settings in the one --blink-settings."""
    blink = [a for a in launch_args(["images", "fonts"]) if a.startswith("--blink-settings=")]
    assert blink == [f"--blink-settings={','.join(PLAYWRIGHT_BLINK_HEADLESS)},imagesEnabled=false"]
    headed = [a for a in launch_args(["images"], headless=False) if "blink" in a]
    assert headed == ["--blink-settings=imagesEnabled=false"]
    assert not [a for a in launch_args(["fonts"], headless=False) if "blink" in a]
    assert "--disable-remote-fonts" in launch_args(["fonts"])
