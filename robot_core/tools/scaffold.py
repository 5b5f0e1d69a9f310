"""``robot new``: a bot, its selector map, a sample case file and a test, ready to edit.

Everything written loads (``robot validate``) and the test passes as written: the author
starts from something green and changes one target at a time, with ``robot inspect``
proposing the selectors. Nothing existing is ever overwritten.

The bot and its map name their JSON Schema on their first line (``# yaml-language-server:
$schema=…``), and the schemas are written into ``schemas/`` when the project has none yet.
A project with a shared login block (``blocks/login.yaml``) gets a bot that logs in with
``- use: login`` and a map with the ``login`` screen that block types into; when that block
does not fit (it needs parameters, or other targets), the bot is written without it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from robot_core.errors import BotScriptError, ConfigError
from robot_core.script.loader import load_bot
from robot_core.script.schema import block_schema, bot_schema, selectors_schema
from robot_core.script.yamlsource import IDENTIFIER

GUIDE = "docs/writing-bots.md"
SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/{name}.schema.json\n"
LOGIN_BLOCK = "login"  # blocks/login.yaml, when the project shares one

WEB_LOGIN = """\
  login:                          # typed by blocks/login.yaml (`- use: login` in setup)
    targets:
      user:     [{label: 利用者ID}, {css: 'input[name="user"]'}]
      password: {secret: true, any: [{label: パスワード}, {css: 'input[type="password"]'}]}
      submit:   [{role: button, name: ログイン}, {css: 'button[type="submit"]'}]
"""

DESKTOP_LOGIN = """\
  login:                          # typed by blocks/login.yaml (`- use: login` in setup)
    targets:
      user:     [{keys: alt+u}]
      password: {secret: true, any: [{keys: alt+p}]}
      submit:   [{keys: enter}]
"""

WEB_MAP = """\
# Selector map of {app}: every target lists alternatives tried in order (the first one on
# screen wins; the audit trail says which matched). See {guide} §5 ("Selector maps").
# `robot inspect URL --write selectors/{app}.yaml --screen NAME` adds a screen's fields here;
# `robot check {app} --bot {bot}` says which alternative matches on the live screens.
app: {app}
driver: web

screens:
{login}  form:
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
{login}  form:
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
{credentials}
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
{credentials}

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
    schemas: list[Path] = field(default_factory=list)  # written only when missing

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
    for path in out.files():
        path.parent.mkdir(parents=True, exist_ok=True)
    _sample(out.cases)
    login = (project / "blocks" / f"{LOGIN_BLOCK}.yaml").is_file()
    try:
        try:
            _write(out, bot, driver, app, env, url, login=login)
        except BotScriptError:
            if not login:
                raise
            _write(out, bot, driver, app, env, url, login=False)  # the block does not fit
    except BotScriptError:
        for path in out.files():
            path.unlink(missing_ok=True)
        raise
    out.schemas.extend(_schemas(project, with_block=login))
    return out


def _write(out: Scaffold, bot: str, driver: str, app: str, env: str, url: str | None, *,
           login: bool) -> None:
    """Write the map, the bot and its test, and load the bot (``BotScriptError`` if not)."""
    texts = _texts(bot, driver, app, env, url, login=login)
    out.selectors.write_text(SCHEMA_LINE.format(name="selectors") + texts["map"],
                             encoding="utf-8")
    out.bot.write_text(SCHEMA_LINE.format(name="bot") + texts["bot"], encoding="utf-8")
    credentials = (f'    monkeypatch.setenv("{_prefix(app)}_USER", "clerk")\n'
                   f'    monkeypatch.setenv("{_prefix(app)}_PASSWORD", "clerk-pass")\n'
                   if login else "")
    out.test.write_text(TEST.format(bot=bot, app=app, env=env, guide=GUIDE,
                                    credentials=credentials), encoding="utf-8")
    load_bot(out.bot, out.selectors.parent)


def _prefix(app: str) -> str:
    return app.upper().replace("-", "_")


def _schemas(project: Path, *, with_block: bool) -> list[Path]:
    """The JSON Schemas the written files name, when the project has none yet."""
    wanted = {"bot": bot_schema, "selectors": selectors_schema}
    if with_block:
        wanted["block"] = block_schema
    written = []
    for name, make in wanted.items():
        path = project / "schemas" / f"{name}.schema.json"
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(make(), ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written


def _texts(bot: str, driver: str, app: str, env: str, url: str | None, *,
           login: bool = False) -> dict[str, str]:
    fields = {"bot": bot, "app": app, "driver": driver, "guide": GUIDE,
              "credentials": f"credentials: {app}                # {_prefix(app)}_USER / "
                             f"{_prefix(app)}_PASSWORD, or the keyring\n" if login else "",
              "login": (WEB_LOGIN if driver == "web" else DESKTOP_LOGIN) if login else ""}
    use = f"  - use: {LOGIN_BLOCK}                 # blocks/{LOGIN_BLOCK}.yaml\n" if login else ""
    if driver == "web":
        where = f"  # {url}" if url else ""
        fields |= {
            "setup": f"setup:                            # once per session (a login goes here)\n"
                     f"  - goto: \"{{{{ env.{env} }}}}\"{where}\n{use}",
            "start": f"  - goto: \"{{{{ env.{env} }}}}\"\n",
            "verify": f"  - goto: \"{{{{ env.{env} }}}}\"\n",
            "recover": f"  - goto: \"{{{{ env.{env} }}}}\"\n"}
        return {"map": WEB_MAP.format(**fields), "bot": BOT.format(**fields)}
    title = url or app
    fields |= {"setup": "setup:                            # once per program start\n"
                        f"{use}  - wait_for: form.window\n",
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
