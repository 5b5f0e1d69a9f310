"""Dry runs, one-case runs, pauses and trace scrubbing, on robot_core.testing's fakes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from fake_registry import PASSWORD, Registry, case
from helpers import MY_NUMBER

from robot_core.drivers.web_debug import require_display, scrub_trace
from robot_core.errors import CaseDataError, ConfigError, TargetNotFound
from robot_core.intake import Intake
from robot_core.outcome import Status
from robot_core.run.debug import DebugOptions
from robot_core.run.dryrun import dry_run
from robot_core.run.session import RunOptions
from robot_core.script.model import BotScript
from robot_core.testing import FakeDriver
from robot_core.vault import MASK


def _intake(tmp_path: Path, *keys: str) -> Intake:
    return Intake(tmp_path / "cases.xlsx", "受付一覧", ["受付番号", "氏名", "個人番号"],
                  [case(key, row=n + 2) for n, key in enumerate(keys)])


def _options(home: Path, driver: FakeDriver, **debug: object) -> RunOptions:
    return RunOptions(home, driver_factory=lambda _bot: driver,
                      debug=DebugOptions(**debug))  # type: ignore[arg-type]


def test_dry_run_types_up_to_the_commit_and_saves_nothing(bot: BotScript, home: Path,
                                                          tmp_path: Path) -> None:
    """Each case is typed, stopped before the saving click, recovered; nothing lands."""
    app = Registry()
    driver = FakeDriver(app)
    run = dry_run(bot, _intake(tmp_path, "U-1", "U-2"), _options(home, driver))
    assert app.saved == []
    assert not any(c.verb == "click" and c.target == "form.save" for c in driver.calls)
    assert [r.status for r in run.outcome.results] == [Status.DONE, Status.DONE]
    assert run.stopped_at == {"U-1": "steps[4] click", "U-2": "steps[4] click"}
    typed = {t.target: t.value for t in run.typed["U-1"]}
    assert typed["form.name"] == "山田 太郎"
    assert typed["form.my_number"] == MASK
    gotos = [c.value for c in driver.calls if c.verb == "goto"]
    assert gotos.count("http://registry/menu") == 2  # recover ran after each case
    written = run.report.read_text("utf-8") + (run.paths.root / "audit.jsonl").read_text("utf-8")
    assert MY_NUMBER not in written and PASSWORD not in written
    assert json.loads(run.report.read_text("utf-8"))[0]["stopped_before"] == "steps[4] click"
    assert not run.paths.results.exists()  # no results workbook: nothing passes for real
    assert not (home / "queue.db").exists()


def test_case_picks_one_case_and_an_unknown_key_is_refused(bot: BotScript, home: Path,
                                                            tmp_path: Path) -> None:
    """--case runs that case alone; a key that is not in the file is a case-data error."""
    app = Registry()
    run = dry_run(bot, _intake(tmp_path, "U-1", "U-2"), _options(home, FakeDriver(app),
                                                                  case="U-2"))
    assert [r.key for r in run.outcome.results] == ["U-2"]
    with pytest.raises(CaseDataError, match="no case 'U-9'"):
        dry_run(bot, _intake(tmp_path, "U-1"), _options(home, FakeDriver(Registry()),
                                                        case="U-9"))


def test_pause_on_failure_comes_before_recovering(bot: BotScript, home: Path,
                                                  tmp_path: Path) -> None:
    """A failed attempt pauses with its error before recover's first step runs."""
    broken = Registry(fail={"form.name": [TargetNotFound("form.name not found")] * 9})
    driver = FakeDriver(broken)
    paused: list[tuple[str, int]] = []
    options = _options(home, driver, pause=lambda line: paused.append((line, len(driver.calls))))
    run = dry_run(bot, _intake(tmp_path, "U-1"), options)
    assert run.outcome.results[0].status is Status.FAILED
    assert len(paused) == 3 and "TargetNotFound: form.name not found" in paused[0][0]
    first_recover = next(i for i, c in enumerate(driver.calls)
                         if c.verb == "goto" and c.value == "http://registry/menu")
    assert paused[0][1] <= first_recover
    assert broken.saved == []


def test_a_kept_trace_has_no_secret_left(tmp_path: Path) -> None:
    """Every text entry of a trace has the secrets, plain and form-encoded, masked."""
    path = tmp_path / "trace.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("trace.trace", f'{{"value": "{MY_NUMBER}", "pw": "p@ss word!"}}')
        archive.writestr("trace.network", "f2=p%40ss+word%21&pwd01=" + MY_NUMBER)
        archive.writestr("resources/img.gif", b"GIF89a\xff\xfe")
    scrub_trace(path, [MY_NUMBER, "p@ss word!"])
    with zipfile.ZipFile(path) as archive:
        texts = {n: archive.read(n) for n in archive.namelist()}
    assert MY_NUMBER.encode() not in b"".join(texts.values())
    assert b"p@ss" not in texts["trace.trace"] and b"p%40ss" not in texts["trace.network"]
    assert texts["resources/img.gif"] == b"GIF89a\xff\xfe"


def test_headed_without_a_display_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """--headed with no DISPLAY names the display, not Chromium's installation."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(ConfigError, match="needs a display"):
        require_display(True)
    require_display(False)
