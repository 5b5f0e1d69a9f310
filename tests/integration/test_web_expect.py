"""Proof of entry on the real fixture registry: ``expect`` on its confirmation screens.

The registry's ``--wrong-name`` switch makes it show (``confirm``) or save and show (``saved``)
a name one character shorter than the one typed, as a too-narrow legacy column does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from robot_core.intake import read_cases
from robot_core.outcome import Status
from robot_core.queue.sqlite import SQLiteStore
from robot_core.run.session import RunOptions, run_direct
from robot_core.script.loader import load_bot
from tests.conftest import EXPECTED, ROOT, SAMPLE

pytestmark = pytest.mark.browser
ROBOT = Path(sys.executable).parent / "robot"
SHIPPED = ROOT / "bots" / "resident_registration.yaml"
FIRST = EXPECTED["valid"][0]  # the sample's first row is a valid case


def _one_case(tmp_path: Path) -> Path:
    """A copy of the sample with only its first case (title and header kept)."""
    book = openpyxl.load_workbook(SAMPLE)
    book.worksheets[0].delete_rows(5, book.worksheets[0].max_row)
    target = tmp_path / "one.xlsx"
    book.save(target)
    return target


def _robot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROBOT), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.mark.timeout(240)
def test_a_completion_screen_showing_another_name_ends_mismatch_and_lands_once(
        registry: Any, robot_env: Path, tmp_path: Path) -> None:
    """The registry saves a cut name: the shipped bot's expect ends the case `mismatch`, never
    `done`; one record in the registry, not typed again by a later ``robot work``, shown in
    the terminal, ``queue status``, the results workbook and the report."""
    app = registry(wrong_name="saved")
    env = {**os.environ, "REGISTRY_URL": app.url}
    run = _robot("run", "resident_registration", "--input", str(_one_case(tmp_path)), env=env)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "mismatch: 1" in run.stdout
    [record] = app.dump()
    assert record["case_id"] == FIRST["case_id"] and record["name"] == FIRST["name"][:-1]

    again = _robot("work", "resident_registration", env=env)
    assert again.returncode == 0, again.stderr
    assert len(app.dump()) == 1, "a mismatch is never typed again"

    store = SQLiteStore(robot_env / "queue.db")
    try:
        [item] = store.items("resident_registration")
    finally:
        store.close()
    assert (item.state, item.tries, item.error_kind) == (Status.MISMATCH, 1, "RecordMismatch")
    assert f"done.name: expected '{FIRST['name']}', read '{FIRST['name'][:-1]}'" in item.error
    assert item.outputs["registration_number"] == record["reg_no"]
    assert item.payload["sealed"] is None, "finished like done: the My Number is erased"

    status = _robot("queue", "status", env={**env, "COLUMNS": "200"})
    lines = status.stdout.splitlines()
    [header] = [line.split("┃") for line in lines if "mismatch" in line]
    [row] = [line.split("│") for line in lines if "one.xlsx" in line]
    assert row[[c.strip() for c in header].index("mismatch")].strip() == "1"

    [run_dir] = [d for d in (robot_env / "runs").iterdir() if (d / "results.xlsx").exists()]
    sheet = openpyxl.load_workbook(run_dir / "results.xlsx").worksheets[0]
    cells_text = [str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None]
    assert "要確認（登録内容の不一致） (mismatch)" in cells_text
    report = (run_dir / "report.html").read_text("utf-8")
    assert 'id="count-mismatch">1<' in report
    assert FIRST["my_number"] not in report


@pytest.mark.timeout(240)
def test_a_confirmation_that_reads_back_wrong_before_saving_is_retried_and_saves_nothing(
        registry: Any, robot_env: Path, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    """An expect on the confirmation screen, before the saving click, that reads another name
    is a system failure: retried, then failed; the registry holds nothing."""
    app = registry(wrong_name="confirm")
    text = SHIPPED.read_text("utf-8")
    commit = "  - click: {target: confirm.register, commit: true}"
    assert "confirm.name" in text.split(commit)[0]  # the shipped bot checks before saving
    text = text.replace("retry: {step: 3, case: 5,", "retry: {step: 3, case: 2,")
    assert "case: 2," in text
    path = tmp_path / "bots" / "resident_registration.yaml"
    path.parent.mkdir()
    path.write_text(text, "utf-8")
    monkeypatch.setenv("REGISTRY_URL", app.url)
    bot = load_bot(path, ROOT / "selectors")
    outcome, paths = run_direct(bot, read_cases(_one_case(tmp_path), bot.input),
                                RunOptions(robot_env))
    [result] = outcome.results
    assert (result.status, result.error_kind, result.attempts) == (
        Status.FAILED, "ReadBackDiffers", 2)
    assert result.error.startswith(f"before saving, confirm.name: expected '{FIRST['name']}'")
    assert app.dump() == []
    events = [json.loads(line) for line in paths.audit.read_text("utf-8").splitlines()]
    expects = [e for e in events if e["event"] == "step" and e["action"] == "expect"]
    assert [e["outcome"] for e in expects] == ["error", "error"]
    assert not [e for e in events if e["event"] == "step" and e["action"] == "click"
                and e["target"] == "confirm.register"], "the saving click never ran"
