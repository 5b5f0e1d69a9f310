"""Every command takes its exit code from the one table in errors.py, so commands agree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROBOT = REPO / ".venv" / "bin" / "robot"
SAMPLE = REPO / "fixtures" / "cases" / "sample.xlsx"


def robot(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``robot ARGS`` on ``home``, with a legacy system address nothing answers at."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROBOT_", "REGISTRY_"))}
    env.update(ROBOT_HOME=str(home), ROBOT_PROJECT=str(REPO), REGISTRY_URL="http://127.0.0.1:9",
               REGISTRY_USER="clerk", REGISTRY_PASSWORD="clerk-pass", COLUMNS="250",
               NO_COLOR="1")
    return subprocess.run([str(ROBOT), *args], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=120, check=False)


def test_a_damaged_queue_is_exit_2_for_every_command(tmp_path: Path) -> None:
    """``robot run``, ``robot work`` and ``robot queue status`` all exit 2 on a damaged queue
    (``run`` used to say 3, ``queue status`` 2), each with one line and the file intact."""
    home = tmp_path / "home"
    home.mkdir()
    damaged = home / "queue.db"
    damaged.write_bytes(b"\x00garbage" * 512)
    before = damaged.read_bytes()
    ran = {
        "run": robot("run", "resident_registration", "--input", str(SAMPLE), home=home),
        "work": robot("work", "resident_registration", home=home),
        "status": robot("queue", "status", home=home),
    }
    for name, done in ran.items():
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        assert done.stderr.startswith("error: ") and "damaged" in done.stderr, (name, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr, name
    assert damaged.read_bytes() == before
    assert not (home / "logs").exists()  # a named error, not a crash: no report


def test_exporting_a_batch_that_is_not_there_is_invalid_input(tmp_path: Path) -> None:
    """``robot queue export --batch 99`` on a healthy, empty queue names the batch and exits 3."""
    home = tmp_path / "home"
    done = robot("queue", "export", "--batch", "99", str(tmp_path / "out.xlsx"), home=home)
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip() == "error: no batch 99"
    assert not (tmp_path / "out.xlsx").exists()


def test_headed_without_a_display_queues_nothing(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``robot run --headed`` with no DISPLAY is exit 3 with its one line before the case file
    is queued: no case is left pending for a later ``robot work`` to type."""
    home = tmp_path / "home"
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    done = robot("run", "resident_registration", "--input", str(SAMPLE), "--headed",
                 "--case", "U2025-0001", home=home)
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stderr.startswith("error: --headed needs a display")
    assert "batch" not in done.stdout  # nothing was queued
    status = robot("queue", "list", home=home)
    assert "U2025-0001" not in status.stdout, status.stdout
