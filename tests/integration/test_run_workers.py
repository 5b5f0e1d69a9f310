"""``robot run --workers 2``: the file is queued once, two worker processes enter that batch,
and the registry's own database holds each valid case exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.browser
ROBOT = Path(sys.executable).parent / "robot"
CASES = 6


def _export(path: Path) -> Path:
    """The sample's rows above its cases (title, header) and its first ``CASES`` cases."""
    sample = openpyxl.load_workbook(SAMPLE).active
    book = openpyxl.Workbook()
    book.active.title = "受付一覧"
    for row in sample.iter_rows(min_row=1, max_row=3 + CASES, values_only=True):
        book.active.append(row)
    book.save(path)
    return path


def test_run_with_two_workers_queues_once_and_enters_each_case_once(
        registry: Any, robot_env: Path, tmp_path: Path) -> None:
    """One batch, two workers with their own run folders, every case of the file done once
    in the registry, and the parent's results workbook covers the whole batch."""
    app = registry()
    env = {**os.environ, "REGISTRY_URL": app.url}
    ran = subprocess.run([str(ROBOT), "run", "resident_registration", "--input",
                          str(_export(tmp_path / "cases.xlsx")), "--workers", "2"], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.splitlines()[0].startswith(f"batch 1: {CASES} new"), ran.stdout
    assert "with 2 workers" in ran.stdout
    counts = Counter(r["case_id"] for r in app.dump())
    assert len(counts) == CASES and set(counts.values()) == {1}, counts
    runs = sorted((robot_env / "runs").iterdir())
    assert len(runs) == 3  # the parent (queueing, results) and one per worker
    results = [r / "results.xlsx" for r in runs if (r / "results.xlsx").is_file()]
    rows = list(openpyxl.load_workbook(results[0]).worksheets[0].iter_rows(values_only=True))
    assert len(rows) - 1 == CASES
    again = subprocess.run([str(ROBOT), "run", "resident_registration", "--input",
                            str(tmp_path / "cases.xlsx"), "--workers", "2", "--direct"], env=env,
                           cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 3 and "--workers" in again.stderr, again.stdout + again.stderr
