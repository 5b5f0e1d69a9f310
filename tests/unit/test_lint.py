"""``robot validate``'s warnings: each lint rule fires where it should, located, and only there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fake_registry import BOT, SELECTORS
from helpers import REPO, write_project

from robot_core.script.lint import lint
from robot_core.script.loader import load_bot

POSITIONAL = SELECTORS.replace(
    "      regno: '#regno'\n",
    "      regno: {any: [{xpath: '//table//tr[2]/td[1]'}]}\n"
    "      row: [{label: 行}, {css: 'tr:nth-child(3) input'}]\n"
    "      next: [{xpath: '//td[.=\"番号\"]/following-sibling::td[1]'}]\n")


def _warnings(tmp_path: Path, bot: str = BOT, selectors: str = SELECTORS) -> list[str]:
    path = write_project(tmp_path, bot, selectors=selectors, app="fake_registry",
                         name="register")
    return [str(w) for w in lint([load_bot(path, tmp_path / "selectors")])]


def test_a_clean_bot_has_no_warnings_and_an_unused_target_warns(tmp_path: Path) -> None:
    """The fake registry bot warns about nothing; a target no step names warns at its line."""
    assert _warnings(tmp_path) == []
    extra = SELECTORS.replace("      home: '#menu'\n", "      home: '#menu'\n      help: '#help'\n")
    line = extra.splitlines().index("      help: '#help'") + 1
    assert _warnings(tmp_path, BOT, extra) == [
        f"{tmp_path / 'selectors' / 'fake_registry.yaml'}:{line}:7: target menu.help is not "
        "used by any bot checked"]


def test_a_fixed_sleep_warns_at_its_line(tmp_path: Path) -> None:
    """sleep: 500 is a warning at the sleep step's file:line."""
    bot = BOT.replace("  - click: {target: form.save, commit: true}",
                      "  - sleep: 500\n  - click: {target: form.save, commit: true}")
    found = [w for w in _warnings(tmp_path, bot) if "fixed sleep" in w]
    line = bot.splitlines().index("  - sleep: 500") + 1
    assert found == [f"{tmp_path / 'bots' / 'register.yaml'}:{line}:5: steps[4] sleep: a fixed "
                     "sleep; wait_for the target that shows the screen is ready instead"]


def test_positional_selectors_warn_and_more_loudly_when_alone(tmp_path: Path) -> None:
    """tr[2] alone is 'only alternative'; nth-child beside a label is 'keep it last';
    following-sibling::td[1] is not positional."""
    found = _warnings(tmp_path, BOT, POSITIONAL)
    assert any("done.regno: its only alternative xpath=" in w for w in found)
    assert any("done.row: alternative css='tr:nth-child(3) input'" in w for w in found)
    assert not any("done.next:" in w and "positional" in w for w in found)


def test_a_commit_with_nothing_confirming_it_warns(tmp_path: Path) -> None:
    """A commit click with no wait_for after it is a warning at the click."""
    bot = BOT.replace("  - wait_for: {any: [done.regno, form.error]}\n", "")
    assert any("steps[4] click: nothing confirms this commit" in w
               for w in _warnings(tmp_path, bot))


def test_a_commit_without_verify_is_a_warning_not_an_error(tmp_path: Path) -> None:
    """commit: true without verify: loads, and warns that a retry types the case again."""
    start, end = BOT.index("verify:"), BOT.index("steps:")
    bot = BOT[:start] + BOT[end:]
    assert any("commit: true without a verify: block" in w for w in _warnings(tmp_path, bot))


def test_literals_that_look_like_secrets_warn(tmp_path: Path) -> None:
    """A My Number, a password and a URL with credentials written into steps all warn."""
    bot = BOT.replace('value: "{{ case.name }}"', 'value: "123456789012"').replace(
        "goto: http://registry/entry", "goto: http://clerk:pw123@registry/entry").replace(
        "  - goto: http://registry/menu", "  - fill: {target: form.name, value: "
        "'password=hunter2'}")
    found = [w for w in _warnings(tmp_path, bot) if "looks like" in w]
    assert len(found) == 3
    assert "a 12-digit number" in found[1] and "a user and password in a URL" in found[0]


def test_validate_warns_with_exit_0_and_strict_makes_it_exit_3(tmp_path: Path) -> None:
    """robot validate prints warnings and exits 0; --strict exits 3."""
    bot = BOT.replace("  - click: {target: form.save, commit: true}",
                      "  - sleep: 500\n  - click: {target: form.save, commit: true}")
    write_project(tmp_path, bot, selectors=SELECTORS, app="fake_registry", name="register")
    robot = [str(Path(sys.executable).parent / "robot"), "validate"]
    env = {"ROBOT_PROJECT": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    plain = subprocess.run(robot, capture_output=True, text=True, env=env, check=False)
    strict = subprocess.run([*robot, "--strict"], capture_output=True, text=True, env=env,
                            check=False)
    assert plain.returncode == 0 and "a fixed sleep" in plain.stderr
    assert strict.returncode == 3 and "--strict: failing" in strict.stderr
