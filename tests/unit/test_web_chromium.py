"""robot's Chromium switches keep Playwright's own where Chromium honours only one of a kind."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import playwright
import pytest

from robot_core.cli import render
from robot_core.drivers import chromium_pick
from robot_core.drivers.chromium_pick import (
    DEBIAN_CHROMIUM,
    DEBIAN_HEADLESS_SHELL,
    chromium_path,
    full_browser_note,
)
from robot_core.drivers.web_chromium import (
    LEAN_DISABLED,
    LEAN_ENABLED,
    PLAYWRIGHT_BLINK_HEADLESS,
    PLAYWRIGHT_DISABLED,
    PLAYWRIGHT_ENABLED,
    launch_args,
)
from robot_core.evidence import report

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
    start = source.index("enabledFeatures = () => [")
    body = re.sub(r"//.*", "", source[start:source.index("]", start)])
    assert set(re.findall(r'"([A-Za-z0-9]+)"', body)) == set(PLAYWRIGHT_ENABLED)
    assert f'"--blink-settings={",".join(PLAYWRIGHT_BLINK_HEADLESS)}"' in source


def test_one_disable_features_switch_holds_both_lists() -> None:
    """launch_args has one --disable-features and one --enable-features, each with
    Playwright's features and robot's."""
    switches = [a for a in launch_args(["images"]) if a.startswith("--disable-features=")]
    assert len(switches) == 1
    features = switches[0].split("=", 1)[1].split(",")
    assert set(features) == {*PLAYWRIGHT_DISABLED, *LEAN_DISABLED}
    enabled = [a for a in launch_args() if a.startswith("--enable-features=")]
    assert enabled == [f"--enable-features={','.join((*PLAYWRIGHT_ENABLED, *LEAN_ENABLED))}"]


def test_blink_settings_merge_headless_pointer_and_blocked_images() -> None:
    """Blocking images keeps Playwright's headless pointer settings in the one --blink-settings."""
    blink = [a for a in launch_args(["images", "fonts"]) if a.startswith("--blink-settings=")]
    assert blink == [f"--blink-settings={','.join(PLAYWRIGHT_BLINK_HEADLESS)},imagesEnabled=false"]
    headed = [a for a in launch_args(["images"], headless=False) if "blink" in a]
    assert headed == ["--blink-settings=imagesEnabled=false"]
    assert not [a for a in launch_args(["fonts"], headless=False) if "blink" in a]
    assert "--disable-remote-fonts" in launch_args(["fonts"])


def test_headless_prefers_the_headless_shell_and_headed_the_browser(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With both Debian builds installed (make system), headless launches the shell and
    --headed the browser; ROBOT_CHROMIUM, when set, is launched either way."""
    monkeypatch.delenv("ROBOT_CHROMIUM", raising=False)
    assert Path(DEBIAN_HEADLESS_SHELL).exists() and Path(DEBIAN_CHROMIUM).exists()
    assert chromium_path() == DEBIAN_HEADLESS_SHELL
    assert chromium_path(headless=False) == DEBIAN_CHROMIUM
    monkeypatch.setenv("ROBOT_CHROMIUM", "/opt/chrome/chrome")
    assert chromium_path() == chromium_path(headless=False) == "/opt/chrome/chrome"


def test_report_name_told_by_the_console_is_the_reports() -> None:
    """The console names the report file the report module writes (kept apart for start-up)."""
    assert render.REPORT == report.REPORT


def test_openpyxl_is_not_offered_numpy_but_others_are() -> None:
    """openpyxl, imported fresh in a new interpreter, does not load numpy; numpy still imports."""
    code = ("import sys, robot_core, openpyxl; assert 'numpy' not in sys.modules; "
            "import numpy; print(numpy.__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "numpy"


def test_the_full_browser_run_headless_is_told_only_when_the_shell_is_missing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """With the headless shell installed nothing is said. Where it is not (its path made one
    that does not exist), headless pages fall back to the full browser and the note (and
    the commands' one console line) names the package to install; not when --headed (the
    browser is the choice) or ROBOT_CHROMIUM chose."""
    from robot_core.cli.app import warn_full_browser  # noqa: PLC0415 - the CLI's line

    monkeypatch.delenv("ROBOT_CHROMIUM", raising=False)
    assert full_browser_note() is None
    warn_full_browser("web")
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(chromium_pick, "DEBIAN_HEADLESS_SHELL", str(tmp_path / "no-shell"))
    assert chromium_path() == DEBIAN_CHROMIUM
    note = full_browser_note()
    assert note is not None and "apt-get install chromium-headless-shell" in note
    assert DEBIAN_CHROMIUM in note and "no-shell" in note
    warn_full_browser("web")
    assert "warning:" in (said := capsys.readouterr().err) and "headless-shell" in said
    warn_full_browser("desktop")  # no browser at all
    assert capsys.readouterr().err == ""
    assert full_browser_note(headless=False) is None
    monkeypatch.setenv("ROBOT_CHROMIUM", DEBIAN_CHROMIUM)
    assert full_browser_note() is None
