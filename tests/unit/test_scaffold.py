"""robot new: the files it writes load, their test passes, and nothing is overwritten."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from robot_core.errors import BotScriptError, ConfigError
from robot_core.intake import read_cases
from robot_core.script.loader import load_bot
from robot_core.tools.scaffold import GUIDE, scaffold

ROOT = Path(__file__).resolve().parents[2]


def test_new_web_and_desktop_bots_load_and_their_tests_pass(tmp_path: Path) -> None:
    """Both drivers' bots validate, read their sample cases, and the written tests pass."""
    web = scaffold(tmp_path, "permits", "web", "permit_web", "http://permits.local")
    desk = scaffold(tmp_path, "kiosk", "desktop", "kiosk_app", "受付 - 窓口")
    for made in (web, desk):
        bot = load_bot(made.bot, tmp_path / "selectors")
        assert GUIDE in made.bot.read_text("utf-8") and GUIDE in made.selectors.read_text("utf-8")
        assert any(getattr(s.args, "commit", False) for s in bot.steps)
        assert [r.values["name"] for r in read_cases(made.cases, bot.input).rows] == \
            ["山田 太郎", "佐藤 花子"]
    assert load_bot(desk.bot, tmp_path / "selectors").selectors.launch["window"] == "受付 - 窓口"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/bots"], cwd=tmp_path, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_new_refuses_existing_files_and_bad_names(tmp_path: Path) -> None:
    """A second `new` with a taken name changes nothing; a name that is not plain is refused."""
    made = scaffold(tmp_path, "permits", "web", "permit_web")
    before = made.bot.read_bytes()
    made.bot.write_text(before.decode() + "# edited\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="never overwrites"):
        scaffold(tmp_path, "permits", "web", "other_app")
    assert made.bot.read_text("utf-8").endswith("# edited\n")
    assert not (tmp_path / "selectors" / "other_app.yaml").exists()
    for bot, app in (("1st", "permit_web"), ("ok", "../x"), ("a b", "x")):
        with pytest.raises(BotScriptError, match="plain name"):
            scaffold(tmp_path, bot, "web", app)


def test_robot_new_command_names_the_files_and_refuses_twice(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             ) -> None:
    """`robot new` prints each file written and the next commands (a desktop bot's: start
    the program, inspect --desktop); again, it is exit 3."""
    from click.testing import CliRunner  # noqa: PLC0415 - only this test runs the CLI

    from robot_core.cli import main  # noqa: PLC0415

    monkeypatch.setenv("ROBOT_PROJECT", str(tmp_path))
    args = ["new", "permits", "--driver", "web", "--app", "permit_web", "--url", "http://p.test"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    for name in ("bots/permits.yaml", "selectors/permit_web.yaml",
                 "fixtures/cases/permits.xlsx", "tests/bots/test_permits.py"):
        assert f"wrote  {name}" in first.output
    assert "robot run permits --input fixtures/cases/permits.xlsx --dry-run" in first.output
    assert "then add --bot permits" in first.output  # a login first, then what is behind it
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 3 and "never overwrites" in again.output
    desktop = CliRunner().invoke(main, ["new", "ledger", "--driver", "desktop", "--app", "tk"])
    assert desktop.exit_code == 0, desktop.output
    assert "launch.command in selectors/tk.yaml" in desktop.output
    assert "robot inspect --desktop" in desktop.output


def _validate_strict(project: Path) -> subprocess.CompletedProcess[str]:
    robot = Path(sys.executable).parent / "robot"
    return subprocess.run([str(robot), "validate", "--strict"], cwd=project, text=True,
                          capture_output=True, check=False,
                          env={**os.environ, "ROBOT_PROJECT": str(project)})


def test_new_bots_pass_strict_validation_and_name_their_schemas(tmp_path: Path) -> None:
    """What `robot new` writes has no lint warning (`validate --strict` is exit 0), names its
    JSON Schema on the first line, and the schemas it names are written and hold the files."""
    web = scaffold(tmp_path, "permits", "web", "permit_web", "http://permits.local")
    desk = scaffold(tmp_path, "kiosk", "desktop", "kiosk_app")
    done = _validate_strict(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "⚠" not in done.stderr
    for made in (web, desk):
        for path, schema in ((made.bot, "bot"), (made.selectors, "selectors")):
            first = path.read_text("utf-8").splitlines()[0]
            assert first == f"# yaml-language-server: $schema=../schemas/{schema}.schema.json"
            body = json.loads((path.parent / first.split("=", 1)[1]).read_text("utf-8"))
            jsonschema.validate(yaml.safe_load(path.read_text("utf-8")), body)
    assert sorted(p.name for p in web.schemas) == ["bot.schema.json", "selectors.schema.json"]
    assert desk.schemas == []  # already there: never overwritten


def test_new_bots_log_in_with_a_shared_login_block(tmp_path: Path) -> None:
    """With blocks/login.yaml in the project the new bot's setup is `- use: login`, its map
    has the login screen that block types into; strict validation and its test pass."""
    (tmp_path / "blocks").mkdir()
    shutil.copy(ROOT / "blocks" / "login.yaml", tmp_path / "blocks" / "login.yaml")
    web = scaffold(tmp_path, "permits", "web", "permit_web")
    desk = scaffold(tmp_path, "kiosk", "desktop", "kiosk_app")
    for made in (web, desk):
        bot = load_bot(made.bot, tmp_path / "selectors")
        assert [s.action for s in bot.setup].count("use") == 1
        assert {"login.user", "login.password", "login.submit"} <= set(bot.selectors.targets)
    done = _validate_strict(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/bots"], cwd=tmp_path, capture_output=True, text=True,
                           check=False)
    assert tests.returncode == 0 and "2 passed" in tests.stdout, tests.stdout + tests.stderr


def test_a_login_block_that_does_not_fit_is_left_out(tmp_path: Path) -> None:
    """A blocks/login.yaml that needs a parameter the scaffold cannot give does not break
    `robot new`: the bot is written without it, and loads."""
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "login.yaml").write_text(
        "description: x\nparams:\n  tenant: {description: needed}\nsteps:\n"
        "  - click: login.submit\n", encoding="utf-8")
    made = scaffold(tmp_path, "permits", "web", "permit_web")
    bot = load_bot(made.bot, tmp_path / "selectors")
    assert "use" not in [s.action for s in bot.setup]
    assert "login.user" not in bot.selectors.targets
