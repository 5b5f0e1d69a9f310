"""A system failure heals by itself, on a real Chromium and the registry's own database."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from robot_core.outcome import Status
from robot_core.run.session import RunOptions, run_file, work_queue
from robot_core.script.loader import load_bot
from tests.conftest import EXPECTED, ROOT, SAMPLE

pytestmark = pytest.mark.browser
SHIPPED = ROOT / "bots" / "resident_registration.yaml"
FIRST = EXPECTED["valid"][0]["case_id"]


@pytest.mark.timeout(180)
def test_a_save_that_never_answered_is_requeued_verified_and_lands_once(
        registry: Any, robot_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The save goes in but its answer never comes: the case is failed for system reasons,
    the run ends at once with it deferred (uncertain, for it may be saved), and the next
    worker verifies it, finds it, and completes it: one record in the registry."""
    app = registry(freeze_path="/entry/commit", freeze_saved=1)
    monkeypatch.setenv("REGISTRY_URL", app.url)
    text = SHIPPED.read_text("utf-8")
    tuned = text.replace("retry: {step: 3, case: 5,", "retry: {step: 3, case: 1, faults: 0, "
                         "system_failures: 1, system_backoff_s: 1,").replace(
        "timeouts: {step_ms: 8000, navigation_ms: 8000}",
        "timeouts: {step_ms: 2000, navigation_ms: 2000}")
    assert tuned.count("system_failures") == 1 and "step_ms: 2000" in tuned
    bot_path = tmp_path / "bots" / "healing_probe.yaml"
    bot_path.parent.mkdir()
    bot_path.write_text(tuned, "utf-8")
    bot = load_bot(bot_path, ROOT / "selectors")
    book = openpyxl.load_workbook(SAMPLE)
    book.worksheets[0].delete_rows(5, book.worksheets[0].max_row)
    book.save(tmp_path / "one.xlsx")

    outcome, paths, _ = run_file(bot, tmp_path / "one.xlsx", RunOptions(robot_env))
    assert [r.status for r in outcome.results] == [Status.UNCERTAIN]
    assert outcome.meta["deferred"] == 1
    events = [json.loads(line) for line in paths.audit.read_text("utf-8").splitlines()]
    (requeued,) = [e for e in events if e["event"] == "case_requeued"]
    assert requeued["state"] == "uncertain" and requeued["case"] == FIRST
    assert Counter(r["case_id"] for r in app.dump()) == {FIRST: 1}, "the frozen save saved"

    time.sleep(1.2)
    worked, later = work_queue(bot, RunOptions(robot_env))
    assert worked == 1
    events = [json.loads(line) for line in later.audit.read_text("utf-8").splitlines()]
    assert [e["found"] for e in events if e["event"] == "case_verified"] == [True]
    finished = [e for e in events if e["event"] == "case_finished"]
    assert [(e["outcome"], e["verified"]) for e in finished] == [("done", True)]
    assert Counter(r["case_id"] for r in app.dump()) == {FIRST: 1}, "typed once"
