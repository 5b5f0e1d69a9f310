"""Hung answers cost the application's pace, not a step's timeout (the shipped bot and map,
the real fixture, a real Chromium)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from robot_core.outcome import Status
from tests.conftest import EXPECTED, SAMPLE
from tests.integration.test_web_slice import FIELDS, _first_rows, run_sample

pytestmark = pytest.mark.browser
STEP_TIMEOUT_MS = 8000  # bots/resident_registration.yaml timeouts.step_ms


@pytest.mark.timeout(240)
def test_a_hang_is_no_response_long_before_the_step_timeout_and_lands_once(
        registry: Any, robot_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Answers held for 30 s are called NoResponse (and recovered from) well inside the 8 s
    step timeout, and every valid case is in the registry once, with its values."""
    app = registry(hang_rate=0.2, hang_seconds=30, seed=3)
    rows = _first_rows(SAMPLE, tmp_path / "six.xlsx", 6)
    outcome, paths = run_sample(app, robot_env, monkeypatch, source=rows)
    events = [json.loads(line) for line in paths.audit.read_text("utf-8").splitlines()]
    hung = [e for e in events if e["event"] == "step" and e["outcome"] == "error"
            and str(e.get("error", "")).startswith("NoResponse")]
    assert hung, "the seeded hangs should have hit at least one step"
    # 2.5 s (the map's response_timeout_ms) and a slice: generous for a loaded machine.
    assert max(e["duration_ms"] for e in hung) < STEP_TIMEOUT_MS - 2000
    assert Counter(e["cause"] for e in events if e["event"] == "recover")["NoResponse"] > 0
    valid = {e["case_id"]: e for e in EXPECTED["valid"]}
    mine = {r.key for r in outcome.results if r.key in valid}
    assert mine and all(r.status is Status.DONE for r in outcome.results if r.key in mine)
    records = app.dump()
    assert sorted(r["case_id"] for r in records) == sorted(mine)
    for record in records:
        assert {f: record[f] for f in FIELDS} == {f: valid[record["case_id"]][f]
                                                  for f in FIELDS}
