"""The terminal driver on a real pseudo-terminal, against the fixture host in each encoding."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from robot_core.drivers.terminal.driver import TerminalDriver
from robot_core.errors import BusinessError, NoResponse, SystemUnavailable
from robot_core.selectors import SelectorMap, load_selector_map
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def terminal_map() -> SelectorMap:
    """The shipped map of the fixture host."""
    return load_selector_map(ROOT / "selectors" / "registry_terminal.yaml")


def _driver(tmp_path: Path, encoding: str, *switches: str, **launch: object) -> TerminalDriver:
    return TerminalDriver({
        "command": [sys.executable, "-m", "fixtures.legacy_terminal", "run", "--db",
                    str(tmp_path / "host.db"), "--encoding", encoding, *switches],
        "cwd": str(ROOT), "encoding": encoding, "ready": "JUMIN00", **launch})


@pytest.mark.parametrize("encoding", ["utf-8", "shift_jis", "euc-jp"])
def test_sign_on_and_type_kanji_in_each_host_encoding(tmp_path: Path, encoding: str,
                                                      terminal_map: SelectorMap) -> None:
    """Kanji typed into a fixed-width field read back whole, whatever the host's encoding."""
    t = terminal_map.targets
    driver = _driver(tmp_path, encoding)
    driver.start()
    try:
        driver.fill(t["signon.user"], "clerk", 5000)
        driver.fill(t["signon.password"], "clerk-pass", 5000)
        driver.press(None, "enter", 5000)
        assert driver.wait_any([t["menu.title"], t["signon.error"]], 5000).name == "menu.title"
        driver.fill(t["menu.choice"], "1", 5000)
        driver.press(None, "enter", 5000)
        driver.wait_any([t["form.title"]], 5000)
        driver.fill(t["form.name"], "高橋　ヶ丘", 5000)
        driver.fill(t["form.address"], "北海道虻田郡みらい町緑ヶ丘5丁目2番12号", 5000)
        driver.fill(t["form.my_number"], "123456789018", 5000)
        assert driver.read_text(t["form.name"], 1000) == "高橋　ヶ丘"
        if encoding != "utf-8":  # 髙 (はしご高) is in neither JIS X 0208 encoding
            with pytest.raises(BusinessError, match="cannot be sent"):
                driver.fill(t["form.household_head"], "髙橋", 5000)
        with pytest.raises(BusinessError, match="does not fit"):
            driver.fill(t["form.sex"], "男性です", 5000)
        shot = driver.screenshot(tmp_path / "entry.png", [t["form.my_number"]])
        text = shot.with_suffix(".txt").read_text("utf-8")
        assert "高橋　ヶ丘" in text and "123456789018" not in text
        assert shot.read_bytes()[:4] == b"\x89PNG"
        driver.press(None, "enter", 5000)  # 確認 with fields missing: the bottom line says so
        driver.wait_any([t["form.error"]], 5000)
        assert driver.read_text(t["form.error"], 1000).endswith("件")
    finally:
        driver.stop()


def test_a_host_that_hangs_up_is_system_unavailable(tmp_path: Path,
                                                    terminal_map: SelectorMap) -> None:
    """PF3 on the sign-on screen ends the host program: the next wait says so at once."""
    t = terminal_map.targets
    driver = _driver(tmp_path, "utf-8")
    driver.start()
    try:
        driver.press(None, "pf3", 5000)
        with pytest.raises(SystemUnavailable, match="closed"):
            driver.wait_any([t["menu.title"]], 5000)
        driver.goto("connect", 5000)  # a dropped session opens again
        assert driver.wait_any([t["signon.title"]], 5000).name == "signon.title"
    finally:
        driver.stop()


def test_a_host_without_an_erase_key_is_cleared_with_backspaces(
        tmp_path: Path, terminal_map: SelectorMap) -> None:
    """`clear_field: backspace` replaces a field's old value one character at a time."""
    t = terminal_map.targets
    driver = _driver(tmp_path, "utf-8", keys={"clear_field": "backspace"})
    driver.start()
    try:
        driver.fill(t["signon.user"], "someone", 5000)
        driver.fill(t["signon.user"], "clerk", 5000)
        assert driver.read_text(t["signon.user"], 1000) == "clerk"
        driver.fill(t["signon.password"], "clerk-pass", 5000)
        driver.press(None, "enter", 5000)
        assert driver.wait_any([t["menu.title"], t["signon.error"]], 5000).name == "menu.title"
    finally:
        driver.stop()


def test_a_host_that_takes_enter_and_never_answers_is_no_response(
        tmp_path: Path, terminal_map: SelectorMap) -> None:
    """With the keyboard locked past the timeout the wait is NoResponse, not a missing target."""
    t = terminal_map.targets
    driver = _driver(tmp_path, "utf-8", "--hang-rate", "1")
    driver.start()
    try:
        driver.fill(t["signon.user"], "clerk", 5000)
        driver.fill(t["signon.password"], "clerk-pass", 5000)
        driver.press(None, "enter", 5000)  # the sign-on answers; the menu's Enter never does
        driver.wait_any([t["menu.title"]], 5000)
        driver.fill(t["menu.choice"], "1", 5000)
        driver.press(None, "enter", 5000)
        with pytest.raises(NoResponse, match="did not answer"):
            driver.wait_any([t["form.title"], t["menu.title"]], 800)
        assert not driver.is_visible(t["menu.title"])  # the old screen is not the answer
    finally:
        driver.stop()
