"""Seeded dog registrations: the CSV export every contender reads, and what must land.

``cases(n, seed, folder)`` writes ``dogs-N-sS.csv`` (the service desk's export, Japanese
headers, dates as ``2019/04/05``, 不妊去勢 as 済 or blank) and returns the records the app's
``dump`` must then hold (less the licence number it assigns), in file order.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.heldout.app.pages import BREEDS, COATS

HEADERS = {"case_id": "受付番号", "owner": "飼い主氏名", "owner_kana": "フリガナ",
           "postal_code": "郵便番号", "address": "住所", "phone": "電話番号",
           "dog_name": "犬の名前", "breed": "犬種", "sex": "性別", "birth_date": "生年月日",
           "coat": "毛色", "neutered": "不妊去勢", "rabies_date": "狂犬病予防注射日"}
FAMILY = (("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
          ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
          ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"))
GIVEN = (("太郎", "タロウ"), ("花子", "ハナコ"), ("健一", "ケンイチ"), ("美咲", "ミサキ"),
         ("翔太", "ショウタ"), ("陽子", "ヨウコ"), ("大輔", "ダイスケ"), ("恵", "メグミ"))
DOGS = ("ポチ", "ハチ", "コロ", "モモ", "サクラ", "ソラ", "ココ", "マロン", "チョコ", "レオ")
TOWNS = ("本町", "栄町", "緑が丘", "旭町", "若葉台", "松原")


@dataclass(frozen=True)
class Cases:
    """The export and the records it must become."""

    csv: Path
    expected: list[dict[str, Any]]


def _record(rng: random.Random, number: int) -> dict[str, Any]:
    (fam, fam_k), (giv, giv_k) = rng.choice(FAMILY), rng.choice(GIVEN)
    born = date(2008, 1, 1) + timedelta(days=rng.randrange(16 * 365))
    rabies = max(born + timedelta(days=91), date(2025, 4, 1)) + timedelta(days=rng.randrange(200))
    return {"case_id": f"D2026-{number:04d}", "owner": f"{fam}　{giv}",
            "owner_kana": f"{fam_k}　{giv_k}",
            "postal_code": f"{rng.randrange(100, 999)}-{rng.randrange(10000):04d}",
            "address": f"○○市{rng.choice(TOWNS)}{rng.randrange(1, 9)}-{rng.randrange(1, 30)}"
                       f"-{rng.randrange(1, 20)}",
            "phone": _phone(rng),
            "dog_name": rng.choice(DOGS), "breed": rng.choice(BREEDS),
            "sex": rng.choice(("オス", "メス")), "birth_date": born.isoformat(),
            "coat": rng.choice(COATS), "neutered": rng.randrange(2),
            "rabies_date": rabies.isoformat()}


def _phone(rng: random.Random) -> str:
    """A landline of 10 digits (area code of 1 to 4 digits) or a mobile of 11."""
    area = rng.choice(("3", "6", "45", "52", "92", "985", "90", "80"))
    if area in ("90", "80"):
        return f"0{area}-{rng.randrange(1000, 9999)}-{rng.randrange(10000):04d}"
    local = 10 - 1 - len(area) - 4
    return f"0{area}-{rng.randrange(10 ** (local - 1), 10 ** local)}-{rng.randrange(10000):04d}"


def _row(rec: dict[str, Any]) -> list[str]:
    cells = dict(rec, birth_date=rec["birth_date"].replace("-", "/"),
                 rabies_date=rec["rabies_date"].replace("-", "/"),
                 neutered="済" if rec["neutered"] else "")
    return [str(cells[k]) for k in HEADERS]


def cases(count: int, seed: int, folder: Path) -> Cases:
    """Write (or rewrite, the same) ``count`` valid registrations with ``seed``."""
    rng = random.Random(seed)
    expected = [_record(rng, n) for n in range(1, count + 1)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dogs-{count}-s{seed}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS.values())
        writer.writerows(_row(r) for r in expected)
    return Cases(path, expected)
