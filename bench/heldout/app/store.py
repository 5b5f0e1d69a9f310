"""The held-out app's SQLite registry of dogs, and the checks its server makes on a value."""

from __future__ import annotations

import re
import sqlite3
import threading
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

from bench.heldout.app.pages import BREED_CODES, COATS, SEXES

SCHEMA = """
CREATE TABLE IF NOT EXISTS dogs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    licence TEXT UNIQUE NOT NULL,
    case_id TEXT NOT NULL,
    owner TEXT NOT NULL, owner_kana TEXT NOT NULL, postal_code TEXT NOT NULL,
    address TEXT NOT NULL, phone TEXT NOT NULL,
    dog_name TEXT NOT NULL, breed TEXT NOT NULL, sex TEXT NOT NULL, birth_date TEXT NOT NULL,
    coat TEXT NOT NULL, neutered INTEGER NOT NULL, rabies_date TEXT NOT NULL
);
"""
KEYS = ("licence", "case_id", "owner", "owner_kana", "postal_code", "address", "phone",
        "dog_name", "breed", "sex", "birth_date", "coat", "neutered", "rabies_date")
_KANA = re.compile(r"^[ァ-ヶー・　]+$")
_LOCK = threading.Lock()


def init(path: Path) -> None:
    """Create the table (WAL, so ``dump`` reads while the server writes)."""
    with closing(sqlite3.connect(path)) as con:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(SCHEMA)


def insert(path: Path, record: dict[str, Any]) -> str:
    """Save ``record``; return its new licence number (R8-000001 ...)."""
    with _LOCK, closing(sqlite3.connect(path)) as con, con:
        (count,) = con.execute("SELECT COUNT(*) FROM dogs").fetchone()
        licence = f"R8-{count + 1:06d}"
        cols = [k for k in KEYS if k != "licence"]
        con.execute(f"INSERT INTO dogs (licence, {', '.join(cols)}) VALUES "
                    f"(?, {', '.join('?' for _ in cols)})", [licence, *(record[k] for k in cols)])
    return licence


def find(path: Path, case_id: str) -> str | None:
    """The licence number saved under 受付番号 ``case_id``, if any."""
    with closing(sqlite3.connect(path)) as con:
        row = con.execute("SELECT licence FROM dogs WHERE case_id = ? ORDER BY id LIMIT 1",
                          (case_id,)).fetchone()
    return row[0] if row else None


def dump(path: Path) -> list[dict[str, Any]]:
    """Every saved record, in order."""
    with closing(sqlite3.connect(path)) as con:
        rows = con.execute(f"SELECT {', '.join(KEYS)} FROM dogs ORDER BY id").fetchall()
    return [dict(zip(KEYS, row, strict=True)) for row in rows]


# -- the server's checks ------------------------------------------------------------------------
def check_owner(form: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Step 1's values as saved, and the red messages for the bad ones."""
    rec = {"case_id": form.get("recept", "").strip(), "owner": form.get("owner", "").strip(),
           "owner_kana": form.get("kana", "").strip(), "postal_code": form.get("zip", "").strip(),
           "address": form.get("addr", "").strip(), "phone": form.get("tel", "").strip()}
    errors = []
    if not re.fullmatch(r"D\d{4}-\d{4}", rec["case_id"]):
        errors.append("受付番号の形式が正しくありません（例: D2026-0001）")
    if not rec["owner"]:
        errors.append("飼い主氏名を入力してください")
    if not _KANA.fullmatch(rec["owner_kana"]):
        errors.append("フリガナは全角カタカナで入力してください")
    if not re.fullmatch(r"\d{3}-\d{4}", rec["postal_code"]):
        errors.append("郵便番号は 123-4567 の形式で入力してください")
    if not rec["address"]:
        errors.append("住所を入力してください")
    if not re.fullmatch(r"0\d{1,4}-\d{1,4}-\d{3,4}", rec["phone"]):
        errors.append("電話番号の形式が正しくありません")
    return rec, errors


def check_pet(form: dict[str, str], today: date) -> tuple[dict[str, Any], list[str]]:
    """Step 2's values as saved, and the red messages for the bad ones."""
    errors = []
    rec: dict[str, Any] = {"dog_name": form.get("dogname", "").strip(),
                           "breed": BREED_CODES.get(form.get("breed", ""), ""),
                           "sex": SEXES.get(form.get("sex", ""), ""),
                           "coat": form.get("coat", ""),
                           "neutered": 1 if form.get("neutered") == "1" else 0}
    if not rec["dog_name"]:
        errors.append("犬の名前を入力してください")
    if not rec["breed"]:
        errors.append("犬種を選択してください")
    if not rec["sex"]:
        errors.append("性別を選択してください")
    if rec["coat"] not in COATS:
        errors.append("毛色を選択してください")
    try:
        born = date(int(form.get("by", "")), int(form.get("bm", "")), int(form.get("bd", "")))
    except ValueError:
        born = None
        errors.append("生年月日が正しくありません")
    try:
        rabies = date.fromisoformat(form.get("rabies", "").strip())
    except ValueError:
        rabies = None
        errors.append("狂犬病予防注射日は YYYY-MM-DD の形式で入力してください")
    if born and born > today:
        errors.append("生年月日が未来の日付です")
    if born and rabies and not born < rabies <= today:
        errors.append("狂犬病予防注射日は生年月日より後、本日以前の日付にしてください")
    rec["birth_date"] = born.isoformat() if born else ""
    rec["rabies_date"] = rabies.isoformat() if rabies else ""
    return rec, errors
