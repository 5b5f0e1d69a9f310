"""Robot's Chromium launch settings: per-app blocking of images, and what it keeps working."""

from __future__ import annotations

import os
from typing import Any

import psutil
import pytest

from robot_core.drivers.web import WebDriver
from robot_core.selectors import load_selector_map
from tests.conftest import ROOT
from tests.integration.desktop_env import xvfb

pytestmark = pytest.mark.browser
MAP = load_selector_map(ROOT / "selectors" / "registry_web.yaml")
IMAGE_WIDTH = "() => document.querySelector('iframe[name=main]').contentDocument" \
              ".querySelector('img[alt=\"確認\"]').naturalWidth"


def _entry_form(driver: WebDriver, url: str) -> int:
    """Log in (the image button, by its alt), open the form; the 確認 image's loaded width."""
    driver.goto(f"{url}/login", 10_000)
    driver.fill(MAP.get("login.user"), "clerk", 5_000)
    driver.fill(MAP.get("login.password"), "clerk-pass", 5_000)
    driver.click(MAP.get("login.submit"), 5_000)
    driver.wait_any([MAP.get("menu.entry")], 10_000)
    driver.goto(f"{url}/entry", 10_000)
    driver.wait_any([MAP.get("form.confirm")], 5_000)
    return int(driver.page.evaluate(IMAGE_WIDTH))


def test_blocked_images_are_not_loaded_yet_image_buttons_work(registry: Any) -> None:
    """``block: [images]`` leaves every image unloaded, and image links still log in and show;
    ``block: []`` loads them (for screenshots that must show them)."""
    app = registry()
    assert MAP.section.block == ("images", "fonts", "media")
    widths = []
    for block in (MAP.section.block, ()):
        driver = WebDriver(block=block)
        driver.start()
        try:
            widths.append(_entry_form(driver, app.url))
        finally:
            driver.stop()
    assert widths[0] == 0 and widths[1] > 0


def test_the_browser_tree_is_lean() -> None:
    """No zygote and no GPU process under robot's Chromium, and Playwright's Node driver runs
    with the small young generation (while this process's own environment is untouched)."""
    driver = WebDriver()
    driver.start()
    try:
        tree = psutil.Process().children(recursive=True)
        types = {a for p in tree for a in p.cmdline() if a.startswith("--type=")}
        node = next(p for p in tree if "node" in p.name())
        assert "--type=renderer" in types
        assert not types & {"--type=zygote", "--type=gpu-process"}
        assert "--max-semi-space-size=2" in node.environ().get("NODE_OPTIONS", "")
        assert "max-semi-space" not in os.environ.get("NODE_OPTIONS", "")
    finally:
        driver.stop()


def _browsers() -> list[str]:
    """The executables of the Chromium browser processes (not their children) under this one."""
    return [os.path.basename(p.exe()) for p in psutil.Process().children(recursive=True)
            if "chrom" in p.name() and not any(a.startswith("--type=") for a in p.cmdline())]


def test_headless_runs_in_the_headless_shell_and_still_enters_a_case(registry: Any) -> None:
    """Without ROBOT_CHROMIUM, a headless driver's browser is Debian's chromium-headless-shell
    (no browser UI, one process: no shell script around it), and it logs in and opens the
    form with images blocked."""
    assert "ROBOT_CHROMIUM" not in os.environ  # the suite runs the product's own default
    app = registry()
    driver = WebDriver(block=MAP.section.block)
    driver.start()
    try:
        assert _browsers() == ["chromium-headless-shell"]
        assert _entry_form(driver, app.url) == 0
    finally:
        driver.stop()


def test_headed_runs_the_browser_on_the_display(registry: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """--headed (which the shell cannot do) launches Debian's full browser on the display,
    and it logs in and opens the form there."""
    app = registry()
    with xvfb() as display:
        monkeypatch.setenv("DISPLAY", display)
        driver = WebDriver(headed=True, block=MAP.section.block)
        driver.start()
        try:
            assert "chromium-headless-shell" not in _browsers()
            assert "chromium" in _browsers()
            assert _entry_form(driver, app.url) == 0
        finally:
            driver.stop()
