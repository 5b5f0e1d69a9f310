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
# (crash point, which occurrence): mid-form, right after Save, after the completion page
# but before the queue heard of it, and while verifying an uncertain item.
KILLS = [
    ("step:steps[3] fill", 2), ("step:steps[22] wait_for", 3), ("before_complete", 4),
    ("step:steps[10] fill", 5), ("step:steps[22] wait_for", 1), ("before_complete", 1),
    ("step:steps[24] extract", 6), ("step:verify[2] click", 1), ("step:steps[17] click", 3),
    ("before_complete", 7), ("step:steps[23] business_error_if", 2), ("step:steps[0] goto", 4),
]


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
    """Twelve SIGKILLs at different points of a 100-case batch; restarts finish it exactly once."""
    app = registry()
    source, expected = _cases(tmp_path, 100)
    env = {**os.environ, "REGISTRY_URL": app.url, "ROBOT_LEASE_S": "30"}
    first, at = KILLS[0]
    codes = [_robot(["run", "resident_registration", "--input", str(source)], env,
                    f"{first}@{at}")]
    codes += [_robot(["work", "resident_registration"], env, f"{point}@{n}")
              for point, n in KILLS[1:]]
    assert codes.count(-signal.SIGKILL) >= 10, codes
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
    assert len(items) == 100
    assert all(i.state is Status.DONE for i in items), Counter(i.state for i in items)
    assert {i.outputs["registration_number"] for i in items} == {r["reg_no"] for r in records}
    assert any(i.was_uncertain for i in items), "some kill should have left an uncertain item"
