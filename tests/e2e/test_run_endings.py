"""Whatever ends a ``robot run``, the console tells the outcome: the table, the counts, and
where the report, the results workbook and the evidence are.

Each test runs the console script against the real fixture registry (or one that was
started and stopped, so its address refuses connections) and ends the run as staff meet
it: every case done, business failures, the system down, Ctrl-C, SIGTERM twice.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from fixtures.cases.generate import generate
from robot_core.queue.sqlite import SQLiteStore
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
ROBOT = ROOT / ".venv" / "bin" / "robot"
BOT = "resident_registration"


def env_with(url: str) -> dict[str, str]:
    """The run's environment (robot_env's home and credentials), the registry at ``url``."""
    return {**os.environ, "REGISTRY_URL": url, "NO_COLOR": "1", "COLUMNS": "200"}


def run(source: Path, url: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``robot run`` to its end, in ``home``."""
    return subprocess.run([str(ROBOT), "run", BOT, "--input", str(source)], cwd=ROOT,
                          env={**env_with(url), "ROBOT_HOME": str(home)}, capture_output=True,
                          text=True, timeout=300)


def told(out: str, home: Path) -> dict[str, str]:
    """The counts line and the three paths the console printed; each path checked to be
    this run's (the evidence folder exists and holds the audit trail)."""
    found = dict(re.findall(r"^(report|results|evidence): +(.+)$", out, re.M))
    assert set(found) == {"report", "results", "evidence"}, out
    evidence = Path(found["evidence"])
    assert evidence.parent == home / "runs" and (evidence / "audit.jsonl").is_file()
    counts = re.search(r"^done: \d+ · .*$", out, re.M)
    assert counts is not None, out
    found["counts"] = counts.group(0)
    return found


def counted(paths: dict[str, str]) -> dict[str, int]:
    """The counts line as {status: n}, the statuses with none left out."""
    pairs = (part.split(": ") for part in paths["counts"].split(" · "))
    return {status: int(n) for status, n in pairs if int(n)}


def queued(home: Path) -> Counter[str]:
    """Items per state, read from the queue database."""
    store = SQLiteStore(home / "queue.db")
    try:
        return Counter(i.state.value for i in store.items(BOT))
    finally:
        store.close()


def test_all_done_and_business_failures_tell_the_outcome(registry: Any, robot_env: Path,
                                                         tmp_path: Path) -> None:
    """Every case done: exit 0; some rows invalid: exit 1; both print the table (a row per
    case), the counts as the queue has them, and the report, results and evidence paths."""
    app = registry()
    clean = tmp_path / "clean.xlsx"
    generate(2, 31, clean)
    done = run(clean, app.url, robot_env)
    assert done.returncode == 0, done.stdout + done.stderr
    paths = told(done.stdout, robot_env)
    assert counted(paths) == {"done": 2}, paths
    assert Path(paths["report"]).is_file() and Path(paths["results"]).is_file()
    assert len(app.dump()) == 2

    mixed, other = tmp_path / "mixed.xlsx", tmp_path / "other-home"  # the same case keys
    generate(3, 32, mixed, invalid=1)
    failed = run(mixed, registry().url, other)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    paths = told(failed.stdout, other)
    assert counted(paths) == {"done": 2, "business_failed": 1}, paths
    assert re.search(r"│ \S+ +│ business_failed │", failed.stdout), failed.stdout  # its row
    assert queued(other) == Counter({"done": 2, "business_failed": 1})


def test_the_system_down_at_start_still_tells_the_outcome(registry: Any, robot_env: Path,
                                                         tmp_path: Path) -> None:
    """The registry down (its address refuses): exit 2, the reason on stderr, and the table
    of cases left pending, the counts, the report, results and evidence; nothing is left
    in progress in the queue."""
    app = registry()
    url = app.url
    app.stop()
    source = tmp_path / "cases.xlsx"
    generate(3, 33, source)
    done = run(source, url, robot_env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "the application could not be started" in done.stderr
    assert "ERR_CONNECTION_REFUSED" in done.stderr
    paths = told(done.stdout, robot_env)
    assert counted(paths) == {"pending": 3}, paths
    assert Path(paths["report"]).is_file() and Path(paths["results"]).is_file()
    assert queued(robot_env) == Counter({"pending": 3})
    assert "Traceback" not in done.stderr


def _started(source: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(ROBOT), "run", BOT, "--input", str(source)], cwd=ROOT,
                            env=env_with(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _wait_for_a_done_case(proc: subprocess.Popen[str]) -> str:
    """What the run printed up to its first case done."""
    assert proc.stdout is not None
    seen = ""
    while " done " not in seen:
        line = proc.stdout.readline()
        assert line, f"robot run ended before a case was done: {seen}"
        seen += line
    return seen


def test_ctrl_c_finishes_the_case_then_tells_the_outcome(registry: Any, robot_env: Path,
                                                         tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) mid-run: the case in hand is finished, then the table, counts and
    paths are printed; exit 2 (cases remain), and the queue agrees with the counts."""
    app = registry(latency_ms=150)
    source = tmp_path / "cases.xlsx"
    generate(6, 34, source)
    proc = _started(source, app.url)
    before = _wait_for_a_done_case(proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "stopped (SIGINT) after the case in hand" in err
    paths = told(before + out, robot_env)
    states = queued(robot_env)
    assert counted(paths) == {k: v for k, v in states.items() if v}, paths
    assert states["pending"] > 0 and len(app.dump()) == states["done"]
    assert Path(paths["results"]).is_file()


def test_sigterm_twice_stops_at_once_and_still_tells(registry: Any, robot_env: Path,
                                                     tmp_path: Path) -> None:
    """Two SIGTERMs mid-case stop at once (exit 143): the console still prints the table,
    the counts as the queue has them and the three paths (results said not written, with
    the command that writes them)."""
    app = registry(latency_ms=400)
    source = tmp_path / "cases.xlsx"
    generate(6, 35, source)
    proc = _started(source, app.url)
    before = _wait_for_a_done_case(proc)
    # Into the next case (its steps take seconds at 400 ms a request): a first signal at the
    # very end of a case lets the run end before the second, which then meets an exiting
    # interpreter (default handler, -15) instead of the robot.
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)  # two signals at once arrive as one
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, out + err
    assert "stopped (SIGTERM)" in err and "Traceback" not in err
    paths = told(before + out, robot_env)
    states = queued(robot_env)
    assert counted(paths) == {k: v for k, v in states.items() if v}, paths
    assert "robot queue export --batch 1" in paths["results"] or \
        Path(paths["results"]).is_file()
