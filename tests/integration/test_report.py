"""The run report of a real run, opened in a real headless Chromium as staff open it.

One ``robot run`` of the shipped bot enters a small generated export (two rows invalid)
into the fixture registry; ``robot report`` writes its page; Chromium opens the file with
every request that is not ``file:`` blocked and recorded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PIL import Image, ImageStat
from playwright.sync_api import Page, Route, sync_playwright

from fixtures.cases.generate import generate
from robot_core.drivers.web_chromium import chromium_path
from robot_core.outcome import Status
from robot_core.queue.sqlite import SQLiteStore
from robot_core.vault import MASK
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
ROBOT = Path(sys.executable).parent / "robot"
CASES, INVALID = 6, 2


def _robot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROBOT), *args], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=600, env=dict(os.environ))


@dataclass
class Ran:
    """The run and its report, opened."""

    run_dir: Path
    report: Path
    page: Page
    blocked: list[str]
    statuses: Counter[str]  # status -> cases, as the results workbook says
    my_numbers: list[str]  # of the generated cases: never in the report


def _workbook_statuses(results: Path) -> Counter[str]:
    """Cases per status (the Status value) in the results workbook's 状態 column."""
    by_ja = {f"{s.ja} ({s.value})": s.value for s in Status}
    book = openpyxl.load_workbook(results, read_only=True)
    try:
        rows = book["結果"].iter_rows(values_only=True)
        column = list(next(rows)).index("状態 (status)")
        return Counter(by_ja[str(r[column])] for r in rows if r[column])
    finally:
        book.close()


@pytest.fixture
def ran(registry: Any, robot_env: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Ran]:
    """A real run of six cases, its report written by ``robot report``, open in Chromium."""
    app = registry()
    monkeypatch.setenv("REGISTRY_URL", app.url)
    source = tmp_path / "export.xlsx"
    rows = generate(CASES, 11, source, invalid=INVALID)
    done = _robot("run", "resident_registration", "--input", str(source))
    assert done.returncode == 1, done.stderr  # the two invalid rows are business failures
    (run_dir,) = (robot_env / "runs").iterdir()
    written = _robot("report", run_dir.name)
    assert written.returncode == 0, written.stderr
    report = Path(written.stdout.strip())
    assert report == run_dir / "report.html"
    blocked: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(),
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", guard)
        page.goto(report.as_uri())
        page.wait_for_selector("body[data-ready='1']")
        yield Ran(run_dir, report, page, blocked, _workbook_statuses(run_dir / "results.xlsx"),
                  [r.case.my_number for r in rows if len(r.case.my_number) >= 8])
        browser.close()


def test_the_report_of_a_real_run_reads_true_in_chromium(ran: Ran, tmp_path: Path) -> None:
    """Counts match the results workbook and the queue; a status filter shows only its cases;
    a search finds a key; a failure's screenshot shows; nothing is fetched from the network;
    the page's picture has content."""
    page = ran.page
    assert ran.statuses == Counter({"done": CASES - INVALID, "business_failed": INVALID})
    for status in ("done", "business_failed", "failed", "pending"):
        assert page.text_content(f"#count-{status}") == str(ran.statuses[status]), status
    store = SQLiteStore(ran.run_dir.parent.parent / "queue.db")
    try:
        queued = Counter(i.state.value for i in store.items("resident_registration"))
    finally:
        store.close()
    assert queued == ran.statuses
    assert "改ざんなし (intact)" in (page.text_content("#chain") or "")

    page.click("button[data-status='business_failed']")
    listed = page.locator("details.case")
    assert listed.count() == INVALID
    assert set(listed.evaluate_all("els => els.map(e => e.dataset.status)")) == \
        {"business_failed"}
    failed_keys = listed.evaluate_all("els => els.map(e => e.dataset.key)")

    page.click("button[data-status='*']")
    assert page.locator("details.case").count() == CASES
    done_key = next(k for k in page.locator("details.case").evaluate_all(
        "els => els.map(e => e.dataset.key)") if k not in failed_keys)
    page.fill("#search", done_key.lower())
    assert page.locator("details.case").evaluate_all(
        "els => els.map(e => e.dataset.key)") == [done_key]
    page.locator("details.case > summary").first.click()
    steps = page.locator("details.case[open] table.steps")
    steps.wait_for()  # a case's timeline is drawn when it is first opened
    assert steps.locator("tr").count() > 10  # the header and one row per step
    assert MASK in (steps.text_content() or "")  # the My Number, as the audit masked it
    assert "registration_number" in (page.text_content("details.case[open] .outputs") or "")
    page.fill("#search", "")

    page.click("button[data-status='business_failed']")
    page.locator("details.case > summary").first.click()
    picture = page.locator("details.case[open] figure.shot img").first
    picture.wait_for(state="visible")
    assert picture.evaluate("img => img.complete && img.naturalWidth") > 0
    assert (picture.get_attribute("src") or "").startswith("data:image/png;base64,")
    assert page.locator("details.case[open] .body .err").first.text_content()  # the reason

    shot = ran.run_dir / "report-page.png"
    page.screenshot(path=str(shot), full_page=True)
    (tmp_path / "report-page.png").write_bytes(shot.read_bytes())
    assert shot.stat().st_size > 20_000
    with Image.open(shot) as image:
        spread = ImageStat.Stat(image.convert("L")).stddev[0]
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert spread > 10 and colours is not None and len(colours) > 50
    assert ran.blocked == []
    html = ran.report.read_text(encoding="utf-8")
    assert [n for n in ran.my_numbers if n in html] == []


def test_an_unknown_run_is_one_line_and_exit_3(robot_env: Path) -> None:
    """``robot report`` of a run that does not exist says so in one line, exit 3."""
    done = _robot("report", "20990101-000000-nosuch-0000")
    assert done.returncode == 3
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert "no such run" in done.stderr
