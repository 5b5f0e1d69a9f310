"""After a real ``robot run``: no My Number and no password at rest, every file private."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import EXPECTED, ROOT, SAMPLE
from tests.integration.sample_cover import covering_rows, write_rows

pytestmark = pytest.mark.browser
ROBOT = Path(sys.executable).parent / "robot"
PASSWORD = "clerk-pass"  # REGISTRY_PASSWORD of the robot_env fixture


def _sample_my_numbers() -> set[str]:
    """Every 個人番号 of the sample as typed in the workbook, and as digits only."""
    book = openpyxl.load_workbook(SAMPLE, read_only=True)
    rows = list(book["受付一覧"].iter_rows(values_only=True))
    book.close()
    header = next(r for r in rows if r and r[0] == "受付番号")
    column = header.index("個人番号")
    found: set[str] = {e["my_number"] for e in EXPECTED["valid"]}
    for row in rows[rows.index(header) + 1:]:
        if column < len(row) and row[column] not in (None, ""):
            text = str(row[column])
            found.add(text)
            digits = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())
            if len(digits) >= 8:
                found.add(digits)
    assert len(found) >= 50
    return found


def _contents(path: Path) -> Iterator[tuple[str, bytes]]:
    """The bytes of a file, and of each member if it is a zip (a workbook is one)."""
    data = path.read_bytes()
    yield str(path), data
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                yield f"{path}!{member}", archive.read(member)


def _database_text(path: Path) -> str:
    """Every value of every table of a SQLite file, read with sqlite3."""
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(repr(row) for t in tables for row in db.execute(f'SELECT * FROM "{t}"'))
    finally:
        db.close()


def _leaks(home: Path, console: str, secrets: set[str]) -> list[str]:
    leaks = [f"console: {s}" for s in secrets if s in console]
    queue_text = _database_text(home / "queue.db")
    leaks += [f"queue.db (sqlite3): {s}" for s in secrets if s in queue_text]
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        for where, data in _contents(path):
            leaks += [f"{where}: {s}" for s in secrets if s.encode("utf-8") in data]
    return leaks


def _loose_modes(home: Path) -> list[str]:
    loose = []
    for path in [home, *home.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if not path.is_symlink() and mode != want:
            loose.append(f"{path.relative_to(home.parent)}: {mode:04o}")
    return loose


def test_a_run_leaves_no_secret_at_rest_and_only_private_files(registry: Any,
                                                                 robot_env: Path,
                                                                 tmp_path: Path) -> None:
    """The sample's edge-case rows (tests/integration/sample_cover.py: every kind of value,
    leading-zero and invalid My Numbers included) through ``robot run``: no My Number or
    password in queue.db (tables, file, and its WAL while the run writes it), in any file
    under ROBOT_HOME (workbook members too) or on the console; files 0600, folders 0700;
    finished items' sealed secrets erased."""
    app = registry()
    keys = covering_rows()
    valid = [e for e in EXPECTED["valid"] if e["case_id"] in keys]
    source = write_rows(keys, tmp_path / "edge_cases.xlsx")  # outside ROBOT_HOME
    env = {**os.environ, "REGISTRY_URL": app.url}
    proc = subprocess.Popen([str(ROBOT), "run", "resident_registration", "--input",
                             str(source)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = [proc.stdout.readline()]
    while " done " not in first[-1]:  # the batch is queued and a case entered: WAL in use
        assert first[-1], "robot run ended before a case was done"
        first.append(proc.stdout.readline())
    wal = robot_env / "queue.db-wal"
    mid_run = {name: (robot_env / name).read_bytes() for name in ("queue.db", wal.name)}
    wal_mode = stat.S_IMODE(wal.stat().st_mode)
    out, err = proc.communicate(timeout=900)
    console = "".join(first) + out + err
    assert proc.returncode == 1, console  # the sample's 4 bad rows are business failures
    assert len(app.dump()) == len(valid), "the run really entered the cases"
    assert (robot_env / "keys" / "queue.key").exists(), "the key that sealed the queue"
    assert wal_mode == 0o600 and len(mid_run[wal.name]) > 0

    secrets = _sample_my_numbers() | {PASSWORD}
    assert [f"{name} mid-run: {s}" for name, data in mid_run.items() for s in secrets
            if s.encode("utf-8") in data] == []
    assert _leaks(robot_env, console, secrets) == []
    assert _loose_modes(robot_env) == []

    db = sqlite3.connect(robot_env / "queue.db")
    payloads = [json.loads(p) for (p,) in db.execute("SELECT payload FROM items")]
    db.close()
    assert len(payloads) == len(keys)
    assert all(p.get("sealed", None) is None for p in payloads), "finished items keep nothing"
    assert sum("sealed" in p for p in payloads) >= len(valid), "rows with a My Number had it sealed"
