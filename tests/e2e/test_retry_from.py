"""``robot queue retry --from FILE`` as staff meet it: a file of corrected rows."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from robot_core.outcome import CaseResult, Status
from robot_core.queue.sqlite import SQLiteStore
from robot_core.run.ingest import enqueue_file
from robot_core.script.loader import load_bot
from robot_core.vault import Vault, new_key, parse_key

REPO = Path(__file__).resolve().parents[2]
ROBOT = REPO / ".venv" / "bin" / "robot"
BOT = load_bot(REPO / "bots" / "resident_registration.yaml", REPO / "selectors")
HEADER = ("受付番号,氏名,フリガナ,性別,生年月日,郵便番号,住所,世帯主,電話番号,転入日,個人番号,"
          "国保加入,備考")


def _file(path: Path, kanas: dict[str, str]) -> Path:
    rows = [f"{key},山田　太郎,{kana},男,1980/01/02,0481501,北海道虻田郡みらい町栄町1丁目,,"
            f"0142-55-1234,2025/07/01,735658332945,○," for key, kana in kanas.items()]
    path.write_text("\n".join([HEADER, *rows, ""]), encoding="utf-8")
    return path


def test_retry_from_corrects_retries_and_reports_conflicts(tmp_path: Path) -> None:
    """Of a corrected file: the business failure takes its fixed row, the unchanged system
    failure is retried, the changed done case is a conflict, and nothing else moves."""
    home, key = tmp_path / "home", new_key()
    store = SQLiteStore(home / "queue.db")
    kanas = {"U1": "yamada", "U2": "ヤマダ　タロウ", "U3": "ヤマダ　タロウ"}
    enqueue_file(store, BOT, _file(tmp_path / "a.csv", kanas),
                 vault=Vault(home, parse_key(key, "test")))
    for status in (Status.BUSINESS_FAILED, Status.FAILED, Status.DONE):
        item = store.claim(BOT.name, "w:1:a", 30)
        assert item is not None
        store.complete(item.id, "w:1:a", CaseResult(item.key, item.row_number, status))
    store.close()
    fixed = _file(tmp_path / "b.csv", {"U1": "ヤマダ　タロウ", "U2": "ヤマダ　タロウ",
                                       "U3": "ヤマモト　タロウ"})
    env = {**os.environ, "ROBOT_HOME": str(home), "ROBOT_PROJECT": str(REPO), "ROBOT_KEY": key}
    ran = subprocess.run([str(ROBOT), "queue", "retry", "--from", str(fixed), "--bot",
                          BOT.name], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=120, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ("batch 2: 0 new, 1 corrected, 1 conflict, 1 already queued "
            "(1 conflict: row 4 done, not entered again)") in ran.stdout
    assert "1 unchanged system failure(s) back to pending" in ran.stdout
    store = SQLiteStore(home / "queue.db")
    items = {i.key: i for i in store.items()}
    store.close()
    assert {k: i.state for k, i in items.items()} == {
        "U1": Status.PENDING, "U2": Status.PENDING, "U3": Status.DONE}
    assert items["U1"].payload["problems"] == [] and items["U1"].batch == 2
    audit = next((home / "runs").glob("*/audit.jsonl")).read_text(encoding="utf-8")
    assert '"case_corrected"' in audit and '"case_conflict"' in audit
    assert "735658332945" not in audit and "ヤマモト" not in audit
