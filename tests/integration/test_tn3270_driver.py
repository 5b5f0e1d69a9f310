"""The 3270 driver through a real s3270 against the fixture TN3270 host (cp939 and cp930)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.legacy_tn3270.process import LegacyTn3270Host
from robot_core.drivers.terminal.tn3270 import Tn3270Driver
from robot_core.errors import BotScriptError, BusinessError, ConfigError, Location, NoResponse
from robot_core.selectors import Alternative, SelectorMap, Target, load_selector_map
from tests.conftest import ROOT

HERE = Location(str(Path(__file__)), 1, 1)


@pytest.fixture(scope="module")
def ibm_map() -> SelectorMap:
    """The shipped map of the 3270 fixture host."""
    return load_selector_map(ROOT / "selectors" / "registry_3270.yaml")


@pytest.fixture
def sign_on(tmp_path: Path, ibm_map: SelectorMap) -> Iterator[Callable[..., Tn3270Driver]]:
    """``sign_on(**switches)``: a host with those fault switches and a driver signed on."""
    stack = contextlib.ExitStack()

    def start(**switches: Any) -> Tn3270Driver:
        host = stack.enter_context(LegacyTn3270Host(tmp_path / "host.db", **switches))
        driver = Tn3270Driver({"tn3270": {"host": "127.0.0.1", "port": host.port,
                                          "codepage": switches.get("codepage", "cp939")},
                               "ready": "JUMIN00"})
        stack.callback(driver.stop)
        driver.start()
        t = ibm_map.targets
        driver.fill(t["signon.user"], "clerk", 5000)
        driver.fill(t["signon.password"], "clerk-pass", 5000)
        driver.press(None, "enter", 5000)
        assert driver.wait_any([t["menu.title"], t["signon.error"]], 5000).name == "menu.title"
        return driver

    with stack:
        yield start


def _entry(driver: Tn3270Driver, ibm_map: SelectorMap) -> None:
    t = ibm_map.targets
    driver.fill(t["menu.choice"], "1", 5000)
    driver.press(None, "enter", 5000)
    driver.wait_any([t["form.title"]], 5000)


def test_kanji_and_katakana_round_trip_in_code_page_930(
        sign_on: Callable[..., Tn3270Driver], ibm_map: SelectorMap) -> None:
    """A DBCS name typed through s3270 reads back whole from the host's own field."""
    driver = sign_on(codepage="cp930")
    _entry(driver, ibm_map)
    t = ibm_map.targets
    driver.fill(t["form.name"], "齋藤\u3000翔太", 5000)
    driver.fill(t["form.name_kana"], "サイトウ\u3000ショウタ", 5000)
    assert driver.read_text(t["form.name"], 1000) == "齋藤\u3000翔太"
    assert driver.read_text(t["form.name_kana"], 1000) == "サイトウ\u3000ショウタ"


def test_fields_are_the_hosts_unprotected_ones(
        sign_on: Callable[..., Tn3270Driver], ibm_map: SelectorMap, tmp_path: Path) -> None:
    """Index counts unprotected fields; a protected place is refused; non-display is masked."""
    driver = sign_on()
    _entry(driver, ibm_map)
    t = ibm_map.targets
    second = Target("form.second", (Alternative("index", "2"),), HERE)
    driver.fill(second, "伊藤\u3000一郎", 5000)  # index 2: 氏名, the labels do not count
    assert driver.read_text(t["form.name"], 1000) == "伊藤\u3000一郎"
    label = Target("form.label", (Alternative("field", "4,3,4"),), HERE)  # the 氏名 label itself
    with pytest.raises(BotScriptError, match="protected"):
        driver.fill(label, "x", 1000)
    driver.fill(t["form.my_number"], "735658332945", 5000)
    assert driver.read_text(t["form.my_number"], 1000) == ""  # non-display: never shown
    shot = driver.screenshot(tmp_path / "entry.png", [])
    text = shot.with_suffix(".txt").read_text("utf-8")
    assert "735658332945" not in text and "個人番号          ************" in text
    with pytest.raises(BusinessError, match="does not fit"):
        driver.fill(t["form.name"], "寿限無寿限無五劫の擦り切れ", 1000)  # 28 positions > 22


def test_a_host_that_never_answers_is_no_response(
        sign_on: Callable[..., Tn3270Driver], ibm_map: SelectorMap) -> None:
    """The keyboard stays locked after Enter when the host never answers: NoResponse."""
    driver = sign_on(hang_rate=1.0)
    driver.fill(ibm_map.targets["menu.choice"], "1", 5000)
    driver.press(None, "enter", 5000)
    with pytest.raises(NoResponse):
        driver.wait_any([ibm_map.targets["form.title"]], 1500)


def test_an_unknown_code_page_is_a_config_error(tmp_path: Path) -> None:
    """s3270 would fall back to cp037 silently; the driver says which code page is wrong."""
    with LegacyTn3270Host(tmp_path / "host.db") as host:
        driver = Tn3270Driver({"tn3270": {"host": "127.0.0.1", "port": host.port,
                                          "codepage": "cp9999"}})
        with pytest.raises(ConfigError, match="cp9999"):
            driver.start()
        driver.stop()
