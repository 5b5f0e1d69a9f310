"""Corrections from staff, on a real Chromium and the registry's own database.

A row with a wrong フリガナ fails at intake and is named when the file is queued; the same
export with that row fixed corrects it, and it lands once. A case that is done and comes
back changed is a conflict: it is reported, and the registry's record stays as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.browser
ROBOT = Path(sys.executable).parent / "robot"
KANA = 2  # フリガナ, the third column of the export


def _export(path: Path, edit: dict[tuple[int, int], str]) -> Path:
    """The sample's header and first two cases, with cells (case index, column) changed."""
    sample = openpyxl.load_workbook(SAMPLE).active
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "受付一覧"
    rows = list(sample.iter_rows(min_row=3, max_row=5, values_only=True))
    for n, row in enumerate(rows):
        sheet.append([edit.get((n - 1, c), v) for c, v in enumerate(row)])
    book.save(path)
    return path


def _run(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROBOT), "run", "resident_registration", "--input", str(path)],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)


def test_a_fixed_row_lands_once_and_a_changed_done_case_is_a_conflict(
        registry: Any, robot_env: Path, tmp_path: Path) -> None:
    """File 1: row 3's フリガナ is wrong (named at queue time, nothing typed for it). File 2
    fixes it: corrected, typed once. File 3 renames a done case: a conflict, not typed."""
    app = registry()
    env = {**os.environ, "REGISTRY_URL": app.url}
    first = _run(_export(tmp_path / "a.xlsx", {(1, KANA): "kimura masaru"}), env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "batch 1: 2 new, 0 already queued (1 will fail: row 3 フリガナ)" in first.stdout
    assert "kimura" not in first.stdout.splitlines()[0], "the summary names no value"
    assert [r["case_id"] for r in app.dump()] == ["U2025-0001"]

    second = _run(_export(tmp_path / "b.xlsx", {}), env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "batch 2: 0 new, 1 corrected, 1 already queued" in second.stdout
    records = app.dump()
    assert [r["case_id"] for r in records] == ["U2025-0001", "U2025-0002"]
    assert records[1]["name_kana"] == "キムラ\u3000マサル"

    third = _run(_export(tmp_path / "c.xlsx", {(0, 1): "伊藤\u3000次郎"}), env)
    assert "1 conflict: row 2 done, not entered again" in third.stdout, third.stdout
    assert app.dump() == records, "the registry holds what it held"
    status = subprocess.run([str(ROBOT), "queue", "status"], env={**env, "COLUMNS": "250"},
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    (line,) = [ln for ln in status.stdout.splitlines() if "c.xlsx" in ln]
    assert line.strip().strip("│").split("│")[-1].strip() == "1", status.stdout
    results = sorted((robot_env / "runs").glob("*/results.xlsx"))[-1]
    rows = list(openpyxl.load_workbook(results)["結果"].iter_rows(values_only=True))
    at = rows[0].index("状態 (status)")
    assert rows[1][at].startswith("相違・未入力 (conflict)") and "(done)" in rows[2][at]
    assert rows[1][1] == "伊藤\u3000一郎", "the conflict row shows what was entered"
