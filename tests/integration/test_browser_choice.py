"""Which Chromium a run launched is in its audit trail, and the full browser run headless
only because the headless shell is missing says so (``drivers/chromium_pick``): the shipped
bot, the real fixture registry, a real Chromium."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from robot_core.drivers import chromium_pick
from robot_core.drivers.chromium_pick import DEBIAN_CHROMIUM, DEBIAN_HEADLESS_SHELL
from robot_core.outcome import Status
from tests.conftest import SAMPLE
from tests.integration.test_web_slice import _first_rows, run_sample

pytestmark = pytest.mark.browser


def _started(registry: Any, home: Path, monkeypatch: pytest.MonkeyPatch,
             rows: Path) -> list[dict[str, Any]]:
    """The session_started lines of a one-case run, which must have gone through."""
    app = registry()
    outcome, paths = run_sample(app, home, monkeypatch, source=rows)
    assert [r.status for r in outcome.results] == [Status.DONE] and len(app.dump()) == 1
    events = [json.loads(line) for line in paths.audit.read_text("utf-8").splitlines()]
    return [e for e in events if e["event"] == "session_started"]


@pytest.mark.timeout(180)
def test_the_run_names_its_browser_and_the_missing_headless_shell(
        registry: Any, robot_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With the shell installed the audit trail names it and notes nothing; with its path
    made one that does not exist, the case still lands (in the full browser) and the one
    session_started line says what to install."""
    monkeypatch.delenv("ROBOT_CHROMIUM", raising=False)
    rows = _first_rows(SAMPLE, tmp_path / "one.xlsx", 1)
    [shell] = _started(registry, robot_env, monkeypatch, rows)
    assert shell["browser"] == DEBIAN_HEADLESS_SHELL and "browser_note" not in shell
    monkeypatch.setattr(chromium_pick, "DEBIAN_HEADLESS_SHELL", str(tmp_path / "no-shell"))
    [full] = _started(registry, tmp_path / "home2", monkeypatch, rows)
    assert full["browser"] == DEBIAN_CHROMIUM
    assert "apt-get install chromium-headless-shell" in full["browser_note"]
