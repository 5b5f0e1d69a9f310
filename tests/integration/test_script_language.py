"""The script language on a real screen: a bot using if, use, repeat and press-times enters
cases into the fixture registry in a real Chromium; label/beside match normalised text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from fixtures.legacy_web.process import LegacyWebApp
from robot_core.drivers.web_chromium import chromium_path
from robot_core.drivers.web_locate import locator_for, register_engines
from robot_core.intake import read_cases
from robot_core.outcome import Status
from robot_core.run.session import RunOptions, run_direct
from robot_core.script.labels import NORMALISE_JS, normalise_label
from robot_core.script.loader import load_bot
from robot_core.selectors import Alternative
from robot_core.tools.inspect.collect import collect
from robot_core.tools.inspect.propose import propose
from tests.conftest import EXPECTED, ROOT, SAMPLE

pytestmark = pytest.mark.browser
ERA_INDEX = "{{ {'R': 1, 'H': 2, 'S': 3, 'T': 4}[case.birth_date | wareki_era_letter] }}"
# The shipped bot, rewritten with the control steps: log in only when the login page shows
# (through the shared block), pick the era by arrow keys counted from the data (the list
# starts at "--"), type two characters too many into 備考 and take them back with a repeat,
# commit inside an if.
REWRITES = (
    ('  - use: login                    # blocks/login.yaml: user, password, submit\n',
     '  - if: {visible: login.user}\n    then:\n      - use: login\n'),
    ('  - select: {target: form.era, value: "{{ case.birth_date | wareki_era_letter }}"}\n',
     f'  - press: {{target: form.era, key: ArrowDown, times: "{ERA_INDEX}"}}\n'),
    ('  - fill: {target: form.remarks, value: "{{ case.remarks }}"}\n',
     '  - fill: {target: form.remarks, value: "{{ case.remarks }}xy"}\n'
     '  - repeat: 2\n    do:\n      - press: {target: form.remarks, key: Backspace}\n'),
    ('  - click: {target: confirm.register, commit: true}   # saves: a retry verifies first\n'
     '  - wait_for: {any: [done.message, form.error]}\n',
     '  - if: "{{ case.case_id != \'\' }}"\n    then:\n'
     '      - click: {target: confirm.register, commit: true}\n'
     '      - wait_for: {any: [done.message, form.error]}\n'),
)
FIELDS = ("case_id", "name", "birth_date", "remarks", "postal_code", "my_number")


def _project(root: Path) -> Path:
    for folder in ("selectors", "blocks"):
        shutil.copytree(ROOT / folder, root / folder)
    text = (ROOT / "bots" / "resident_registration.yaml").read_text(encoding="utf-8")
    for old, new in REWRITES:
        assert old in text, old
        text = text.replace(old, new)
    (root / "bots").mkdir()
    path = root / "bots" / "resident_registration.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bot_with_if_use_repeat_and_press_times_enters_cases(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four sample cases land in the registry's database field for field: the era chosen
    by counted ArrowDowns, 備考 without the two extra characters, each saved once."""
    bot = load_bot(_project(tmp_path), tmp_path / "selectors")
    assert bot.marks_commit
    monkeypatch.setenv("REGISTRY_USER", "clerk")
    monkeypatch.setenv("REGISTRY_PASSWORD", "clerk-pass")
    with LegacyWebApp(tmp_path / "registry.db") as app:
        monkeypatch.setenv("REGISTRY_URL", app.url)
        outcome, _ = run_direct(bot, read_cases(SAMPLE, bot.input),
                                RunOptions(tmp_path / "home", limit=4))
        records = app.dump()
    done = [r.key for r in outcome.results if r.status is Status.DONE]
    assert len(done) == 4, [(r.key, r.error) for r in outcome.results]
    expected = {e["case_id"]: e for e in EXPECTED["valid"]}
    assert sorted(r["case_id"] for r in records) == sorted(done)
    for record in records:
        want = expected[record["case_id"]]
        assert {f: record[f] for f in FIELDS} == {f: want[f] for f in FIELDS}
    assert {r["birth_date"][:4] for r in records} >= {"1946", "2011"}  # 昭和 and 平成


PAGE = """<table>
<tr><td>受付番号:</td><td><input name="a"></td></tr>
<tr><th>氏　名 ：</th><td><input name="b"></td></tr>
<tr><td>ＩＤ：</td><td><select name="c"><option>1</option></select></td></tr>
</table>
<label for="d">電話 番号：</label><input id="d" name="d">
<span id="e-label">Ｅメール</span><input aria-labelledby="e-label" name="e">"""


SAMPLES = ("受付番号:", "氏　名 ：", "ＩＤ：", "電話\u200b番号", " Case ID :: ", "ｶﾅ（半角）")
MATCHES = (('robot-beside="受付番号"', "a"), ('robot-beside="氏名"', "b"),
           ('robot-beside="ID"', "c"), ('robot-label="電話番号"', "d"),
           ('robot-label="Eメール"', "e"))


def test_label_and_beside_match_normalised_text_in_chromium() -> None:
    """Trailing colons, 全角 spaces and full-width letters on the page do not stop a match
    (where the old exact XPath found nothing)."""
    with sync_playwright() as pw:
        register_engines(pw)
        browser = pw.chromium.launch(executable_path=chromium_path())
        page = browser.new_page()
        page.set_content(PAGE)
        found = {selector: [page.locator(selector).nth(i).get_attribute("name")
                            for i in range(page.locator(selector).count())]
                 for selector, _ in MATCHES}
        exact = page.locator(f"xpath=//td[normalize-space(.)={json.dumps('受付番号')}]").count()
        in_page = [page.evaluate(f"({NORMALISE_JS})({json.dumps(t)})") for t in SAMPLES]
        browser.close()
    assert found == {selector: [name] for selector, name in MATCHES}
    assert exact == 0
    assert in_page == [normalise_label(t) for t in SAMPLES]  # Python and the page agree


CONFIRM_PAGE = """<table>
<tr><td>飼い主氏名</td><td>山田　太郎</td></tr>
<tr><td>受付番号：</td><td><input name="f01" value="D-1"></td></tr>
<tr><th>犬の名前 ：</th><td><input name="f03"></td></tr>
</table>"""


def test_beside_reads_a_shown_value_and_inspect_reads_th_labels_in_chromium() -> None:
    """`beside` finds the next cell itself when it holds no control (a confirmation page's
    value), normalised and exact; inspect proposes `beside` for a <th> label, without its
    trailing colon."""
    with sync_playwright() as pw:
        register_engines(pw)
        browser = pw.chromium.launch(executable_path=chromium_path())
        page = browser.new_page()
        page.set_content(CONFIRM_PAGE)
        shown = [locator_for(page, Alternative("beside", "飼い主氏名", None, exact=exact))
                 .all_inner_texts() for exact in (None, True)]
        field = locator_for(page, Alternative("beside", "受付番号", None)).evaluate_all(
            "els => els.map(e => e.tagName + ':' + e.value)")
        controls = collect(page)
        propose(page, controls)
        browser.close()
    assert shown == [["山田　太郎"], ["山田　太郎"]]
    assert field == ["INPUT:D-1"]  # a cell with a control still gives the control only
    by_name = {c.name: c for c in controls}
    assert by_name["f01"].proposals[0].describe() == "beside='受付番号'"
    assert by_name["f03"].proposals[0].describe() == "beside='犬の名前'"
