"""Kill -9 the worker again and again; after restarts every case is in the registry exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from robot_core.outcome import Status
from robot_core.queue.sqlite import SQLiteStore
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
ROBOT = Path(sys.executable).parent / "robot"
# (crash point, which occurrence): one kill in each state a case can be in when its worker
# dies, in an order where each restart meets the item the last kill left behind (a dead
# worker's item is taken back as uncertain, so every restart verifies first):
KILLS = [
    ("step:steps[3] fill", 2),         # mid-form: nothing saved yet
    ("step:steps[22] wait_for", 2),    # right after the saving click, its answer not yet seen
    ("step:verify[2] click", 1),       # while verifying the item the last kill left
    ("before_complete", 3),            # the completion page seen, the queue not yet told
    ("step:steps[0] goto", 2),         # an item taken, its form not yet opened
    ("step:steps[17] click", 2),       # the form filled, the confirming click not yet made
    ("step:steps[24] extract", 2),     # saved and answered, the number not yet read
    ("before_complete", 1),            # a verified (found) item, before the queue is told
]
CASES = 20


def _cases(tmp_path: Path, count: int) -> tuple[Path, dict[str, Any]]:
    out, expected = tmp_path / "cases.xlsx", tmp_path / "cases.json"
    subprocess.run([sys.executable, "-m", "fixtures.cases.generate", "--count", str(count),
                    "--seed", "31", "--invalid", "0", "--out", str(out), "--expected",
                    str(expected)], check=True, cwd=ROOT, capture_output=True)
    return out, json.loads(expected.read_text("utf-8"))


def _robot(args: list[str], env: dict[str, str], crash: str | None) -> int:
    run_env = dict(env)
    if crash:
        run_env["ROBOT_CRASH_AT"] = crash
    done = subprocess.run([str(ROBOT), *args], env=run_env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode in (0, -signal.SIGKILL), done.stderr[-3000:]
    return done.returncode


def test_kill_nine_at_many_points_loses_and_doubles_nothing(registry: Any, robot_env: Path,
                                                            tmp_path: Path) -> None:
    """A SIGKILL in each state a case can be in (eight runs of a 20-case batch killed, each
    restart verifying the item its predecessor left); the last restart finishes it exactly once."""
    app = registry()
    source, expected = _cases(tmp_path, CASES)
    env = {**os.environ, "REGISTRY_URL": app.url, "ROBOT_LEASE_S": "30"}
    first, at = KILLS[0]
    codes = [_robot(["run", "resident_registration", "--input", str(source)], env,
                    f"{first}@{at}")]
    codes += [_robot(["work", "resident_registration"], env, f"{point}@{n}")
              for point, n in KILLS[1:]]
    assert codes == [-signal.SIGKILL] * len(KILLS), codes
    final = _robot(["work", "resident_registration"], env, None)
    assert final == 0
    records = app.dump()
    counts = Counter(r["case_id"] for r in records)
    assert [k for k, n in counts.items() if n > 1] == []
    assert set(counts) == {e["case_id"] for e in expected["valid"]}
    by_case = {r["case_id"]: r for r in records}
    for want in expected["valid"]:
        got = by_case[want["case_id"]]
        assert (got["name"], got["my_number"], got["birth_date"]) == \
            (want["name"], want["my_number"], want["birth_date"])
    store = SQLiteStore(robot_env / "queue.db")
    items = store.items("resident_registration")
    store.close()
    assert len(items) == CASES
    assert all(i.state is Status.DONE for i in items), Counter(i.state for i in items)
    assert {i.outputs["registration_number"] for i in items} == {r["reg_no"] for r in records}
    assert any(i.was_uncertain for i in items), "some kill should have left an uncertain item"
