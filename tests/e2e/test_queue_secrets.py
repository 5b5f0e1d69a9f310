"""Sealed secrets as an operator meets them: a wrong key, a retry of an erased case."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from robot_core.intake import CaseRow
from robot_core.outcome import CaseResult, Status
from robot_core.queue.base import NewItem
from robot_core.queue.payload import Sealer, to_payload
from robot_core.queue.sqlite import SQLiteStore
from robot_core.script.loader import load_bot
from robot_core.vault import Vault, new_key, parse_key

REPO = Path(__file__).resolve().parents[2]
ROBOT = REPO / ".venv" / "bin" / "robot"
BOT = load_bot(REPO / "bots" / "resident_registration.yaml", REPO / "selectors")
MY_NUMBER = "735658332945"


def _queue(home: Path, key: str, keys: list[str]) -> SQLiteStore:
    sealer = Sealer.for_bot(BOT, Vault(home, parse_key(key, "test")), ["受付番号", "個人番号"])
    cases = [CaseRow(4 + i, k, {"case_id": k, "my_number": MY_NUMBER},
                     {"受付番号": k, "個人番号": MY_NUMBER}) for i, k in enumerate(keys)]
    store = SQLiteStore(home / "queue.db")
    store.add_batch(BOT.name, "cases.xlsx", "sum", "受付一覧", ["受付番号", "個人番号"],
                    [NewItem(c.key, c.row_number, to_payload(c, sealer, c.key)) for c in cases])
    return store


def _robot(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "ROBOT_HOME": str(home), "ROBOT_PROJECT": str(REPO),
            "REGISTRY_URL": "http://127.0.0.1:9", "REGISTRY_USER": "clerk",
            "REGISTRY_PASSWORD": "clerk-pass", **env}
    return subprocess.run([str(ROBOT), *args], env=full, cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)


def test_work_with_another_key_stops_clearly_and_types_nothing(tmp_path: Path) -> None:
    """``robot work`` on a queue sealed with another key: one line naming ROBOT_KEY, exit 3,
    no traceback, and the item is left pending for a machine with the right key."""
    home = tmp_path / "home"
    _queue(home, new_key(), ["U1"]).close()
    ran = _robot(home, "work", "resident_registration", ROBOT_KEY=new_key())
    assert ran.returncode == 3, ran.stdout + ran.stderr
    assert "the queue was written with another key" in ran.stderr
    assert "Traceback" not in ran.stdout + ran.stderr
    store = SQLiteStore(home / "queue.db")
    assert [i.state for i in store.items()] == [Status.PENDING]
    store.close()


def test_retry_of_an_erased_case_is_refused(tmp_path: Path) -> None:
    """``robot queue retry`` of a done case whose My Number was erased: exit 3, one line,
    and the item stays done; a failed case beside it is retried."""
    home = tmp_path / "home"
    key = new_key()
    store = _queue(home, key, ["D", "F"])
    done = store.claim(BOT.name, "w:1:a", 30)
    failed = store.claim(BOT.name, "w:1:a", 30)
    assert done is not None and failed is not None
    store.complete(done.id, "w:1:a", CaseResult(done.key, done.row_number, Status.DONE))
    store.complete(failed.id, "w:1:a", CaseResult(failed.key, failed.row_number,
                                                  Status.FAILED))
    store.close()
    refused = _robot(home, "queue", "retry", str(done.id), ROBOT_KEY=key)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert f"not retried: item(s) {done.id} finished" in refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    retried = _robot(home, "queue", "retry", "--state", "failed", ROBOT_KEY=key)
    assert retried.returncode == 0 and "1 item(s) back to pending" in retried.stdout
    store = SQLiteStore(home / "queue.db")
    assert {i.key: i.state for i in store.items()} == {"D": Status.DONE, "F": Status.PENDING}
    store.close()
