"""A bot whose map lacks targets it names (the screen after the login, not inspected yet)
loads for ``robot inspect --bot`` with those targets listed, and logs in as far as the map
goes (``load_bot(unmapped=...)``, ``tools/inspect/web.runnable_setup``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_registry import BOT, SELECTORS
from helpers import write_project

from robot_core.errors import BotScriptError
from robot_core.script.loader import Unmapped, load_bot
from robot_core.tools.inspect.web import runnable_setup

#: the map without its menu screen and its page-level watch target
PARTIAL = SELECTORS.replace("  menu:\n    targets:\n      home: '#menu'\n", "").replace(
    "  page:\n    targets:\n      unavailable: '.down'\n", "")
assert PARTIAL.count("targets:") == SELECTORS.count("targets:") - 2


def _write(root: Path, bot: str = BOT) -> Path:
    return write_project(root, bot, selectors=PARTIAL, app="fake_registry", name="register")


def test_missing_targets_are_listed_where_named_instead_of_failing(tmp_path: Path) -> None:
    """Strictly the first missing target is an error; given a list, every one is noted with
    its file:line:column, and the bot loads with its steps as written."""
    path = _write(tmp_path)
    with pytest.raises(BotScriptError, match=r"unknown target 'menu\.home'"):
        load_bot(path, tmp_path / "selectors")
    unmapped: list[Unmapped] = []
    bot = load_bot(path, tmp_path / "selectors", unmapped=unmapped)
    assert [u.name for u in unmapped] == ["menu.home", "page.unavailable"]
    lines = BOT.splitlines()
    assert [(u.location.file, lines[u.location.line - 1].strip()) for u in unmapped] == [
        (str(path), "- wait_for: menu.home"),
        (str(path), "- {target: page.unavailable, means: system_unavailable}")]
    assert [s.label for s in bot.setup][-1] == "setup[4] wait_for"


def test_only_missing_targets_are_let_through(tmp_path: Path) -> None:
    """Any other problem of the bot still fails the load, list or no list."""
    path = _write(tmp_path, BOT.replace("{{ case.case_id }}", "{{ case.caseid }}"))
    with pytest.raises(BotScriptError, match="unknown column 'caseid'"):
        load_bot(path, tmp_path / "selectors", unmapped=[])


def test_a_choose_or_a_literal_of_a_missing_target_is_no_error(tmp_path: Path) -> None:
    """The checks that read the target itself (choose needs options; a password-like field
    takes no literal) wait for it to be mapped, except what its name alone says."""
    bot = BOT.replace("  - fill: {target: form.name,",
                      "  - choose: {target: form.sex, value: 男}\n  - fill: {target: form.name,")
    unmapped: list[Unmapped] = []
    load_bot(_write(tmp_path / "a", bot), tmp_path / "a" / "selectors", unmapped=unmapped)
    assert "form.sex" in [u.name for u in unmapped]
    literal = BOT.replace("  - fill: {target: form.name,",
                          "  - fill: {target: form.pin, value: '1234'}\n"
                          "  - fill: {target: form.name,")
    with pytest.raises(BotScriptError, match=r"form\.pin is a secret target"):
        load_bot(_write(tmp_path / "b", literal), tmp_path / "b" / "selectors", unmapped=[])


def test_setup_runs_up_to_its_first_step_naming_a_missing_target(tmp_path: Path) -> None:
    """The login's goto, fills and click run; the wait_for of the unmapped menu does not,
    nor the watch of an unmapped target; a bot whose map has all it names runs whole."""
    unmapped: list[Unmapped] = []
    bot = load_bot(_write(tmp_path), tmp_path / "selectors", unmapped=unmapped)
    runnable, cut = runnable_setup(bot, unmapped)
    assert [s.action for s in runnable.setup] == ["goto", "fill", "fill", "click"]
    assert cut is not None and cut.label == "setup[4] wait_for"
    assert [w.target for w in runnable.watch] == ["login.expired"]
    assert runnable.steps == bot.steps and runnable.recover == bot.recover
    lost = load_bot(_write(tmp_path / "r", BOT.replace(
        "  - goto: http://registry/menu\n", "  - goto: http://registry/menu\n"
        "  - wait_for: menu.home\n  - goto: http://registry/menu\n")),
        tmp_path / "r" / "selectors", unmapped=(names := []))
    assert [s.action for s in runnable_setup(lost, names)[0].recover] == ["goto"]
    nested = BOT.replace("  - click: login.submit\n  - wait_for: menu.home\n",
                         "  - if: {visible: login.submit}\n    then: [{wait_for: menu.home}]\n"
                         "  - click: login.submit\n")
    unmapped = []
    inside = load_bot(_write(tmp_path / "n", nested), tmp_path / "n" / "selectors",
                      unmapped=unmapped)
    runnable, cut = runnable_setup(inside, unmapped)
    assert cut is not None and cut.action == "if" and len(runnable.setup) == 3
    whole = write_project(tmp_path / "w", BOT, selectors=SELECTORS, app="fake_registry",
                          name="register")
    complete = load_bot(whole, tmp_path / "w" / "selectors", unmapped=(none := []))
    assert none == [] and runnable_setup(complete, none) == (complete, None)
