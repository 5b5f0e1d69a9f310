"""Large case files and exports as staff meet them: stoppable in every phase, flat in memory.

Each test runs the ``robot`` console script and sends its signal at a moment it can see from
outside: the case file open (reading), ``queue.db`` there too (queueing), the unnamed rows
file of the results workbook open (exporting).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.intake_bench import HEADERS, cases, write
from robot_core.intake import CaseRow
from robot_core.queue.base import NewItem
from robot_core.queue.payload import to_payload
from robot_core.queue.sqlite import SQLiteStore

REPO = Path(__file__).resolve().parents[2]
ROBOT = REPO / ".venv" / "bin" / "robot"
BOT = "resident_registration"
BIG = 100_000


def env_for(home: Path) -> dict[str, str]:
    """A robot environment that never reaches a browser in the phases tested here."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROBOT_", "REGISTRY_"))}
    env.update(ROBOT_HOME=str(home), ROBOT_PROJECT=str(REPO), REGISTRY_URL="http://127.0.0.1:9",
               REGISTRY_USER="clerk", REGISTRY_PASSWORD="clerk-pass", NO_COLOR="1",
               COLUMNS="200")
    return env


def open_files(pid: int) -> list[str]:
    """What the process has open (its /proc fd links)."""
    links = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            links.append(os.readlink(fd))
        except OSError:
            continue
    return links


def wait_for(process: subprocess.Popen[str], ready: Callable[[], bool], seconds: float = 180,
             ) -> None:
    """Poll until ``ready``; fail if the process ends first."""
    deadline = time.monotonic() + seconds
    while not ready():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "never reached the phase"
        time.sleep(0.05)


def stop(process: subprocess.Popen[str], signum: int) -> tuple[float, str]:
    """Send ``signum``; how long the process took to end, and its stderr."""
    sent = time.monotonic()
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    return time.monotonic() - sent, err


def counts(db: Path) -> tuple[int, int]:
    """(batches, items) in the queue database, read with sqlite3 alone; (0, 0) for a file
    whose schema was never written (a stop while the store was being created)."""
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not {"batches", "items"} <= tables:
            return 0, 0
        return (conn.execute("SELECT count(*) FROM batches").fetchone()[0],
                conn.execute("SELECT count(*) FROM items").fetchone()[0])


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid 40,000-row CSV export: long enough to be caught reading or queueing."""
    return write(tmp_path_factory.mktemp("big"), "csv utf-8", 40_000)


@pytest.fixture(scope="module")
def big_queue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ROBOT_HOME whose queue holds one batch of 100,000 cases (batch 1)."""
    home = tmp_path_factory.mktemp("queue") / "home"
    store = SQLiteStore(home / "queue.db")

    def items() -> Iterator[NewItem]:
        for row_number, row in enumerate(cases(BIG), start=2):
            raw = dict(zip(HEADERS, row, strict=True))
            yield NewItem(raw["受付番号"], row_number,
                          to_payload(CaseRow(row_number, raw["受付番号"], {}, raw)))

    try:
        store.add_batch(BOT, str(home / "cases.csv"), "0" * 64, "", HEADERS, items())
    finally:
        store.close()
    return home


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_reading_stops_at_once_with_nothing_queued(
        big_csv: Path, tmp_path: Path, signum: int, code: int) -> None:
    """Reading the case file (read once, straight into the batch), a first signal ends the
    run within 2 s: no traceback, nothing queued."""
    home = tmp_path / "home"
    process = subprocess.Popen([str(ROBOT), "run", BOT, "--input", str(big_csv)], cwd=REPO,
                               env=env_for(home), text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    wait_for(process, lambda: str(big_csv) in open_files(process.pid))
    time.sleep(0.3)
    took, err = stop(process, signum)
    assert process.returncode == code, err
    assert took < 2, took
    assert "Traceback" not in err
    assert f"stopped ({signal.Signals(signum).name})" in err
    db = home / "queue.db"
    assert not db.exists() or counts(db) == (0, 0)


def test_a_signal_while_queueing_rolls_the_batch_back(big_csv: Path, tmp_path: Path) -> None:
    """Queueing, a first SIGTERM ends the run within 2 s with nothing half-queued."""
    home = tmp_path / "home"
    process = subprocess.Popen([str(ROBOT), "run", BOT, "--input", str(big_csv)], cwd=REPO,
                               env=env_for(home), text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    db = home / "queue.db"
    wait_for(process, lambda: db.exists() and str(big_csv) in open_files(process.pid))
    time.sleep(0.5)
    took, err = stop(process, signal.SIGTERM)
    assert process.returncode == 143, err
    assert took < 2, took
    assert "Traceback" not in err
    assert counts(db) == (0, 0)


def _exporting(process: subprocess.Popen[str], folder: Path) -> Callable[[], bool]:
    """True once the export's unnamed rows file (in ``folder``) is open."""
    return lambda: any(link.startswith(str(folder)) and link.endswith("(deleted)")
                       for link in open_files(process.pid))


def test_a_signal_while_exporting_keeps_the_old_workbook(big_queue: Path,
                                                         tmp_path: Path) -> None:
    """A long export is dropped within 2 s of SIGTERM: the old workbook stays, no temp file."""
    target = tmp_path / "out" / "results.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"the workbook of yesterday")
    process = subprocess.Popen([str(ROBOT), "queue", "export", "--batch", "1", str(target)],
                               cwd=REPO, env=env_for(big_queue), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(process, _exporting(process, target.parent))
    time.sleep(0.3)
    took, err = stop(process, signal.SIGTERM)
    assert process.returncode == 143, err
    assert took < 2.5, took  # one second of grace for a short export, then it stops
    assert "Traceback" not in err
    assert target.read_bytes() == b"the workbook of yesterday"
    assert [p.name for p in target.parent.iterdir()] == ["results.xlsx"]
    assert counts(big_queue / "queue.db") == (1, BIG)


PEAK = """
import atexit, sys
from pathlib import Path

def peak() -> None:
    status = Path("/proc/self/status").read_text().splitlines()
    kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print(f"peak_kb {kb}", file=sys.stderr)

atexit.register(peak)
from robot_core.cli import main
main()
"""


def test_a_100k_export_is_written_whole_in_flat_memory(big_queue: Path, tmp_path: Path) -> None:
    """``robot queue export`` of 100,000 cases peaks under 250 MB and writes every row."""
    target = tmp_path / "results.xlsx"
    done = subprocess.run([sys.executable, "-c", PEAK, "queue", "export", "--batch", "1",
                           str(target)], cwd=REPO, env=env_for(big_queue), text=True,
                          capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr
    peak_mb = int(done.stderr.split("peak_kb ")[1].split()[0]) / 1024
    assert peak_mb < 250, peak_mb
    with zipfile.ZipFile(target) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        rows, carry = 0, b""
        while chunk := sheet.read(1 << 20):
            data = carry + chunk
            rows += data.count(b"<row ")
            carry = data[-4:]  # too short to hold a whole "<row ": nothing counted twice
        assert book.testzip() is None
    assert rows == BIG + 1
    assert [p.name for p in tmp_path.iterdir()] == ["results.xlsx"]
