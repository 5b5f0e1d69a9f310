"""The queue as an operator meets it: robot run, a graceful stop, robot work, robot queue …"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from fixtures.legacy_web.process import LegacyWebApp
from robot_core.outcome import Status
from robot_core.queue.sqlite import SQLiteStore
from tests.conftest import EXPECTED, ROOT, SAMPLE
from tests.integration.map_copy import project_with

pytestmark = pytest.mark.browser
ROBOT = Path(sys.executable).parent / "robot"


def _robot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROBOT), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def _items(home: Path) -> list[Any]:
    store = SQLiteStore(home / "queue.db")
    try:
        return store.items("resident_registration")
    finally:
        store.close()


def test_sigterm_finishes_the_case_then_work_resumes(registry: Any, robot_env: Path) -> None:
    """SIGTERM mid-run ends the current case cleanly; ``robot work`` then enters the rest once."""
    app = registry(latency_ms=150)
    env = {**os.environ, "REGISTRY_URL": app.url}
    proc = subprocess.Popen([str(ROBOT), "run", "resident_registration", "--input",
                             str(SAMPLE)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    seen = 0
    while seen < 3:
        line = proc.stdout.readline()
        assert line, "robot run ended before three cases"
        seen += " done " in line
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err  # cases remain: not every case is done
    assert "finishing the current case" in err
    items = _items(robot_env)
    states = Counter(i.state for i in items)
    assert states[Status.IN_PROGRESS] == 0 and states[Status.UNCERTAIN] == 0
    assert states[Status.PENDING] > 0
    done_keys = {i.key for i in items if i.state is Status.DONE}
    assert {r["case_id"] for r in app.dump()} == done_keys
    results = next((robot_env / "runs").glob("*/results.xlsx"))
    sheet = openpyxl.load_workbook(results)["結果"]
    assert sheet.max_row == 51

    # The rest needs no slow server: the same registry database, served without latency.
    app.stop()
    with LegacyWebApp(app.db) as again:
        resumed = _robot("work", "resident_registration", env={**env, "REGISTRY_URL": again.url})
    assert resumed.returncode == 0, resumed.stderr
    records = app.dump()
    assert sorted(r["case_id"] for r in records) == sorted(e["case_id"]
                                                           for e in EXPECTED["valid"])


def test_reingest_retry_cancel_export(registry: Any, robot_env: Path, tmp_path: Path) -> None:
    """Re-running a file adds nothing; cancelled items are not retried (secrets erased), and
    the export shows each as its queue state (cancelled, never pending)."""
    app = registry(fail_rate=1.0)  # the legacy system is down all night
    # One attempt, no backoff: how hard the robot tries a dead system is not this test's
    # business (tests/unit/test_retries.py), only what the queue shows and does afterwards.
    project = project_with(tmp_path, "resident_registration",
                           "retry: {step: 3, case: 5, backoff_s: 0.2, backoff_max_s: 2}",
                           "retry: {step: 1, case: 1, backoff_s: 0, backoff_max_s: 0}")
    env = {**os.environ, "REGISTRY_URL": app.url, "ROBOT_PROJECT": str(project)}
    night = _robot("run", "resident_registration", "--input", str(SAMPLE), "--limit", "2",
                   env=env)
    assert night.returncode in (2, 3), night.stdout + night.stderr
    assert "batch 1: 50 new, 0 already queued" in night.stdout
    again = _robot("run", "resident_registration", "--input", str(SAMPLE), "--limit", "1",
                   env=env)
    assert "batch 2: 0 new, 50 already queued" in again.stdout
    status = _robot("queue", "status", env=env)
    assert status.returncode == 0 and "sample.xlsx" in status.stdout

    listing = _robot("queue", "list", "--state", "pending", env=env)
    assert listing.returncode == 0
    pending = [i for i in _items(robot_env) if i.state is Status.PENDING]
    assert f"{len(pending)} item(s)" in listing.stdout

    cancelled = _robot("queue", "cancel", "--state", "pending", env=env)
    assert cancelled.stdout.strip() == f"{len(pending)} item(s) cancelled"
    # Cancelling erased their My Numbers: retrying them would type blanks, so it is refused.
    refused = _robot("queue", "retry", "--state", "cancelled", env=env)
    assert refused.returncode == 3 and "erased" in refused.stderr, refused.stderr
    assert sum(i.state is Status.CANCELLED for i in _items(robot_env)) == len(pending)

    target = tmp_path / "export.xlsx"
    exported = _robot("queue", "export", "--batch", "1", str(target), env=env)
    assert exported.returncode == 0, exported.stderr
    sheet = openpyxl.load_workbook(target)["結果"]
    header = [c.value for c in sheet[1]]
    status_col = header.index("状態 (status)")
    statuses = [row[status_col].value for row in sheet.iter_rows(min_row=2)]
    assert len(statuses) == 50
    # Each row says what its item is: the cancelled ones cancelled, never "pending".
    assert statuses == [f"{i.state.ja} ({i.state.value})" for i in _items(robot_env)]
    assert sum(s.endswith("(cancelled)") for s in statuses) == len(pending)
    assert not any(s.endswith("(pending)") for s in statuses)
    assert app.dump() == []


def test_corrupt_queue_is_reported_not_overwritten(registry: Any, robot_env: Path) -> None:
    """A damaged queue.db stops robot run with a clear message and leaves the file as it was."""
    app = registry()
    robot_env.mkdir(parents=True, exist_ok=True)
    damaged = robot_env / "queue.db"
    damaged.write_bytes(b"\x00garbage" * 512)
    before = damaged.read_bytes()
    env = {**os.environ, "REGISTRY_URL": app.url}
    done = _robot("run", "resident_registration", "--input", str(SAMPLE), env=env)
    assert done.returncode == 2  # a queue that cannot be used is system trouble (errors.py)
    assert "damaged" in done.stderr and str(damaged) in done.stderr.replace("\n", "")
    assert damaged.read_bytes() == before
    assert app.dump() == []
