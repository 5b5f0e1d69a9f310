"""A frozen or refusing legacy registry, through the shipped bot: the step ends, verify decides."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from fixtures.legacy_web.process import LegacyWebApp
from robot_core.intake import read_cases
from robot_core.outcome import CaseResult, Status
from robot_core.run.session import RunOptions, run_direct
from robot_core.script.loader import load_bot
from tests.conftest import EXPECTED, ROOT, SAMPLE

pytestmark = pytest.mark.browser
SHIPPED = ROOT / "bots" / "resident_registration.yaml"
FIRST = EXPECTED["valid"][0]["case_id"]  # the sample's first row is a valid case
SLACK_MS = 3_000


def _one_case(tmp_path: Path) -> Path:
    """A copy of the sample with only its first case (title and header kept)."""
    book = openpyxl.load_workbook(SAMPLE)
    book.worksheets[0].delete_rows(5, book.worksheets[0].max_row)
    target = tmp_path / "one.xlsx"
    book.save(target)
    return target


def _bot_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bots" / "frozen_probe.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def _run(app: LegacyWebApp, bot_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch,
         source: Path) -> tuple[CaseResult, list[dict[str, Any]]]:
    """Run ``bot_path`` on ``source``; the one case's result and the audit trail's events."""
    monkeypatch.setenv("REGISTRY_URL", app.url)
    bot = load_bot(bot_path, ROOT / "selectors")
    outcome, paths = run_direct(bot, read_cases(source, bot.input), RunOptions(home))
    events = [json.loads(line) for line in paths.audit.read_text("utf-8").splitlines()]
    [result] = outcome.results
    return result, events


def _step_errors(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == "step" and e["outcome"] == "error"]


def _assert_frozen_step_bounded(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The first failing step is NoResponse, within step + navigation timeout; no TargetNotFound."""
    errors = _step_errors(events)
    assert errors, "the frozen save should have failed a step"
    assert errors[0]["error"].startswith("NoResponse: no response from the application")
    assert errors[0]["duration_ms"] < 8_000 + 8_000 + SLACK_MS  # the shipped bot's timeouts
    assert not [e for e in errors if e["error"].startswith("TargetNotFound")]
    return errors[0]


@pytest.mark.timeout(180)
def test_a_frozen_save_is_a_system_failure_within_its_bound(
        registry: Any, robot_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With one attempt allowed (no weather allowance either), a save that never answers
    fails the case as NoResponse, unsaved."""
    app = registry(freeze_path="/entry/commit")
    once = SHIPPED.read_text("utf-8").replace("retry: {step: 3, case: 5,",
                                              "retry: {step: 3, case: 1, faults: 0,")
    assert once != SHIPPED.read_text("utf-8")
    result, events = _run(app, _bot_file(tmp_path, once), robot_env, monkeypatch,
                          _one_case(tmp_path))
    assert result.status is Status.FAILED
    assert result.error_kind == "NoResponse"
    assert "no response from the application" in result.error
    failed = _assert_frozen_step_bounded(events)
    assert failed["step"].startswith("steps[22]")  # the wait after the saving click
    assert app.dump() == []


@pytest.mark.timeout(240)
def test_a_frozen_unsaved_save_is_verified_absent_and_entered_once(
        registry: Any, robot_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The retry after a frozen save that saved nothing verifies, finds nothing, enters it once."""
    app = registry(freeze_path="/entry/commit")
    result, events = _run(app, SHIPPED, robot_env, monkeypatch, _one_case(tmp_path))
    _assert_frozen_step_bounded(events)
    assert result.status is Status.DONE and not result.verified
    assert result.attempts == 2
    verified = [e for e in events if e["event"] == "case_verified"]
    assert [v["found"] for v in verified] == [False]
    assert Counter(r["case_id"] for r in app.dump()) == {FIRST: 1}


@pytest.mark.timeout(240)
def test_a_save_that_froze_after_saving_is_found_by_verify_not_typed_twice(
        registry: Any, robot_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The record went in and the answer never came: verify finds it and nothing is retyped."""
    app = registry(freeze_path="/entry/commit", freeze_saved=1)
    result, events = _run(app, SHIPPED, robot_env, monkeypatch, _one_case(tmp_path))
    _assert_frozen_step_bounded(events)
    assert result.status is Status.DONE and result.verified
    records = app.dump()
    assert Counter(r["case_id"] for r in records) == {FIRST: 1}
    assert result.outputs["registration_number"] == records[0]["reg_no"]
    commits = [e for e in events if e["event"] == "step" and e["step"].startswith("steps[21]")]
    assert len(commits) == 1, "the saving click ran once: the retry stopped at verify"


REFUSED_BOT = """\
name: frozen_probe
driver: web
app: registry_web
input:
  key: case_id
  columns:
    case_id: {header: [受付番号, case_id], required: true}
steps:
  - goto: "{{ env.REGISTRY_URL }}/login"
  - fill: {target: login.user, value: "{{ case.case_id }}"}
retry: {step: 2, case: 1, backoff_s: 0.1, backoff_max_s: 0.1}
timeouts: {step_ms: 3000, navigation_ms: 3000}
"""


@pytest.mark.timeout(120)
def test_a_refusing_server_is_system_unavailable_without_any_watch(
        registry: Any, robot_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A stopped registry refuses: the case fails as SystemUnavailable though no watch names it."""
    app = registry()
    app.stop()  # its port now refuses connections
    bot_path = _bot_file(tmp_path, REFUSED_BOT)
    assert load_bot(bot_path, ROOT / "selectors").watch == ()
    result, events = _run(app, bot_path, robot_env, monkeypatch, _one_case(tmp_path))
    assert result.status is Status.FAILED
    assert result.error_kind == "SystemUnavailable"
    assert "net::ERR_CONNECTION_REFUSED" in result.error
    errors = _step_errors(events)
    assert errors and all(e["error"].startswith("SystemUnavailable") for e in errors)
