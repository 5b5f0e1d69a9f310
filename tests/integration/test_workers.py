"""``robot work --workers 2`` on the fixture registry: real processes, browsers and queue."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from fixtures.cases.generate import generate
from robot_core.outcome import Status
from robot_core.queue.sqlite import SQLiteStore
from robot_core.run.ingest import enqueue_file
from robot_core.script.loader import load_bot
from robot_core.vault import Vault
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
ROBOT = Path(sys.executable).parent / "robot"
BOT = "resident_registration"


def _project(tmp_path: Path, app_line: str) -> Path:
    """A copy of the shipped project whose registry map's ``app:`` section starts with
    ``app_line`` (then the shipped name and settings)."""
    project = tmp_path / "project"
    for part in ("bots", "selectors", "blocks"):
        shutil.copytree(ROOT / part, project / part)
    selectors = project / "selectors" / "registry_web.yaml"
    text = selectors.read_text("utf-8")
    shipped = "app:\n  name: registry_web\n"
    assert shipped in text, "the shipped map's app: section moved"
    selectors.write_text(text.replace(shipped, app_line + "\n  name: registry_web\n"), "utf-8")
    return project


def _queue(home: Path, project: Path, tmp_path: Path, count: int) -> None:
    cases = tmp_path / "cases.xlsx"
    generate(count, 7, cases)
    bot = load_bot(project / "bots" / f"{BOT}.yaml", project / "selectors")
    store = SQLiteStore(home / "queue.db")
    try:
        enqueue_file(store, bot, cases, vault=Vault(home))
    finally:
        store.close()


def _states(home: Path) -> tuple[Counter[Status], set[str]]:
    store = SQLiteStore(home / "queue.db")
    try:
        items = store.items(BOT)
    finally:
        store.close()
    return Counter(i.state for i in items), {i.key for i in items if i.state is Status.DONE}


def test_two_workers_enter_each_case_once_one_session_at_a_time(
        registry: Any, robot_env: Path, tmp_path: Path) -> None:
    """Two workers with ``max_sessions: 1``: every case lands in the registry exactly once,
    and the registry never sees two sessions in use at the same time."""
    app = registry()
    project = _project(tmp_path, "app:\n  max_sessions: 1")
    robot_env.mkdir(parents=True, exist_ok=True)
    _queue(robot_env, project, tmp_path, 8)
    env = {**os.environ, "REGISTRY_URL": app.url, "ROBOT_PROJECT": str(project)}
    ran = subprocess.run([str(ROBOT), "work", BOT, "--workers", "2"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert "with 2 workers" in ran.stdout
    landed = Counter(r["case_id"] for r in app.dump())
    states, done = _states(robot_env)
    assert len(landed) == 8 and set(landed.values()) == {1}
    assert set(landed) == done and states[Status.DONE] == 8
    assert app.peak_sessions() == 1
    assert len(list((robot_env / "runs").iterdir())) == 2  # one run (and audit trail) each


def test_sigterm_stops_both_workers_at_a_case_boundary(
        registry: Any, robot_env: Path, tmp_path: Path) -> None:
    """SIGTERM to the parent: both workers (in use side by side) finish their case and stop;
    nothing is left half-entered, and what the registry holds is exactly what is done."""
    app = registry(latency_ms=150)
    project = _project(tmp_path, "app:")
    robot_env.mkdir(parents=True, exist_ok=True)
    _queue(robot_env, project, tmp_path, 30)
    env = {**os.environ, "REGISTRY_URL": app.url, "ROBOT_PROJECT": str(project)}
    proc = subprocess.Popen([str(ROBOT), "work", BOT, "--workers", "2"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    seen = 0
    while seen < 3:
        line = proc.stdout.readline()
        assert line, "robot work ended before three cases"
        seen += " done" in line
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert err.count("finishing the current case") == 2  # each worker heard it once
    states, done = _states(robot_env)
    assert states[Status.IN_PROGRESS] == 0 and states[Status.UNCERTAIN] == 0
    assert states[Status.PENDING] > 0
    assert {r["case_id"] for r in app.dump()} == done
    assert app.peak_sessions() == 2
