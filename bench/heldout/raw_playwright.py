"""Raw Playwright on the held-out form: what an engineer writes without any framework.

Sync Playwright, /usr/bin/chromium headless with ``--no-sandbox --disable-gpu``; the CSV read
with the standard library; log in once, then per record: open /dog/new, fill the owner by
its labels, 次へ, fill the dog (selects by label and value, the radio, the checkbox), 確認画面へ,
登録する, wait for 登録しました。 and read the licence number. One page for the whole run; no
retries, no evidence.

    DOG_WEB_USER=hoken01 DOG_WEB_PASSWORD=inu-pass \
        python -m bench.heldout.raw_playwright --url http://127.0.0.1:8765 --input dogs.csv

Prints ``[k/N] <case_id> done <licence>`` per record; exits 0 when all were entered, else 2.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

CHROMIUM = os.environ.get("ROBOT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu"]
TIMEOUT_MS = 10_000


def enter(page: Page, url: str, row: dict[str, str]) -> str:
    """Type one record through the three steps; return its licence number."""
    page.goto(f"{url}/dog/new")
    page.get_by_label("受付番号").fill(row["受付番号"])
    page.get_by_label("飼い主氏名").fill(row["飼い主氏名"])
    page.get_by_placeholder("フリガナ").fill(row["フリガナ"])
    page.get_by_label("郵便番号").fill(row["郵便番号"])
    page.locator('input[name="addr"]').fill(row["住所"])
    page.locator('input[name="tel"]').fill(row["電話番号"])
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("犬の名前").fill(row["犬の名前"])
    page.get_by_label("犬種").select_option(label=row["犬種"])
    page.get_by_label(row["性別"], exact=True).check()
    year, month, day = (str(int(x)) for x in row["生年月日"].split("/"))
    page.locator('select[name="by"]').select_option(year)
    page.locator('select[name="bm"]').select_option(month)
    page.locator('select[name="bd"]').select_option(day)
    page.get_by_label("毛色").select_option(row["毛色"])  # waits for the script's options
    page.get_by_label("不妊・去勢手術済み").set_checked(row["不妊去勢"] == "済")
    page.get_by_label("狂犬病予防注射日").fill(row["狂犬病予防注射日"].replace("/", "-"))
    page.get_by_role("button", name="確認画面へ").click()
    page.get_by_role("button", name="登録する").click()
    page.get_by_text("登録しました。").wait_for()
    return page.locator("#licence").inner_text()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.heldout.raw_playwright",
                                     description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--input", required=True, type=Path)
    args = parser.parse_args(argv)
    url = args.url.rstrip("/")
    with args.input.open(encoding="utf-8", newline="") as rows:
        records = list(csv.DictReader(rows))
    failed = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{url}/login")
        page.get_by_label("職員番号").fill(os.environ["DOG_WEB_USER"])
        page.get_by_label("パスワード").fill(os.environ["DOG_WEB_PASSWORD"])
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_url("**/top")
        for number, row in enumerate(records, start=1):
            try:
                licence = enter(page, url, row)
            except PlaywrightError as exc:
                failed += 1
                first = (exc.message or str(exc)).splitlines()[0]
                print(f"[{number}/{len(records)}] {row['受付番号']} failed {first}", flush=True)
                continue
            print(f"[{number}/{len(records)}] {row['受付番号']} done {licence}", flush=True)
        browser.close()
    return 0 if failed == 0 else 2


if __name__ == "__main__":
    sys.exit(main())
