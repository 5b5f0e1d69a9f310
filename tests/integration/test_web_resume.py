"""Weather before the saving click resumes where the case stood (``run/resume.py``): the
shipped bot and map, the real fixture, a real Chromium."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from robot_core.outcome import Status
from tests.conftest import EXPECTED, ROOT, SAMPLE
from tests.integration.test_web_slice import _first_rows, assert_landed_exactly, run_sample

pytestmark = pytest.mark.browser
TYPING = frozenset({"fill", "select", "choose", "check"})


@pytest.mark.timeout(240)
def test_a_hung_confirm_repeats_its_click_on_the_typed_form_and_lands_once(
        registry: Any, robot_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The second case's 確認 POST is never answered: once it is overdue the form it was typed
    into still shows, so the next attempt repeats the click there. Every case is in the
    registry once with its values, and no field of any case was typed twice."""
    # /entry/form is asked for twice a case (the frame's GET, the 確認 POST): the 4th is the
    # second case's POST, held open without an answer (the server never gets to it)
    app = registry(freeze_path="/entry/form", freeze_at=4, freeze_requests=1)
    rows = _first_rows(SAMPLE, tmp_path / "three.xlsx", 3)
    outcome, paths = run_sample(app, robot_env, monkeypatch, source=rows)
    events = [json.loads(line) for line in paths.audit.read_text("utf-8").splitlines()]
    valid = {e["case_id"] for e in EXPECTED["valid"]}
    mine = {r.key for r in outcome.results if r.key in valid}
    assert mine and all(r.status is Status.DONE for r in outcome.results if r.key in mine)
    assert_landed_exactly(app.dump(), mine)
    resumed = [e for e in events if e["event"] == "case_started" and "resumed_at" in e]
    assert [(e["attempt"], e["resumed_at"]) for e in resumed] == [(2, "steps[17] click")]
    hung = [e for e in events if e["event"] == "step" and e["outcome"] == "error"]
    assert [e["error"].split(":", 1)[0] for e in hung] == ["NoResponse"]
    typed = Counter((e["case"], e["target"]) for e in events
                    if e["event"] == "step" and e["action"] in TYPING and e["case"])
    assert typed and set(typed.values()) == {1}
    # the click that sent the hung POST returned; the wait after it was called hung; the
    # click was repeated on the same form (which was never typed again)
    confirms = Counter(e["case"] for e in events if e["event"] == "step"
                       and e.get("target") == "form.confirm")
    assert sorted(confirms.values()) == [1, 1, 2]
    assert confirms[resumed[0]["case"]] == 2


@pytest.mark.timeout(240)
def test_a_hung_confirm_marked_once_starts_its_case_over_and_lands_once(
        registry: Any, robot_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The same hung 確認 POST, the click marked ``once: true`` (as a 次へ that saves a draft
    would be): it is not clicked again on the form it was typed into. The case starts over
    from its first page, typed again; every case is in the registry once with its values."""
    shipped = (ROOT / "bots" / "resident_registration.yaml").read_text("utf-8")
    marked = shipped.replace("  - click: form.confirm\n",
                             "  - click: {target: form.confirm, once: true}\n")
    assert marked.count("once: true") == 1
    bot_file = tmp_path / "bots" / "resident_registration.yaml"
    bot_file.parent.mkdir()
    bot_file.write_text(marked, "utf-8")
    app = registry(freeze_path="/entry/form", freeze_at=4, freeze_requests=1)
    rows = _first_rows(SAMPLE, tmp_path / "three.xlsx", 3)
    outcome, paths = run_sample(app, robot_env, monkeypatch, source=rows, bot_file=bot_file)
    events = [json.loads(line) for line in paths.audit.read_text("utf-8").splitlines()]
    valid = {e["case_id"] for e in EXPECTED["valid"]}
    mine = {r.key for r in outcome.results if r.key in valid}
    assert mine and all(r.status is Status.DONE for r in outcome.results if r.key in mine)
    assert_landed_exactly(app.dump(), mine)
    started = [e for e in events if e["event"] == "case_started"]
    assert all("resumed_at" not in e for e in started)
    again = [e["case"] for e in started if e["attempt"] == 2]
    assert len(again) == 1
    hung = [e for e in events if e["event"] == "step" and e["outcome"] == "error"]
    assert [e["error"].split(":", 1)[0] for e in hung] == ["NoResponse"]
    typed = Counter((e["case"], e["target"]) for e in events
                    if e["event"] == "step" and e["action"] in TYPING and e["case"])
    assert {n for (key, _), n in typed.items() if key == again[0]} == {2}  # typed afresh
    assert {n for (key, _), n in typed.items() if key != again[0]} == {1}
