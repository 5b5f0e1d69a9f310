"""The nightly daemon as it runs at night: real daemon processes, the fixture registry, Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import psutil
import pytest

from robot_core.outcome import Status
from robot_core.queue.sqlite import SQLiteStore
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
ROBOT = Path(sys.executable).parent / "robot"
TOKYO = ZoneInfo("Asia/Tokyo")
FIRST_DATA_ROW = 4  # the generator's title row, blank row, header row come first


# --- helpers ------------------------------------------------------------------------------

def _generate(tmp_path: Path, count: int) -> tuple[Path, list[str]]:
    """A service-desk export of ``count`` valid cases, and their case ids in row order."""
    out, expected = tmp_path / "all.xlsx", tmp_path / "all.json"
    subprocess.run([sys.executable, "-m", "fixtures.cases.generate", "--count", str(count),
                    "--seed", "41", "--invalid", "0", "--out", str(out), "--expected",
                    str(expected)], check=True, cwd=ROOT, capture_output=True)
    return out, [c["case_id"] for c in json.loads(expected.read_text("utf-8"))["valid"]]


def _slice(source: Path, keep: range, target: Path) -> bytes:
    """Write the export with only data rows ``keep`` (0-based); return the bytes."""
    book = openpyxl.load_workbook(source)
    sheet = book.worksheets[0]
    rows = sheet.max_row - FIRST_DATA_ROW + 1
    for index in reversed(range(rows)):
        if index not in keep:
            sheet.delete_rows(FIRST_DATA_ROW + index)
    book.save(target)
    return target.read_bytes()


def _project(tmp_path: Path, schedules: dict[str, str]) -> Path:
    """A project folder: the repo's bots and selectors, and the given schedules."""
    project = tmp_path / "project"
    (project / "schedules").mkdir(parents=True)
    for folder in ("bots", "selectors", "blocks"):
        (project / folder).symlink_to(ROOT / folder)
    for name, text in schedules.items():
        (project / "schedules" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return project


def _env(app: Any, project: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "REGISTRY_URL": app.url, "ROBOT_PROJECT": str(project), **extra}


@pytest.fixture
def daemons() -> Iterator[Callable[[dict[str, str], Path], subprocess.Popen[bytes]]]:
    """Start ``robot daemon`` in its own process group, as systemd would; none outlive the test."""
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str], out: Path) -> subprocess.Popen[bytes]:
        with out.open("ab") as stream:
            proc = subprocess.Popen([str(ROBOT), "daemon", "--poll", "1"], env=env, cwd=ROOT,
                                    stdout=stream, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            _kill_everything(proc)


def _kill_everything(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the daemon, its workers and their browsers at once: a power cut, nearly."""
    family = [proc.pid, *(c.pid for c in psutil.Process(proc.pid).children(recursive=True))]
    os.killpg(proc.pid, signal.SIGKILL)
    for pid in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _wait_for(check: Callable[[], bool], timeout: float, what: str, out: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    log = out.read_text("utf-8", errors="replace")[-4000:] if out.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{log}")


def _items(home: Path) -> list[Any]:
    store = SQLiteStore(home / "queue.db")
    try:
        return store.items("resident_registration")
    finally:
        store.close()


def _ledger(home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "jobs.db") as db:
        return db.execute("SELECT name, state FROM robot_inbox_files ORDER BY id").fetchall()


class SlowCopy(threading.Thread):
    """Copies bytes to a file in small pieces over a few seconds, like a slow network share."""

    def __init__(self, data: bytes, target: Path, pieces: int = 12) -> None:
        super().__init__(daemon=True)
        self.data, self.target, self.pieces = data, target, pieces
        self.finished_at: datetime | None = None

    def run(self) -> None:
        step = len(self.data) // self.pieces + 1
        with self.target.open("wb") as out:
            for at in range(0, len(self.data), step):
                out.write(self.data[at:at + step])
                out.flush()
                time.sleep(0.5)  # the pace of the copy itself, not a wait for the daemon
        self.finished_at = datetime.now(UTC)


# --- the night ----------------------------------------------------------------------------

NIGHTLY = """\
bot: resident_registration
interval: {{seconds: 3}}
inbox: registration/*.xlsx
workers: 2
settle_s: 1.5
notify: {{command: [{python}, {script}]}}
"""
NOTIFY_SCRIPT = """\
import os
with open(os.environ["NOTE_FILE"], "a") as notes:
    notes.write(f"{os.environ['ROBOT_FILE']} {os.environ['ROBOT_DONE']}\\n")
"""


def test_daemon_takes_the_inbox_survives_kill_and_sigterm_and_delivers(
        registry: Any, robot_env: Path, tmp_path: Path,
        daemons: Callable[[dict[str, str], Path], subprocess.Popen[bytes]]) -> None:
    """Two exports, a duplicate, a damaged file and one still copying; kill -9 and SIGTERM
    mid-batch; in the end every case is entered once and each export has its results."""
    app = registry()
    source, keys = _generate(tmp_path, 13)
    inbox = robot_env / "inbox" / "registration"
    inbox.mkdir(parents=True)
    good1 = _slice(source, range(0, 5), inbox / "morning.xlsx")
    good2 = _slice(source, range(5, 10), inbox / "afternoon.xlsx")
    late = _slice(source, range(10, 13), tmp_path / "late.xlsx")
    (inbox / "morning_copy.xlsx").write_bytes(good1)  # staff dropped it twice
    later = time.time() + 1
    os.utime(inbox / "morning_copy.xlsx", (later, later))
    (inbox / "broken.xlsx").write_bytes(good2[: len(good2) * 2 // 3])  # a truncated zip
    copying = SlowCopy(late, inbox / "late.xlsx")
    copying.start()
    notes, script = tmp_path / "notified.txt", tmp_path / "notify.py"
    script.write_text(NOTIFY_SCRIPT, encoding="utf-8")
    project = _project(tmp_path, {"nightly": NIGHTLY.format(python=sys.executable,
                                                            script=script)})
    env = _env(app, project, NOTE_FILE=str(notes))
    out = tmp_path / "daemon.out"

    daemon = daemons(env, out)
    _wait_for(lambda: len(app.dump()) >= 3, 120, "three cases entered", out)
    _kill_everything(daemon)

    daemon = daemons(env, out)
    _wait_for(lambda: len(app.dump()) >= 7, 120, "seven cases entered", out)
    daemon.send_signal(signal.SIGTERM)  # only the main process: systemd's KillMode=mixed
    assert daemon.wait(timeout=120) == 0
    stopped = Counter(i.state for i in _items(robot_env))
    assert stopped[Status.IN_PROGRESS] == 0 and stopped[Status.UNCERTAIN] == 0, stopped
    assert Counter(r["case_id"] for r in app.dump()).most_common(1)[0][1] == 1
    copying.join(timeout=30)

    daemon = daemons(env, out)
    outbox = robot_env / "outbox"
    wanted = {"morning_results.xlsx", "afternoon_results.xlsx", "late_results.xlsx"}
    _wait_for(lambda: wanted <= {p.name for p in outbox.glob("*.xlsx")}, 180,
              "three results workbooks", out)
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=60) == 0

    entered = Counter(r["case_id"] for r in app.dump())
    assert sorted(entered) == sorted(keys) and set(entered.values()) == {1}
    assert all(i.state is Status.DONE for i in _items(robot_env))
    _check_outbox(robot_env / "outbox", {"morning": 5, "afternoon": 5, "late": 3})
    _check_archive_and_rejected(robot_env, {"morning.xlsx": good1, "afternoon.xlsx": good2,
                                            "late.xlsx": late, "morning_copy.xlsx": good1})
    assert sorted(_ledger(robot_env)) == sorted([
        ("morning.xlsx", "delivered"), ("afternoon.xlsx", "delivered"),
        ("late.xlsx", "delivered"), ("morning_copy.xlsx", "duplicate"),
        ("broken.xlsx", "rejected")])
    assert sorted(notes.read_text("utf-8").splitlines()) == \
        ["afternoon.xlsx 5", "late.xlsx 3", "morning.xlsx 5"]
    log = [json.loads(line) for line in (robot_env / "daemon.log").read_text("utf-8").splitlines()]
    assert any(e["event"] == "next_fire" for e in log)
    assert sum(e["event"] == "batch_summary" for e in log) == 3
    taken_late = next(e["ts"] for e in log if e["event"] == "intake_queued"
                      and e["file"] == "late.xlsx")
    assert copying.finished_at is not None
    assert datetime.fromisoformat(taken_late) > copying.finished_at  # not while copying


def _check_outbox(outbox: Path, cases: dict[str, int]) -> None:
    """One <name>_results.xlsx per export, every row done."""
    assert {p.name for p in outbox.iterdir()} == {f"{n}_results.xlsx" for n in cases}
    for name, count in cases.items():
        sheet = openpyxl.load_workbook(outbox / f"{name}_results.xlsx")["結果"]
        header = [c.value for c in sheet[1]]
        status = [row[header.index("状態 (status)")].value for row in sheet.iter_rows(min_row=2)]
        assert len(status) == count and all(s.endswith("(done)") for s in status), status


def _check_archive_and_rejected(home: Path, archived: dict[str, bytes]) -> None:
    """Taken files are archived byte for byte; the damaged one is rejected with its reason."""
    found = {p.name: p for p in (home / "archive").rglob("*") if p.is_file()}
    for name, data in archived.items():
        assert found[name].read_bytes() == data, name
    assert "morning.xlsx" in found["morning_copy.xlsx.duplicate.txt"].read_text("utf-8")
    rejected = home / "inbox" / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == ["broken.xlsx", "broken.xlsx.error.txt"]
    reason = (rejected / "broken.xlsx.error.txt").read_text("utf-8")
    assert "not a complete Excel workbook" in reason and "壊れている" in reason
    assert list((home / "inbox" / "registration").iterdir()) == []


# --- the window ---------------------------------------------------------------------------

WINDOWED = """\
bot: resident_registration
cron: "0 22 * * *"
inbox: "*.xlsx"
window: {{start: "{start}", end: "{end}"}}
settle_s: 1
"""


def test_window_end_stops_taking_cases_and_leaves_the_rest_pending(
        registry: Any, robot_env: Path, tmp_path: Path) -> None:
    """A run whose window shuts mid-batch finishes the case in hand; the rest stay pending."""
    # A slow legacy system (0.4 s a page) makes 30 cases outlast the 20 s window on any
    # machine: on a fast one, a quick registry finished the batch before the window shut.
    app = registry(latency_ms=400)
    source, _ = _generate(tmp_path, 30)
    (robot_env / "inbox").mkdir(parents=True)
    shutil.copy(source, robot_env / "inbox" / "today.xlsx")
    now = datetime.now(TOKYO)
    end = now + timedelta(seconds=20)
    project = _project(tmp_path, {"tonight": WINDOWED.format(
        start=(now - timedelta(hours=1)).strftime("%H:%M:%S"), end=end.strftime("%H:%M:%S"))})

    run = subprocess.run([str(ROBOT), "schedule", "run", "tonight"], env=_env(app, project),
                         cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert datetime.now(TOKYO) < end + timedelta(seconds=60)  # stopped near the window's end
    states = Counter(i.state for i in _items(robot_env))
    assert states[Status.DONE] >= 1 and states[Status.PENDING] >= 1, states
    assert states[Status.IN_PROGRESS] == states[Status.UNCERTAIN] == 0, states
    done = {i.key for i in _items(robot_env) if i.state is Status.DONE}
    assert sorted(r["case_id"] for r in app.dump()) == sorted(done)
    assert list((robot_env / "outbox").iterdir()) == []  # not finished: no results yet
    assert f"cases waiting {states[Status.PENDING]}" in run.stdout


# --- intake without a browser -------------------------------------------------------------

DAYTIME = """\
bot: resident_registration
cron: "0 22 * * *"
inbox: "*.xlsx"
settle_s: 1
"""


def test_bad_files_are_rejected_with_reasons_and_good_ones_queued(
        robot_env: Path, tmp_path: Path) -> None:
    """Wrong columns, not a workbook, an empty file: each rejected with a reason; the good one
    is queued (no registry is set up, so nothing is entered)."""
    source, keys = _generate(tmp_path, 3)
    inbox = robot_env / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(source, inbox / "good.xlsx")
    wrong = openpyxl.Workbook()
    wrong.active.append(["番号", "名前", "メモ"])
    wrong.active.append(["1", "山田", "x"])
    wrong.save(inbox / "columns.xlsx")
    (inbox / "notes.xlsx").write_text("this is a text file, not a workbook", encoding="utf-8")
    (inbox / "empty.xlsx").write_bytes(b"")
    (inbox / "~$other.xlsx").write_bytes(b"Excel's lock file")  # never touched
    project = _project(tmp_path, {"day": DAYTIME})
    env = {k: v for k, v in os.environ.items() if k != "REGISTRY_URL"}
    env["ROBOT_PROJECT"] = str(project)

    run = subprocess.run([str(ROBOT), "schedule", "run", "day"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "taken 1 · duplicates 0 · rejected 3" in run.stdout
    assert sorted(i.key for i in _items(robot_env)) == sorted(keys)
    rejected = inbox / "rejected"
    reasons = {p.name: p.read_text("utf-8") for p in rejected.glob("*.error.txt")}
    assert "the columns the robot needs are not there" in reasons["columns.xlsx.error.txt"].lower()
    assert "見出し" in reasons["columns.xlsx.error.txt"]
    assert "not a complete Excel workbook" in reasons["notes.xlsx.error.txt"]
    assert "The file is empty" in reasons["empty.xlsx.error.txt"]
    assert sorted(p.name for p in inbox.iterdir()) == ["rejected", "~$other.xlsx"]

    listing = subprocess.run([str(ROBOT), "schedule", "list"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=60, check=False)
    assert listing.returncode == 0 and "day" in listing.stdout and "22:00:00 JST" in listing.stdout


# --- reloading ----------------------------------------------------------------------------

def test_daemon_reloads_on_file_change_and_sighup(
        robot_env: Path, tmp_path: Path,
        daemons: Callable[[dict[str, str], Path], subprocess.Popen[bytes]]) -> None:
    """An edited schedule is rescheduled within seconds, a broken edit keeps the last valid
    version, SIGHUP reloads, and every load logs the next fire time."""
    project = _project(tmp_path, {"evening": DAYTIME})
    env = {**os.environ, "ROBOT_PROJECT": str(project)}
    out = tmp_path / "daemon.out"
    log = robot_env / "daemon.log"

    def logged(event: str, **fields: Any) -> Callable[[], bool]:
        def check() -> bool:
            lines = log.read_text("utf-8").splitlines() if log.exists() else []
            return any(e["event"] == event and all(e.get(k) == v for k, v in fields.items())
                       for e in map(json.loads, lines))
        return check

    daemon = daemons(env, out)
    _wait_for(logged("next_fire", schedule="evening"), 60, "the first next_fire", out)
    schedule = project / "schedules" / "evening.yaml"
    schedule.write_text(DAYTIME.replace("0 22", "30 21"), encoding="utf-8")
    _wait_for(logged("schedule_changed", schedule="evening"), 30, "the edit noticed", out)
    schedule.write_text(DAYTIME.replace("0 22", "0 99"), encoding="utf-8")
    _wait_for(logged("schedule_invalid", kept_last_valid=True), 30, "the broken edit", out)
    daemon.send_signal(signal.SIGHUP)
    _wait_for(logged("schedules_loaded", why="SIGHUP"), 30, "the SIGHUP reload", out)
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=30) == 0
    fires = [e["at"] for e in map(json.loads, log.read_text("utf-8").splitlines())
             if e["event"] == "next_fire"]
    assert fires[0].endswith("T22:00:00+09:00") and fires[-1].endswith("T21:30:00+09:00")
