"""The desktop slice: ``robot run ledger_entry`` against the Tk ledger client under real Xvfb.

Each test runs the real CLI in a subprocess, the way staff run it, on a display started for
this module; the client is started (and restarted) by the desktop driver from the selector
map's ``launch:``. What landed is read back with the client's own ``dump`` command.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from fixtures.legacy_desktop import db as ledger_db
from fixtures.legacy_desktop.rules import Entry
from tests.integration.desktop_env import ROOT, client_pids, desktop_environment, dump, xvfb
from tests.integration.sample_cover import covering_rows, write_rows

EXPECTED = json.loads((ROOT / "fixtures/cases/sample.expected.json").read_text("utf-8"))
SAMPLE = ROOT / "fixtures/cases/sample.xlsx"
FIELDS = ("case_id", "name", "name_kana", "sex", "birth_date", "postal_code", "address",
          "household_head", "phone", "moved_in", "my_number", "nhi", "remarks")
VALID = {e["case_id"]: e for e in EXPECTED["valid"]}
INVALID = {e["case_id"]: e for e in EXPECTED["invalid"]}
MY_NUMBER_FIELD = (60 + 220, 60 + 413)  # the form's 個人番号 box on screen (form at +60+60)


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A fresh Xvfb for this module."""
    with xvfb() as name:
        yield name


@dataclass
class Run:
    """One finished ``robot run`` and its evidence."""

    code: int
    output: str
    root: Path
    events: list[dict[str, Any]]

    def finished(self) -> dict[str, dict[str, Any]]:
        """case -> its case_finished (or case_rejected) event."""
        out = {e["case"]: e for e in self.events if e["event"] == "case_finished"}
        out.update({e["case"]: {**e, "outcome": "business_failed"} for e in self.events
                    if e["event"] == "case_rejected"})
        return out

    def of(self, event: str) -> list[dict[str, Any]]:
        """Every audit event called ``event``."""
        return [e for e in self.events if e["event"] == event]


def start_robot(tmp_path: Path, display: str, *args: str, source: Path = SAMPLE,
                **switches: str) -> subprocess.Popen[str]:
    """``robot run ledger_entry --input SOURCE ARGS`` (the sample unless told) with the
    client's switches."""
    env = {**os.environ, **desktop_environment(display), "ROBOT_HOME": str(tmp_path / "home"),
           "ROBOT_PROJECT": str(ROOT), "LEDGER_DB": str(tmp_path / "ledger.db"),
           "LEDGER_USER": "clerk", "LEDGER_PASSWORD": "clerk-pass", **switches}
    robot = Path(sys.executable).parent / "robot"
    return subprocess.Popen([str(robot), "run", "ledger_entry", "--input", str(source), *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def finish(proc: subprocess.Popen[str], tmp_path: Path, timeout: float = 300) -> Run:
    """Wait for the run and read its audit trail."""
    output, _ = proc.communicate(timeout=timeout)
    runs = sorted((tmp_path / "home" / "runs").iterdir())
    assert len(runs) == 1, output
    events = [json.loads(line) for line in (runs[0] / "audit.jsonl").read_text().splitlines()]
    return Run(proc.returncode, output, runs[0], events)


def assert_landed_exactly(records: list[dict[str, Any]], keys: set[str]) -> None:
    """Each case of ``keys`` is in the ledger exactly once, every field as the export says."""
    counts = Counter(r["case_id"] for r in records)
    assert [k for k, n in counts.items() if n > 1] == []
    by_case = {r["case_id"]: r for r in records}
    assert set(by_case) == keys
    for key in keys:
        assert {f: by_case[key][f] for f in FIELDS} == {f: VALID[key][f] for f in FIELDS}, key


def sample_keys(limit: int) -> tuple[set[str], set[str]]:
    """(valid, invalid) case ids among the first ``limit`` sample rows."""
    ordered = sorted([*VALID, *INVALID])[:limit]
    return {k for k in ordered if k in VALID}, {k for k in ordered if k in INVALID}


def test_sample_lands_exactly(display: str, tmp_path: Path) -> None:
    """Every kind of value of the sample lands field for field (kanji beyond JIS level 1, each
    era and era boundary, every way a date, reading or postal code is written: the
    tests/integration/sample_cover.py rows); the 4 invalid rows are business failures, each with
    a picture: intake rejections a drawn card, the unknown postal code a screenshot of the
    client's 入力エラー box with the 個人番号 field blacked out."""
    keys = covering_rows()
    valid = {k for k in keys if k in VALID}
    assert set(INVALID) <= set(keys) and len(valid) < len(VALID)
    source = write_rows(keys, tmp_path / "edge_cases.xlsx")
    started = time.monotonic()
    run = finish(start_robot(tmp_path, display, source=source), tmp_path)
    minutes = (time.monotonic() - started) / 60
    assert run.code == 1, run.output
    records = dump(tmp_path / "ledger.db")
    assert_landed_exactly(records, valid)
    finished = run.finished()
    assert set(finished) == set(keys)
    ledger_no = {r["case_id"]: r["ledger_no"] for r in records}
    for key in valid:
        assert finished[key]["outcome"] == "done", finished[key]
        assert finished[key]["outputs"] == {"ledger_number": ledger_no[key]}
    for key in INVALID:
        assert finished[key]["outcome"] == "business_failed", key
        picture = run.root / finished[key]["screenshot"]
        assert picture.is_file() and picture.stat().st_size > 1000, key
    postal = next(k for k, e in INVALID.items() if e["reason"] == "unknown_postal_code")
    assert "郵便番号が存在しません" in finished[postal]["error"]
    assert finished[postal]["attempts"] == 1
    with Image.open(run.root / finished[postal]["screenshot"]) as shot:
        assert shot.size == (1280, 1024)
        assert shot.convert("RGB").getpixel(MY_NUMBER_FIELD) == (0, 0, 0)
    audit_text = (run.root / "audit.jsonl").read_text()
    assert all(VALID[k]["my_number"] not in audit_text for k in VALID)
    print(f"\n{len(keys)} cases in {minutes:.2f} min: "
          f"{len(valid) / minutes:.1f} entered cases/minute")


def test_busy_server_is_recovered_from(display: str, tmp_path: Path) -> None:
    """「サーバーが混雑しています」 ends the wait at once; after logging out and in again the
    case is verified (not saved) and entered again: every case lands exactly once."""
    limit = 6  # seed 7 makes the 2nd, 4th, 7th and 9th save busy
    run = finish(start_robot(tmp_path, display, "--limit", str(limit), LEDGER_BUSY_RATE="0.3",
                             LEDGER_SEED="7"), tmp_path)
    valid, _invalid = sample_keys(limit)
    assert run.code == 2, run.output  # --limit leaves the rest of the file pending
    assert_landed_exactly(dump(tmp_path / "ledger.db"), valid)
    busy = [e for e in run.of("recover") if e["cause"] == "SystemUnavailable"]
    assert len(busy) >= 2, busy
    assert all("busy.dialog" in e["error"] for e in busy)
    assert all(run.finished()[k]["outcome"] == "done" for k in valid)
    assert [e for e in run.of("case_verified") if e["found"]] == []


def test_killed_client_is_restarted(display: str, tmp_path: Path) -> None:
    """The client killed mid-run is noticed at once, restarted and logged into again; the
    case in hand is verified before it is typed again, so nothing lands twice."""
    limit = 6
    database = tmp_path / "ledger.db"
    proc = start_robot(tmp_path, display, "--limit", str(limit))
    killed: list[int] = []
    deadline = time.monotonic() + 120
    while not killed and proc.poll() is None and time.monotonic() < deadline:
        if len(ledger_db.dump_records(database)) >= 2:
            killed = client_pids(database)
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
    assert killed, "the client was never seen saving two cases"
    run = finish(proc, tmp_path)
    valid, _invalid = sample_keys(limit)
    assert run.code == 2, run.output  # --limit leaves the rest of the file pending
    assert_landed_exactly(dump(database), valid)
    assert all(run.finished()[k]["outcome"] == "done" for k in valid)
    assert any("killed by signal 9" in e["error"] for e in run.of("recover")), run.of("recover")
    assert client_pids(database) == []  # the restarted client was stopped at the end too


def test_ledger_rejects_a_registered_my_number(display: str, tmp_path: Path) -> None:
    """A 個人番号 already in the ledger is the client's business error, with its words and a
    screenshot; nothing new lands."""
    database = tmp_path / "ledger.db"
    ledger_db.init_db(database)
    first = VALID["U2025-0001"]
    ledger_db.insert_entry(database, Entry(**{
        **{f: first[f] for f in FIELDS},
        "case_id": "OLD-0001", "birth_date": date.fromisoformat(first["birth_date"]),
        "moved_in": date.fromisoformat(first["moved_in"])}))
    run = finish(start_robot(tmp_path, display, "--limit", "2"), tmp_path)
    assert run.code == 2, run.output  # --limit leaves the rest of the file pending
    result = run.finished()["U2025-0001"]
    assert result["outcome"] == "business_failed"
    assert "この個人番号は既に登録されています" in result["error"]
    assert (run.root / result["screenshot"]).is_file()
    assert run.finished()["U2025-0002"]["outcome"] == "done"
    assert sorted(r["case_id"] for r in dump(database)) == ["OLD-0001", "U2025-0002"]


# -- the driver on its own ---------------------------------------------------------------------


def test_driver_attaches_types_kanji_and_masks(display: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``launch.command`` the driver attaches to a running client (and leaves it
    running); text in any script goes in whole and reads back; secrets are blacked out."""
    from robot_core.drivers import Driver  # noqa: PLC0415
    from robot_core.drivers.desktop import DesktopDriver  # noqa: PLC0415 - needs the display
    from robot_core.selectors import load_selector_map  # noqa: PLC0415

    for key, value in desktop_environment(display).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ROBOT_PROJECT", str(ROOT))
    targets = load_selector_map(ROOT / "selectors/ledger_desktop.yaml")
    client = subprocess.Popen([sys.executable, "-m", "fixtures.legacy_desktop", "run", "--db",
                               str(tmp_path / "ledger.db")], cwd=ROOT,
                              stdout=subprocess.DEVNULL, env={**os.environ})
    driver = DesktopDriver(launch={"window": "台帳管理システム",
                                   "ready": "ログイン - 台帳管理システム"})
    assert isinstance(driver, Driver)
    try:
        driver.start()
        assert driver.pid is None
        get = targets.get
        driver.fill(get("login.user"), "clerk", 5000)
        driver.fill(get("login.password"), "clerk-pass", 5000)
        driver.click(get("login.submit"), 5000)
        driver.wait_any([get("main.window")], 5000)
        driver.press(None, "Control+n", 5000)
        driver.wait_any([get("form.window")], 5000)
        name = "髙橋　﨑子ゑ"
        driver.fill(get("form.name"), name, 5000)
        assert driver.read_text(get("form.name"), 5000) == name
        driver.fill(get("form.remarks"), "二行目も\nある備考", 5000)
        assert driver.read_text(get("form.remarks"), 5000) == "二行目も\nある備考"
        driver.select(get("form.era"), None, "令和", 5000)
        assert driver.read_text(get("form.era"), 5000) == "令和"
        driver.set_checked(get("form.nhi"), True, 5000)
        driver.set_checked(get("form.nhi"), False, 5000)
        driver.set_checked(get("form.sex").option("女"), True, 5000)
        driver.fill(get("form.my_number"), "735658332945", 5000)
        driver.fill(get("form.phone"), "0142-99-1234", 5000)  # a field not marked secret
        shot = driver.screenshot(tmp_path / "shot.png", targets.secret_targets(),
                                 ["0142-99-1234"])
        with Image.open(shot) as image:
            assert image.convert("RGB").getpixel(MY_NUMBER_FIELD) == (0, 0, 0)
            assert image.convert("RGB").getpixel((60 + 240, 60 + 341)) == (0, 0, 0)
            assert image.convert("RGB").getpixel((60 + 270, 60 + 89)) != (0, 0, 0)
        driver.click(get("form.save"), 5000)
        driver.wait_any([get("confirm.dialog")], 5000)
        assert driver.read_text(get("confirm.dialog"), 5000) == "登録しますか？"
        driver.goto("台帳管理システム", 5000)  # closes the question (いいえ) on its way
        assert not driver.is_visible(get("confirm.dialog"))
    finally:
        driver.stop()
        assert client.poll() is None  # attached: never stopped by the driver
        client.terminate()
        client.wait(timeout=10)
    assert dump(tmp_path / "ledger.db") == []


# -- grammar (no display needed) ---------------------------------------------------------------


def test_key_names_and_paths() -> None:
    """Bot-script key names and selector-map keyboard paths become pyautogui keys."""
    from robot_core.drivers.desktop.input import Chord, key_names, key_path  # noqa: PLC0415
    from robot_core.errors import BotScriptError  # noqa: PLC0415

    assert key_names("Control+S") == ["ctrl", "s"]
    assert key_names("Enter") == ["enter"]
    assert key_names("ArrowDown") == ["down"]
    assert key_names("Alt+F4") == ["alt", "f4"]
    assert key_path("alt+u tab*3") == [Chord(("alt", "u")), Chord(("tab",), 3)]
    with pytest.raises(BotScriptError):
        key_names("Hyper+Q")


def test_launch_block() -> None:
    """``launch:`` is checked without a display; placeholders expand from the environment."""
    from robot_core.errors import BotScriptError, ConfigError  # noqa: PLC0415
    from robot_core.script.launch import expand, parse_launch  # noqa: PLC0415

    spec = parse_launch({"command": ["{python}", "-m", "x", "{env.NO_SUCH_VAR:-7}"],
                         "window": "台帳管理システム"})
    assert spec.ready == "台帳管理システム" and not spec.attach
    assert expand(spec.command[0]) == sys.executable
    assert expand(spec.command[3]) == "7"
    with pytest.raises(ConfigError):
        expand("{env.NO_SUCH_VAR}")
    with pytest.raises(BotScriptError):
        parse_launch({"window": "x", "comand": []})


def test_message_box_text() -> None:
    """A message box copied with Ctrl+C reads as its message only."""
    from robot_core.drivers.desktop.clipboard import message_of  # noqa: PLC0415

    copied = ("---------------------------\n入力エラー\n---------------------------\n"
              "入力内容に誤りがあります。\n郵便番号が存在しません。\n"
              "---------------------------\nOK   \n---------------------------\n")
    assert message_of(copied) == "入力内容に誤りがあります。\n郵便番号が存在しません。"


def test_ledger_rules() -> None:
    """The client's own checks: every problem listed, in screen order, in its words."""
    from fixtures.legacy_desktop import rules  # noqa: PLC0415

    good = {"case_id": "U1", "name": "伊藤　一郎", "name_kana": "イトウ　イチロウ", "sex": "男",
            "era": "昭和", "birth_year": "21", "birth_month": "10", "birth_day": "24",
            "postal_code": "048-1503", "address": "北海道", "moved_in": "2025/07/03",
            "my_number": "735658332945", "nhi": "1", "remarks": "備考\n"}
    entry, errors = rules.validate(good, lambda _n: False, today=date(2025, 7, 16))
    assert errors == [] and entry is not None
    assert entry.birth_date == date(1946, 10, 24) and entry.nhi and entry.remarks == "備考"
    bad = {**good, "name_kana": "いとう", "postal_code": "048-1599", "my_number": "735658332946"}
    _, errors = rules.validate(bad, lambda _n: False, today=date(2025, 7, 16))
    assert errors == [rules.MSG_KANA, rules.MSG_POSTAL_UNKNOWN, rules.MSG_MY_NUMBER_INVALID]
    _, errors = rules.validate(good, lambda _n: True, today=date(2025, 7, 16))
    assert errors == [rules.MSG_MY_NUMBER_DUPLICATE]
    _, errors = rules.validate({**good, "era": "平成", "birth_year": "元", "birth_month": "1",
                                "birth_day": "7"}, lambda _n: False)
    assert errors == [rules.MSG_BIRTH_INVALID]  # 平成 began on 1989-01-08
