"""``robot run`` says at queue time which rows will fail, by row and column, for an .xlsx and
a .csv export alike, through the real CLI; the fixture registry gets only the good row."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser
ROBOT = Path(sys.executable).parent / "robot"
HEADER = ("受付番号", "氏名", "フリガナ", "性別", "生年月日", "郵便番号", "住所", "世帯主",
          "電話番号", "転入日", "個人番号", "国保加入", "備考")
GOOD_KANA, GOOD_NUMBER = "ヤマダ　タロウ", "735658332945"
#: row 2 is good; row 3's フリガナ and row 4's 個人番号 (bad check digit) fail at intake
ROWS = [("U1", GOOD_KANA, GOOD_NUMBER), ("U2", "yamada taro", GOOD_NUMBER),
        ("U3", GOOD_KANA, "735658332946")]
SUMMARY = "batch 1: 3 new, 0 already queued (2 will fail: row 3 フリガナ, row 4 個人番号)"


def _rows() -> list[tuple[str, ...]]:
    address = "北海道虻田郡みらい町栄町1丁目"
    return [(key, "山田　太郎", kana, "男", "1980/01/02", "0481501", address, "",
             "0142-55-1234", "2025/07/01", number, "○", "") for key, kana, number in ROWS]


def _export(path: Path) -> Path:
    if path.suffix == ".csv":
        lines = [",".join(HEADER), *(",".join(row) for row in _rows())]
        path.write_text("\n".join([*lines, ""]), encoding="utf-8")
        return path
    book = openpyxl.Workbook()
    for row in [HEADER, *_rows()]:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_robot_run_names_the_rows_that_will_fail_when_it_queues(
        suffix: str, registry: Any, robot_env: Path, tmp_path: Path) -> None:
    """The summary printed once the file is queued names row 3 フリガナ and row 4 個人番号
    (no value of theirs), before any case is typed; only row 2 lands in the registry."""
    app = registry()
    env = {**os.environ, "REGISTRY_URL": app.url}
    ran = subprocess.run([str(ROBOT), "run", "resident_registration", "--input",
                          str(_export(tmp_path / f"export{suffix}"))], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=False)
    assert ran.returncode == 1, ran.stdout + ran.stderr  # business failures
    lines = ran.stdout.splitlines()
    assert lines[0] == SUMMARY, ran.stdout
    assert "yamada" not in lines[0], "the summary names no value"
    assert "735658332946" not in ran.stdout, "nor anywhere a 個人番号"
    assert [r["case_id"] for r in app.dump()] == ["U1"]
