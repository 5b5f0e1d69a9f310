"""robot inspect, check, run --dry-run and the debugging flags against the real registry.

One fixture registry serves the module; each test checks what landed in its own database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.legacy_web.process import LegacyWebApp
from robot_core.errors import BotScriptError, ConfigError
from robot_core.intake import read_cases
from robot_core.outcome import Status
from robot_core.run.dryrun import dry_run
from robot_core.run.session import RunOptions
from robot_core.script.loader import load_bot
from robot_core.selectors import load_selector_map
from robot_core.tools.check import check_bot
from robot_core.tools.inspect.merge import merge
from robot_core.tools.inspect.web import inspect_url
from robot_core.vault import MASK
from tests.conftest import EXPECTED, ROOT, SAMPLE

pytestmark = pytest.mark.browser
ROBOT = ROOT / ".venv" / "bin" / "robot"
BOT = ROOT / "bots" / "resident_registration.yaml"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LegacyWebApp]:
    """The fixture registry, with the shipped bot's environment set."""
    tmp = tmp_path_factory.mktemp("registry")
    with pytest.MonkeyPatch.context() as patch, LegacyWebApp(tmp / "registry.db") as registry:
        patch.setenv("REGISTRY_URL", registry.url)
        patch.setenv("REGISTRY_USER", "clerk")
        patch.setenv("REGISTRY_PASSWORD", "clerk-pass")
        yield registry


def _project(tmp_path: Path, **replace: str) -> Path:
    """A copy of the shipped bots and selectors, with lines of the registry map replaced."""
    root = tmp_path / "project"
    for folder in ("bots", "selectors", "blocks"):  # the shipped bots `use: login`
        shutil.copytree(ROOT / folder, root / folder)
    path = root / "selectors" / "registry_web.yaml"
    text = path.read_text("utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return root


def test_dry_run_types_every_field_and_saves_nothing(app: LegacyWebApp, tmp_path: Path) -> None:
    """Two cases are typed up to 登録 on the real screens; the registry stays empty."""
    bot = load_bot(BOT, ROOT / "selectors")
    run = dry_run(bot, read_cases(SAMPLE, bot.input), RunOptions(tmp_path / "home", limit=2))
    assert app.dump() == []
    assert [r.status for r in run.outcome.results] == [Status.DONE, Status.DONE]
    assert set(run.stopped_at.values()) == {"steps[21] click"}
    first = run.outcome.results[0].key
    typed = {t.target: t.value for t in run.typed[first]}
    assert typed["form.reception_no"] == first and typed["form.my_number"] == MASK
    assert not (tmp_path / "home" / "queue.db").exists()


def test_check_reports_fallbacks_ambiguity_and_missing_targets(app: LegacyWebApp,
                                                               tmp_path: Path) -> None:
    """The shipped map is healthy; a vendor-changed copy shows each kind of trouble."""
    bot = load_bot(BOT, ROOT / "selectors")
    cases = read_cases(SAMPLE, bot.input)
    healthy = check_bot(bot, cases, tmp_path / "home")
    assert {"login", "menu", "form", "confirm"} <= set(healthy.screens)
    assert healthy.missing == []
    status = {h.name: h.status for found in healthy.screens.values() for h in found}
    assert status["form.name"] == "ok" and status["form.error"] == "not shown"
    project = _project(tmp_path, **{
        "name:         [{beside: 氏名}, {css: 'input[name=\"txt02\"]'}]":
            "name:         {timeout_ms: 300, any: [{css: 'input[name=\"gone\"]'}]}",
        "phone:        [{beside: 電話番号}": "phone:        [{css: '#gone'}, {beside: 電話番号}",
        "address:      [{beside: 住所}": "address:      [{css: 'input[type=\"text\"]'}",
    })
    changed = check_bot(load_bot(project / "bots" / BOT.name, project / "selectors"), cases,
                        tmp_path / "home")
    status = {h.name: h.status for found in changed.screens.values() for h in found}
    assert status["form.name"] == "missing"
    assert status["form.phone"] == "fallback"
    assert status["form.address"] == "ambiguous"
    assert [h.name for h in changed.missing] == ["form.name"]
    assert app.dump() == []


def test_inspect_lists_controls_behind_the_login_and_writes_a_map(app: LegacyWebApp,
                                                                  tmp_path: Path) -> None:
    """After the bot's login, the entry form's fields (in a frame) get unique alternatives,
    merged into a copy of the map with its comments (the sex radios as one target with an
    option per button, named by the words after each); a second write is refused."""
    bot = load_bot(BOT, ROOT / "selectors")
    shot = tmp_path / "entry.png"
    found = inspect_url(f"{app.url}/entry", bot=bot, home=tmp_path / "home", screenshot=shot)
    assert (found.landed, found.redirected) == (f"{app.url}/entry", False)
    by_name = {c.name: c for c in found.controls}
    assert by_name["txt02"].reads == "氏名" and by_name["txt02"].frame == 'iframe[name="main"]'
    assert [a.describe() for a in by_name["txt02"].proposals] == [
        "beside='氏名' in iframe[name=\"main\"]", "css='input[name=\"txt02\"]' in iframe[name=\"main\"]"]
    assert any(a.strategy == "beside" for a in by_name["txt04"].ambiguous)  # 生年月日 ×4
    assert shot.read_bytes()[:4] == b"\x89PNG"
    target = tmp_path / "registry_web.yaml"
    shutil.copy(ROOT / "selectors" / "registry_web.yaml", target)
    before = target.read_text("utf-8")
    added = merge(target, "registry_web", "entry", found.controls)
    after = target.read_text("utf-8")
    assert after.startswith(before.rstrip("\n"))  # comments and every old line kept
    loaded = load_selector_map(target)
    assert loaded.get("entry.txt02").alternatives[0].value == "氏名"
    assert loaded.get("entry.pwd01").secret
    sex = loaded.get("entry.rdo01")  # the two radios: one target, an option per button
    assert {name: [a.describe() for a in option.alternatives]
            for name, option in sex.options.items()} == {
        "男": ["css='input[name=\"rdo01\"][value=\"1\"]' in iframe[name=\"main\"]"],
        "女": ["css='input[name=\"rdo01\"][value=\"2\"]' in iframe[name=\"main\"]"]}
    radios = [c for c in found.controls if c.kind == "radio" and c.proposals]
    assert added == len([c for c in found.controls if c.proposals]) - len(radios) + 1
    with pytest.raises(ConfigError, match="never replaces"):
        merge(target, "registry_web", "entry", found.controls)
    assert target.read_text("utf-8") == after


def test_inspect_command_starts_a_new_map(app: LegacyWebApp, tmp_path: Path) -> None:
    """`robot inspect URL --write NEW.yaml` lists the login's fields and writes a map that
    loads, the password field secret; the screenshot is written where asked."""
    new_map = tmp_path / "selectors" / "town.yaml"
    ran = subprocess.run([str(ROBOT), "inspect", f"{app.url}/login", "--write", str(new_map),
                          "--screen", "login", "--screenshot", str(tmp_path / "login.png")],
                         capture_output=True, text=True, timeout=120, check=False,
                         env={**os.environ, "COLUMNS": "200"})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "利用者ID" in ran.stdout and "3 target(s) added under login" in ran.stdout
    loaded = load_selector_map(new_map)
    assert loaded.app == "town"
    assert loaded.get("login.f1").alternatives[0].describe() == "beside='利用者ID'"
    assert loaded.get("login.f2").secret
    assert (tmp_path / "login.png").stat().st_size > 1000


def test_inspect_names_a_redirect_and_maps_it_only_when_told(app: LegacyWebApp,
                                                             tmp_path: Path) -> None:
    """The menu asked for without --bot shows the login: the table's title and a line name
    the page landed on and point to --bot, and no map is written; with --follow the login's
    controls are written under the screen named."""
    new_map = tmp_path / "selectors" / "town.yaml"

    def inspect(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(ROBOT), "inspect", f"{app.url}/menu", "--write", str(new_map),
                               "--screen", "menu", "--screenshot", str(tmp_path / "m.png"),
                               *extra], capture_output=True, text=True, timeout=120,
                              check=False, env={**os.environ, "COLUMNS": "200"})

    refused = inspect()
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert f"{app.url}/menu → landed on {app.url}/login" in refused.stdout  # the title
    assert f"landed on {app.url}/login, not the URL asked for" in refused.stdout
    assert "give --bot BOT" in refused.stdout and "利用者ID" in refused.stdout
    assert "nothing written" in refused.stderr and "--follow" in refused.stderr
    assert not new_map.exists()
    followed = inspect("--follow")
    assert followed.returncode == 0, followed.stdout + followed.stderr
    assert "3 target(s) added under menu" in followed.stdout
    assert load_selector_map(new_map).get("menu.f2").secret  # the login's password field


def test_inspect_runs_a_bot_whose_map_lacks_the_screen_being_inspected(
        app: LegacyWebApp, tmp_path: Path) -> None:
    """The map has no menu screen yet, but the bot's setup ends with a wait_for of menu.entry:
    --bot still logs in (setup up to that step), names what the map lacks, lands on the menu
    itself and writes its controls into the map."""
    project = _project(tmp_path, **{
        "  menu:\n    targets:\n      entry:    [{role: link, name: 転入届 入力}, "
        "{css: 'a[href=\"/entry\"]'}]\n": ""})
    map_file = project / "selectors" / "registry_web.yaml"
    with pytest.raises(BotScriptError, match=r"unknown target 'menu\.entry'"):
        load_bot(project / "bots" / BOT.name, project / "selectors")
    env = {**os.environ, "ROBOT_PROJECT": str(project), "ROBOT_HOME": str(tmp_path / "home"),
           "COLUMNS": "200"}
    ran = subprocess.run([str(ROBOT), "inspect", f"{app.url}/menu", "--bot", BOT.stem,
                          "--write", str(map_file), "--screen", "menu", "--screenshot",
                          str(tmp_path / "menu.png")],
                         capture_output=True, text=True, env=env, timeout=120, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    said = " ".join(ran.stdout.split())  # rich wraps long lines
    assert f"not in the map yet: menu.entry ({project / 'bots' / BOT.name}:31:" in said
    assert "its setup runs up to setup[2] wait_for, which names one" in said
    assert "landed on" not in said and "転入届 入力" in said  # the menu's own link
    menu = {n: t for n, t in load_selector_map(map_file).targets.items() if n.startswith("menu.")}
    assert any("転入届 入力" in t.alternatives[0].describe() for t in menu.values()), menu


def test_inspect_upto_maps_the_confirmation_only_its_form_opens(app: LegacyWebApp,
                                                                tmp_path: Path) -> None:
    """The map lacks the confirmation page (only the form's POST opens it): --upto 18 types
    the first sample case up to 確認, inspects the page before the wait_for of it and writes
    its 登録 button into the map; the case is abandoned, nothing is saved, and its My Number
    is nowhere in what is shown. --upto past the saving click is refused before starting."""
    project = _project(tmp_path)
    map_file = project / "selectors" / "registry_web.yaml"
    text = map_file.read_text("utf-8")
    map_file.write_text(text[:text.index("  confirm:\n")] + text[text.index("  done:\n"):],
                        encoding="utf-8")
    env = {**os.environ, "ROBOT_PROJECT": str(project), "ROBOT_HOME": str(tmp_path / "home"),
           "COLUMNS": "200"}

    def inspect(upto: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(ROBOT), "inspect", "--bot", BOT.stem, "--upto", upto,
                               "--input", str(SAMPLE), "--write", str(map_file), "--screen",
                               "confirm", "--screenshot", str(tmp_path / "confirm.png")],
                              capture_output=True, text=True, env=env, timeout=120,
                              check=False)

    past = inspect("22")
    assert past.returncode == 3, past.stdout + past.stderr
    assert "the furthest is --upto 21" in past.stderr and not (tmp_path / "confirm.png").exists()
    ran = inspect("18")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    said = " ".join(ran.stdout.split())
    first = EXPECTED["valid"][0]
    assert f"before steps[18] wait_for: case {first['case_id']} typed up to there" in said
    assert first["my_number"] not in ran.stdout + ran.stderr
    confirm = {n: t for n, t in load_selector_map(map_file).targets.items()
               if n.startswith("confirm.")}
    assert any(t.alternatives[0].describe().startswith("alt='登録'") for t in confirm.values())
    assert (tmp_path / "confirm.png").stat().st_size > 1000
    assert app.dump() == []


def test_one_failing_case_pauses_and_keeps_a_scrubbed_trace(app: LegacyWebApp,
                                                            tmp_path: Path) -> None:
    """--case runs one case; it fails, waits for Enter, and leaves a trace.zip free of secrets."""
    project = _project(tmp_path, **{
        "remarks:      [{beside: 備考}, {css: 'textarea[name=\"txa01\"]'}]":
            "remarks:      {timeout_ms: 300, any: [{css: 'textarea[name=\"gone\"]'}]}"})
    (project / "bots" / BOT.name).write_text(
        BOT.read_text("utf-8").replace("retry: {step: 3, case: 5,", "retry: {step: 1, case: 1,"),
        encoding="utf-8")
    home = tmp_path / "home"
    env = {**os.environ, "ROBOT_PROJECT": str(project), "ROBOT_HOME": str(home)}
    ran = subprocess.run([str(ROBOT), "run", "resident_registration", "--input", str(SAMPLE),
                          "--direct", "--case", "U2025-0003", "--trace", "--pause-on-failure"],
                         input="\n", capture_output=True, text=True, env=env, timeout=120,
                         check=False)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert "paused:" in ran.stderr and "U2025-0003" in ran.stderr
    [trace] = home.glob("runs/*/traces/U2025-0003/trace.zip")
    with zipfile.ZipFile(trace) as archive:
        names = archive.namelist()
        content = b"".join(archive.read(n) for n in names)
    assert any(n.endswith(".trace") for n in names)
    my_number = next(e["my_number"] for e in EXPECTED["valid"] if e["case_id"] == "U2025-0003")
    assert my_number.encode() not in content  # typed before remarks failed, then scrubbed
    assert b"********" in content
    assert "U2025-0003" in ran.stdout and "U2025-0004" not in ran.stdout
    assert app.dump() == []


def test_headed_without_a_display_and_an_unknown_case_are_one_line(tmp_path: Path) -> None:
    """--headed with no DISPLAY names the display; --case with a key not in the file is exit 3."""
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env |= {"ROBOT_PROJECT": str(ROOT), "ROBOT_HOME": str(tmp_path / "home"),
            "REGISTRY_URL": "http://127.0.0.1:9", "REGISTRY_USER": "u", "REGISTRY_PASSWORD": "p"}
    headed = subprocess.run([str(ROBOT), "run", "resident_registration", "--input",
                             str(SAMPLE), "--direct", "--headed", "--limit", "1"],
                            capture_output=True, text=True, env=env, check=False)
    assert headed.returncode == 3
    assert "--headed needs a display" in headed.stderr and "chromium" not in headed.stderr
    unknown = subprocess.run([str(ROBOT), "run", "resident_registration", "--input",
                              str(SAMPLE), "--dry-run", "--case", "U9999"],
                             capture_output=True, text=True, env=env, check=False)
    assert unknown.returncode == 3 and "no case 'U9999'" in unknown.stderr
    assert "Traceback" not in headed.stderr + unknown.stderr


def _tutorial_yaml() -> list[str]:
    """The YAML blocks of the guide's "A bot for a new system"."""
    text = (ROOT / "docs" / "writing-bots.md").read_text("utf-8")
    section = text.split("## 12. A bot for a new system", 1)[1].split("\n## ", 1)[0]
    return [block.split("\n```", 1)[0] for block in section.split("```yaml\n")[1:]]


def test_the_tutorial_bot_loads_and_walks_the_registry(app: LegacyWebApp,
                                                       tmp_path: Path) -> None:
    """The guide's map and bot validate, and robot check walks every screen up to 登録 with
    every target the bot acts on found; nothing is saved."""
    map_text, bot_text = _tutorial_yaml()
    (tmp_path / "selectors").mkdir()
    (tmp_path / "bots").mkdir()
    (tmp_path / "selectors" / "town_registry.yaml").write_text(map_text, encoding="utf-8")
    (tmp_path / "bots" / "moving_in.yaml").write_text(bot_text, encoding="utf-8")
    env = {**os.environ, "TOWN_REGISTRY_URL": app.url, "ROBOT_PROJECT": str(tmp_path),
           "ROBOT_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    load_bot(tmp_path / "bots" / "moving_in.yaml", tmp_path / "selectors")  # robot validate
    ran = subprocess.run([str(ROBOT), "check", "town_registry", "--input", str(SAMPLE)],
                         capture_output=True, text=True, env=env, timeout=120, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    for screen in ("login", "menu", "entry", "confirm"):
        assert f"screen {screen}" in ran.stdout
    assert "stopped before steps[16] click (nothing saved)" in ran.stdout
    assert "not reached by the dry run: done, search" in ran.stdout
    assert "missing:" not in ran.stdout
    assert app.dump() == []
