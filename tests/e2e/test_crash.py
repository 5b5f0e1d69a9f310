"""No traceback from the ``robot`` command, whatever breaks: one line, a report, a code."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROBOT = REPO / ".venv" / "bin" / "robot"
PASSWORD = "hunter2-not-in-any-report"
LINE = re.compile(r"^error: (\w+): (.*) \(full report: (/\S+/crash-\d{8}-\d{6}-\d+\.txt)\)$")


def robot(*args: str, home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """``robot ARGS`` with ``home`` as ROBOT_HOME and a password in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROBOT_", "REGISTRY_"))}
    env.update(ROBOT_HOME=str(home), ROBOT_PROJECT=str(REPO), REGISTRY_PASSWORD=PASSWORD,
               COLUMNS="250", NO_COLOR="1", **extra)
    return subprocess.run([str(ROBOT), *args], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=60, check=False)


PYTHON = REPO / ".venv" / "bin" / "python"
# The console script, with the queue opener replaced by one that fails as no one expects: a
# bug, which is what the handler is for (every real input now has an error of its own).
BUGGY = f"""
import sys
import robot_core.cli.queue as commands
def broken(*_args, **_kwargs):
    raise ZeroDivisionError("a bug near {PASSWORD}")
commands.open_store = broken
from robot_core.cli import main
sys.argv = ["robot", *sys.argv[1:]]
main()
"""


def buggy_robot(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``robot ARGS`` whose queue opener raises an unexpected exception."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROBOT_", "REGISTRY_"))}
    env.update(ROBOT_HOME=str(home), ROBOT_PROJECT=str(REPO), REGISTRY_PASSWORD=PASSWORD,
               COLUMNS="250", NO_COLOR="1")
    return subprocess.run([str(PYTHON), "-c", BUGGY, *args], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=60, check=False)


def test_unexpected_error_is_one_line_exit_2_and_a_private_report(tmp_path: Path) -> None:
    """A bug in ``robot queue status``: one line, exit 2, a private report with no secret."""
    home = tmp_path / "home"
    done = buggy_robot("queue", "status", home=home)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    found = LINE.match(lines[0])
    assert found, lines[0]
    assert found.group(1) == "ZeroDivisionError"
    report = Path(found.group(3))
    assert report.parent == home / "logs"
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert stat.S_IMODE(report.parent.stat().st_mode) == 0o700
    text = report.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "ZeroDivisionError" in text and "in broken" in text
    assert PASSWORD not in text + done.stderr
    assert "***" in text


def test_a_robot_home_that_is_a_file_still_gets_a_report(tmp_path: Path) -> None:
    """When ROBOT_HOME itself is a file, the report goes to a private temporary folder."""
    home = tmp_path / "home"
    home.write_text("not a folder")
    done = buggy_robot("queue", "list", home=home)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    found = LINE.match(done.stderr.strip())
    assert found, done.stderr
    report = Path(found.group(3))
    assert report.is_file() and "Traceback" in report.read_text(encoding="utf-8")
    assert stat.S_IMODE(report.parent.stat().st_mode) == 0o700
    report.unlink()


def test_a_queue_path_under_a_file_is_one_named_line(tmp_path: Path) -> None:
    """ROBOT_DB under a plain file: the queue's own error, exit 2, no report, no secret."""
    blocker = tmp_path / PASSWORD
    blocker.write_text("not a folder")
    home = tmp_path / "home"
    done = robot("queue", "status", home=home, ROBOT_DB=str(blocker / "queue.db"))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and "queue database" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (home / "logs").exists()


def test_damaged_queue_is_one_line_without_a_report(tmp_path: Path) -> None:
    """A queue.db that is not a database: a named error, exit 2, no traceback, no report."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "queue.db").write_bytes(b"\x00garbage" * 512)
    done = robot("queue", "status", home=home)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and "damaged" in done.stderr
    assert not (home / "logs").exists()


def test_files_the_command_creates_are_private(tmp_path: Path) -> None:
    """The umask makes queue.db 0600 and ROBOT_HOME 0700 whatever the caller's umask."""
    home = tmp_path / "home"
    done = robot("queue", "status", home=home)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "queue.db").stat().st_mode) == 0o600


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """Output into a pipe nobody reads ends the command quietly (exit 1), no traceback."""
    env = {**os.environ, "ROBOT_HOME": str(tmp_path / "home"), "ROBOT_PROJECT": str(REPO)}
    process = subprocess.Popen([str(ROBOT), "validate"], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before it writes its first line
    with process.stderr:
        stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1, stderr
    assert stderr == ""
