"""Ingest: a case file streams into one queue batch, all of it or none of it."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import MY_NUMBER, SHIPPED_BOTS, SHIPPED_SELECTORS

from robot_core.errors import CaseDataError
from robot_core.outcome import Status
from robot_core.queue.base import NewItem
from robot_core.queue.payload import Sealer, from_payload
from robot_core.queue.sqlite import SQLiteStore
from robot_core.run.ingest import enqueue_file
from robot_core.script.loader import load_bot
from robot_core.vault import Vault

BOT = load_bot(SHIPPED_BOTS / "resident_registration.yaml", SHIPPED_SELECTORS)
HEADER = ("受付番号,氏名,フリガナ,性別,生年月日,郵便番号,住所,世帯主,電話番号,転入日,個人番号,"
          "国保加入,備考")


def _row(key: str, kana: str = "ヤマダ　タロウ") -> str:
    return (f"{key},山田　太郎,{kana},男,1980/01/02,0481501,北海道虻田郡みらい町栄町1丁目,,"
            f"0142-55-1234,2025/07/01,{MY_NUMBER},○,")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ROBOT_HOME in the test's folder (the queue key is made there), no ROBOT_KEY."""
    monkeypatch.setenv("ROBOT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ROBOT_KEY", raising=False)
    return tmp_path / "home"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """A fresh SQLite queue."""
    made = SQLiteStore(tmp_path / "queue.db")
    yield made
    made.close()


def test_every_row_is_queued_and_bad_rows_carry_their_problems(store: SQLiteStore,
                                                                tmp_path: Path) -> None:
    """Valid and invalid rows alike become pending items; a re-ingest adds nothing."""
    rows = [_row(f"U{i:03}") for i in range(1, 251)] + [_row("U999", kana="yamada")]
    path = tmp_path / "cases.csv"
    path.write_text("\n".join([HEADER, *rows, ""]), encoding="utf-8")
    batch = enqueue_file(store, BOT, path)
    assert (batch.new, batch.duplicates) == (251, 0)
    items = {item.key: item for item in store.items("resident_registration")}
    assert len(items) == 251 and {i.state for i in items.values()} == {Status.PENDING}
    assert items["U001"].payload["problems"] == []
    assert items["U999"].payload["problems"], "the bad reading is kept for the worker"
    again = enqueue_file(store, BOT, path)
    assert (again.new, again.duplicates) == (0, 251)


def test_my_numbers_are_sealed_with_the_homes_key(store: SQLiteStore, tmp_path: Path,
                                                  home: Path) -> None:
    """Ingested rows keep no My Number in the queue file; the key lies 0600 under ROBOT_HOME,
    and a worker's sealer opens each row."""
    path = tmp_path / "cases.csv"
    path.write_text("\n".join([HEADER, *(_row(f"U{i:03}") for i in range(1, 21)), ""]),
                    encoding="utf-8")
    enqueue_file(store, BOT, path)
    db = sqlite3.connect(store.path)
    stored = repr(db.execute("SELECT * FROM items").fetchall())
    db.close()
    assert MY_NUMBER not in stored
    for name in ("queue.db", "queue.db-wal"):
        assert MY_NUMBER.encode() not in (tmp_path / name).read_bytes()
    key_file = home / "keys" / "queue.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() not in stored, "the key never goes into the queue"
    sealer = Sealer.for_bot(BOT, Vault(home))
    item = store.items("resident_registration")[0]
    case = from_payload(item.key, item.row_number, item.payload, sealer)
    assert case.values["my_number"] == MY_NUMBER and case.raw["個人番号"] == MY_NUMBER


def test_a_file_that_breaks_half_way_adds_nothing(store: SQLiteStore, tmp_path: Path) -> None:
    """A batch whose rows fail part-way (an unreadable file) leaves the queue as it was."""
    def rows() -> Iterator[NewItem]:
        for i in range(300):
            if i == 150:
                raise CaseDataError("cases.xlsx: row 154: the file ends mid-row")
            yield NewItem(f"K{i}", i + 4, {"values": {"case_id": f"K{i}"}, "raw": {}})

    store.add_batch("bot", "first.xlsx", "sum", "s", ["h"],
                    [NewItem("K0", 4, {"values": {}, "raw": {}})])
    with pytest.raises(CaseDataError, match="row 154"):
        store.add_batch("bot", "cases.xlsx", "sum2", "s", ["h"], rows())
    assert [i.key for i in store.items("bot")] == ["K0"]
    assert [b.source for b in store.batches("bot")] == ["first.xlsx"]


def test_an_undecodable_file_adds_nothing(store: SQLiteStore, tmp_path: Path) -> None:
    """Good rows followed by bytes that are no text: an error naming the line, nothing queued."""
    path = tmp_path / "cases.csv"
    good = "\n".join([HEADER, *(_row(f"U{i:03}") for i in range(1, 101))]) + "\n"
    path.write_bytes(good.encode("cp932") + b"U101,\x82\xa0\x85\x40\n")
    with pytest.raises(CaseDataError, match=r"cases\.csv: line 102 "):
        enqueue_file(store, BOT, path)
    assert store.items("resident_registration") == []
    assert store.batches("resident_registration") == []
