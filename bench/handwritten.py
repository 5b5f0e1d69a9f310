"""The contender: what a competent engineer writes for this job without the framework.

Sync Playwright, the same Chromium binary and launch arguments as robot's web driver, log in
once, then for every case: open /entry, fill the form inside ``iframe[name="main"]`` by its
input names, click the 確認 image link, wait for the confirm text, click 登録, wait for the
completion text, read ``b.regno``. One page for the whole run (no recycling), no retries, no
audit trail, no screenshots, no results workbook.

The case file is read with robot_core's intake and the bot's own ``input:`` spec, so both
contenders type exactly the same values; wareki comes from ``robot_core.transforms``.

    REGISTRY_USER=clerk REGISTRY_PASSWORD=clerk-pass \
        python -m bench.handwritten --url http://127.0.0.1:8080 --input cases.xlsx

Prints ``[k/N] <case_id> done <regno>`` per case (the bench times progress from these lines)
and exits 0 when every case was entered, 2 otherwise.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

import yaml
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

from robot_core import transforms
from robot_core.drivers.web_chromium import CHROMIUM_ARGS, chromium_path
from robot_core.intake import CaseRow, read_cases
from robot_core.script.model import InputSpec

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bots" / "resident_registration.yaml"
FRAME = 'iframe[name="main"]'
SEX_CODE = {"男": "1", "女": "2"}
TIMEOUT_MS = 8000  # the bot's step_ms / navigation_ms


def input_spec() -> InputSpec:
    """The bot's ``input:`` section: the same typed columns robot reads."""
    data = yaml.safe_load(BOT.read_text(encoding="utf-8"))
    return InputSpec.model_validate(data["input"])


def log_in(page: Page, url: str, user: str, password: str) -> None:
    """Log in once; the session cookie lasts the whole run."""
    page.goto(f"{url}/login")
    page.fill('input[name="f1"]', user)
    page.fill('input[name="f2"]', password)
    page.click('input[type="image"][alt="ログイン"]')
    page.wait_for_url(f"{url}/menu")


def enter(page: Page, url: str, case: CaseRow) -> str:
    """Enter one case through 入力 → 確認 → 登録; return the registration number."""
    v = case.values
    birth = v["birth_date"]
    page.goto(f"{url}/entry", wait_until="domcontentloaded")
    form = page.frame_locator(FRAME)
    form.locator('input[name="txt01"]').fill(v["case_id"])
    form.locator('input[name="txt02"]').fill(v["name"])
    form.locator('input[name="txt03"]').fill(v["name_kana"])
    form.locator(f'input[name="rdo01"][value="{SEX_CODE[v["sex"]]}"]').check()
    form.locator('select[name="sel01"]').select_option(transforms.wareki_era_letter(birth))
    form.locator('input[name="txt04"]').fill(str(transforms.wareki_year(birth)))
    form.locator('input[name="txt05"]').fill(str(birth.month))
    form.locator('input[name="txt06"]').fill(str(birth.day))
    form.locator('input[name="txt07"]').fill(v["postal_code"])
    form.locator('input[name="txt08"]').fill(v["address"])
    form.locator('input[name="txt09"]').fill(v["household_head"] or "")
    form.locator('input[name="txt10"]').fill(v["phone"] or "")
    form.locator('input[name="txt11"]').fill(v["moved_in"].strftime("%Y/%m/%d"))
    form.locator('input[name="pwd01"]').fill(v["my_number"])
    form.locator('input[name="chk01"]').set_checked(bool(v["nhi"]))
    form.locator('textarea[name="txa01"]').fill(v["remarks"] or "")
    form.locator('a:has(img[alt="確認"])').click()
    form.get_by_text("以下の内容で登録します。よろしいですか？").wait_for()
    form.locator('a:has(img[alt="登録"])').click()
    form.get_by_text("登録が完了しました。").wait_for()
    return form.locator("b.regno").inner_text().strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.handwritten", description=__doc__)
    parser.add_argument("--url", required=True, help="base URL of the registry")
    parser.add_argument("--input", required=True, type=Path, help="the case file (.xlsx)")
    parser.add_argument("--limit", type=int, help="enter at most N cases")
    args = parser.parse_args(argv)
    url = args.url.rstrip("/")

    cases = [c for c in read_cases(args.input, input_spec()).rows if c.valid]
    if args.limit:
        cases = cases[: args.limit]
    total, entered, failed = len(cases), 0, 0
    # Bench plumbing, not part of the contender's work: on SIGTERM (the bench's memory cap)
    # finish the case at hand, then stop, so the registry is left in a checkable state.
    stop: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stop.append(signum))

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True,
                                     args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      locale="ja-JP", timezone_id="Asia/Tokyo")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        log_in(page, url, os.environ["REGISTRY_USER"], os.environ["REGISTRY_PASSWORD"])
        for number, case in enumerate(cases, start=1):
            if stop:
                break
            try:
                regno = enter(page, url, case)
            except PlaywrightError as exc:
                failed += 1
                first = (exc.message or str(exc)).splitlines()[0]
                print(f"[{number}/{total}] {case.key} failed {first}", flush=True)
                continue
            entered += 1
            print(f"[{number}/{total}] {case.key} done {regno}", flush=True)
        context.close()
        browser.close()
    print(f"done: {entered} · failed: {failed}" + (" · stopped early" if stop else ""),
          flush=True)
    return 0 if failed == 0 and not stop else 2


if __name__ == "__main__":
    sys.exit(main())
