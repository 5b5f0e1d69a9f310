"""``robot prune`` as an operator uses it: old runs lose their pictures, never their evidence."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from robot_core.queue.sqlite import SQLiteStore

from test_audit_verify import REPO, ROBOT, env_for, write_run

OLD = "20240101-010000-demo-0001"
NEW_STAMP = time.strftime("%Y%m%d-%H%M%S")


def robot(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The console script, as a user runs it."""
    return subprocess.run([str(ROBOT), *args], cwd=REPO, env=env_for(home),
                          capture_output=True, text=True, timeout=60)


def old_run(home: Path, run_id: str, outside: Path) -> int:
    """A run as one leaves it (trail, results, screenshots, a trace, the report), with a
    symlink to a file outside ROBOT_HOME among its screenshots; the bytes prune may free."""
    audit = write_run(home, run_id)
    folder = audit.parent
    (folder / "results.xlsx").write_bytes(b"r" * 300)
    shots = folder / "screenshots"
    shots.mkdir(exist_ok=True)
    (shots / "U1-a1-BusinessError.png").write_bytes(b"p" * 1000)
    (shots / "U2-a1-SystemError.png").write_bytes(b"p" * 2000)
    (shots / "link.png").symlink_to(outside)
    (folder / "traces").mkdir()
    (folder / "traces" / "trace.zip").write_bytes(b"t" * 500)
    (folder / "report.html").write_bytes(b"h" * 700)
    old = time.time() - 3600
    os.utime(audit, (old, old))  # the run ended an hour ago: no longer being written
    return 1000 + 2000 + 500 + 700


def test_prune_removes_pictures_and_keeps_the_evidence(tmp_path: Path) -> None:
    """A dry run removes nothing; then old runs lose screenshots, traces and the report
    (counts and bytes said), keep trail, results and a summary, still verify intact; a new
    run and whatever a symlink points at are untouched."""
    home = tmp_path / "home"
    outside = tmp_path / "precious.png"
    outside.write_bytes(b"keep me")
    freed = old_run(home, OLD, outside)
    write_run(home, f"{NEW_STAMP}-demo-0002")
    (home / "runs" / f"{NEW_STAMP}-demo-0002" / "report.html").write_text("new")
    (home / "runs" / "20240101-020000-elsewhere").symlink_to(tmp_path, target_is_directory=True)

    dry = robot(home, "prune", "--older-than", "90d", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"would remove 5 file(s), 4.1 KB ({freed} bytes), from 1 run(s)" in dry.stdout
    assert (home / "runs" / OLD / "report.html").exists()

    done = robot(home, "prune", "--older-than", "90d")
    assert done.returncode == 0, done.stderr
    assert f"removed 5 file(s), 4.1 KB ({freed} bytes), from 1 run(s)" in done.stdout
    assert "skipped 20240101-020000-elsewhere: not a run folder" in done.stdout
    folder = home / "runs" / OLD
    assert sorted(p.name for p in folder.iterdir()) == \
        ["audit.jsonl", "results.xlsx", "summary.json"]
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["run_finished"]["done"] == 8 and summary["pruned"]["files"] == 5
    assert outside.read_bytes() == b"keep me"
    assert (tmp_path / "precious.png").exists() and (tmp_path / "home").is_dir()
    assert (home / "runs" / f"{NEW_STAMP}-demo-0002" / "report.html").exists()
    store = SQLiteStore(home / "queue.db")
    try:
        assert store.audit_anchor(OLD) is not None
    finally:
        store.close()
    verified = robot(home, "audit", "verify", OLD)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout


def test_prune_refuses_a_runs_folder_that_points_elsewhere(tmp_path: Path) -> None:
    """ROBOT_HOME/runs as a symlink is refused (exit 3, one line); nothing it points at goes."""
    home = tmp_path / "home"
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / OLD / "screenshots").mkdir(parents=True)
    (elsewhere / OLD / "screenshots" / "a.png").write_bytes(b"x")
    home.mkdir()
    (home / "runs").symlink_to(elsewhere, target_is_directory=True)
    done = robot(home, "prune", "--older-than", "1d")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "is a symlink; refusing" in done.stderr
    assert (elsewhere / OLD / "screenshots" / "a.png").exists()
    bad = robot(home, "prune", "--older-than", "soon")
    assert bad.returncode == 3 and "90d, 12w or 36h" in bad.stderr
