"""``robot new``: a bot, its selector map, a sample case file and a test, ready to edit.

Everything written loads (``robot validate``) and the test passes as written: the author
starts from something green and changes one target at a time, with ``robot inspect``
proposing the selectors. Nothing existing is ever overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl

from robot_core.errors import BotScriptError, ConfigError
from robot_core.script.loader import load_bot
from robot_core.script.yamlsource import IDENTIFIER

GUIDE = "docs/writing-bots.md"

WEB_MAP = """\
# Selector map of {app}: every target lists alternatives tried in order (the first one on
# screen wins; the audit trail says which matched). See {guide} §5 ("Selector maps").
# `robot inspect URL --write selectors/{app}.yaml --screen NAME` adds a screen's fields here;
# `robot check {app} --bot {bot}` says which alternative matches on the live screens.
app: {app}
driver: web

screens:
  form:
    targets:
      name:    [{{label: 氏名}}, {{beside: 氏名}}, {{css: 'input[name="name"]'}}]
      save:    [{{role: button, name: 登録}}, {{css: 'input[type="submit"]'}}]
      error:   [{{css: '.error'}}]
  done:
    targets:
      message: [{{text: 登録しました, exact: false}}]
  search:                         # verify: is the case in the system already?
    targets:
      query:   [{{label: 受付番号}}, {{css: 'input[name="q"]'}}]
      submit:  [{{role: button, name: 検索}}]
      hit:     [{{css: 'table.results td'}}]
      none:    [{{text: 該当なし, exact: false}}]
"""

DESKTOP_MAP = """\
# Selector map of {app}, a desktop program: strategies are title, keys, point and image.
# See {guide} §5 ("Selector maps"); `robot inspect --desktop` lists the windows and writes a
# screenshot with a coordinate grid, and `robot capture` cuts image templates.
app: {app}
driver: desktop

launch:                           # without `command:` robot attaches to a running program
  window: {title}
  ready: {title}

screens:
  form:
    frame: {title}
    targets:
      window:  [{{title: {title}}}]
      name:    [{{keys: alt+n}}, {{point: "120,40"}}]
      save:    [{{keys: alt+s}}, {{point: "120,200"}}]
      error:   [{{title: エラー}}]
  done:
    targets:
      message: [{{title: 登録完了}}]
  search:                         # verify: is the case in the program already?
    frame: {title}
    targets:
      query:   [{{keys: alt+q}}]
      submit:  [{{keys: enter}}]
      hit:     [{{title: 検索結果}}]
      none:    [{{title: 該当なし}}]
"""

BOT = """\
# {bot}: one row of the case file is one case typed into {app}. Grammar: {guide} §2-§4.
# Check it with `robot validate {bot}`; try it without saving anything with
# `robot run {bot} --input fixtures/cases/{bot}.xlsx --dry-run`.
name: {bot}
description: Enter the cases of the service-desk export into {app}.
driver: {driver}
app: {app}                        # selectors/{app}.yaml

input:                            # {guide} §3: columns, types, checks
  key: case_id                    # the same case is never entered twice
  columns:
    case_id: {{header: [受付番号, case_id], required: true}}
    name:    {{header: [氏名, name], required: true}}

{setup}
verify:                           # before a retry: did the case land already? ({guide} §7)
{verify}  - fill: {{target: search.query, value: "{{{{ case.case_id }}}}"}}
  - click: search.submit
  - wait_for: {{any: [search.hit, search.none]}}
  - found_when: search.hit

steps:
{start}  - fill: {{target: form.name, value: "{{{{ case.name }}}}"}}
  - click: {{target: form.save, commit: true}}   # saves: --dry-run stops here ({guide} §7)
  - wait_for: {{any: [done.message, form.error]}}
  - business_error_if: {{target: form.error, reason: "{{{{ text }}}}"}}

recover:                          # after a failure: back to a known screen, then setup again
{recover}
retry: {{step: 3, case: 2}}
"""

TEST = '''\
"""{bot} without {app}: a FakeApp plays the screens ({guide} §11)."""

from pathlib import Path

import pytest

from robot_core.testing import FakeApp, FakeDriver, run_bot

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bots" / "{bot}.yaml"
CASES = ROOT / "fixtures" / "cases" / "{bot}.xlsx"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the bot reads from the environment."""
    monkeypatch.setenv("{env}", "http://{app}.test")


def test_a_case_is_saved_once(tmp_path: Path) -> None:
    """Each sample case is typed into the form, saved once, and done."""
    app = FakeApp(shown={{"form.window", "done.message"}}, save="form.save")
    run = run_bot(BOT, CASES, FakeDriver(app), home=tmp_path / "home")
    assert run.outcome.exit_code == 0
    assert [saved["form.name"] for saved in app.saved] == ["山田 太郎", "佐藤 花子"]
'''

SAMPLE = [("受付番号", "氏名"), ("C-0001", "山田 太郎"), ("C-0002", "佐藤 花子")]


@dataclass(frozen=True)
class Scaffold:
    """The files ``robot new`` wrote."""

    bot: Path
    selectors: Path
    cases: Path
    test: Path

    def files(self) -> list[Path]:
        """Every file, in the order to read them."""
        return [self.bot, self.selectors, self.cases, self.test]


def scaffold(project: Path, bot: str, driver: str, app: str, url: str | None = None,
             ) -> Scaffold:
    """Write the four files of a new bot under ``project``; refuse names and existing files."""
    for what, name in (("the bot's name", bot), ("--app", app)):
        if not IDENTIFIER.fullmatch(name):
            raise BotScriptError(f"{what} must be a plain name (a letter, then letters, "
                                 f"digits, _ or -; at most 64), not {name!r}")
    if driver not in {"web", "desktop"}:
        raise BotScriptError(f"--driver must be web or desktop, not {driver!r}")
    out = Scaffold(project / "bots" / f"{bot}.yaml", project / "selectors" / f"{app}.yaml",
                   project / "fixtures" / "cases" / f"{bot}.xlsx",
                   project / "tests" / "bots" / f"test_{bot.replace('-', '_')}.py")
    existing = [str(p.relative_to(project)) for p in out.files() if p.exists()]
    if existing:
        raise ConfigError(f"{', '.join(existing)} exist(s) already: robot new never "
                          "overwrites; pick another name or edit the file")
    env = f"{app.upper().replace('-', '_')}_URL"
    texts = _texts(bot, driver, app, env, url)
    for path in out.files():
        path.parent.mkdir(parents=True, exist_ok=True)
    out.selectors.write_text(texts["map"], encoding="utf-8")
    out.bot.write_text(texts["bot"], encoding="utf-8")
    out.test.write_text(TEST.format(bot=bot, app=app, env=env, guide=GUIDE), encoding="utf-8")
    _sample(out.cases)
    try:
        load_bot(out.bot, out.selectors.parent)
    except BotScriptError:
        for path in out.files():
            path.unlink(missing_ok=True)
        raise
    return out


def _texts(bot: str, driver: str, app: str, env: str, url: str | None) -> dict[str, str]:
    fields = {"bot": bot, "app": app, "driver": driver, "guide": GUIDE}
    if driver == "web":
        where = f"  # {url}" if url else ""
        fields |= {
            "setup": f"setup:                            # once per session (a login goes here)\n"
                     f"  - goto: \"{{{{ env.{env} }}}}\"{where}\n",
            "start": f"  - goto: \"{{{{ env.{env} }}}}\"\n",
            "verify": f"  - goto: \"{{{{ env.{env} }}}}\"\n",
            "recover": f"  - goto: \"{{{{ env.{env} }}}}\"\n"}
        return {"map": WEB_MAP.format(**fields), "bot": BOT.format(**fields)}
    title = url or app
    fields |= {"setup": "setup:                            # once per program start\n"
                        "  - wait_for: form.window\n",
               "start": "  - wait_for: form.window\n",
               "verify": "  - wait_for: form.window\n",
               "recover": f"  - goto: {title}\n"}
    return {"map": DESKTOP_MAP.format(title=title, **fields), "bot": BOT.format(**fields)}


def _sample(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in SAMPLE:
        sheet.append(row)
    book.save(path)
