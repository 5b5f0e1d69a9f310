"""``robot inspect --bot BOT --upto N`` refuses, before a browser starts, any N whose steps
before it could save or need a target the map lacks (``tools/inspect/upto.upto_index``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_registry import BOT, CONFIRM_MAP, CONFIRMED, make_bot
from helpers import write_project

from robot_core.errors import BotScriptError, ConfigError
from robot_core.script.loader import Unmapped, load_bot
from robot_core.tools.inspect.upto import upto_index
from robot_core.tools.inspect.web import runnable_setup

# CONFIRMED's steps: 0 goto, 1-3 fill, 4 click form.confirm, 5 click form.save (commit), ...


def test_upto_runs_at_most_to_the_saving_click(tmp_path: Path) -> None:
    """N or steps[N] (as the audit trail names it); the saving click itself may be the step
    inspected before, never one after it; a step number the bot has not is refused."""
    bot = make_bot(tmp_path, CONFIRMED, CONFIRM_MAP)
    assert [upto_index(t, bot) for t in ("0", "4", "steps[5]", "steps[5] click")] == [0, 4, 5, 5]
    with pytest.raises(BotScriptError, match=r"would run steps\[5\] click, the saving click"):
        upto_index("6", bot)
    for wrong in ("99", "-1", "confirm", ""):
        with pytest.raises(BotScriptError, match="takes a step of register's steps, 0 to"):
            upto_index(wrong, bot)


def test_a_bot_without_a_marked_saving_click_runs_no_steps(tmp_path: Path) -> None:
    unmarked = make_bot(tmp_path, BOT.replace("{target: form.save, commit: true}", "form.save"))
    with pytest.raises(BotScriptError, match="marks no commit: true step"):
        upto_index("1", unmarked)


def test_steps_before_n_and_the_setup_must_have_their_targets_mapped(tmp_path: Path) -> None:
    """A map without the confirm button: up to the step that clicks it is fine, past it is
    refused, naming the step and the target; a setup cut short (its login screen unmapped)
    refuses every N."""
    path = write_project(tmp_path / "a", CONFIRMED, selectors=CONFIRM_MAP.replace(
        "      confirm: '#confirm'\n", ""), app="fake_registry", name="register")
    unmapped: list[Unmapped] = []
    bot = load_bot(path, tmp_path / "a" / "selectors", unmapped=unmapped)
    assert upto_index("4", bot, unmapped) == 4
    with pytest.raises(ConfigError, match=r"steps\[4\] click names form\.confirm, not in the "
                                          r"map yet: --upto 4 inspects"):
        upto_index("5", bot, unmapped)
    no_login = CONFIRM_MAP.replace("      submit: '#login'\n", "")
    assert no_login != CONFIRM_MAP
    path = write_project(tmp_path / "b", CONFIRMED, selectors=no_login, app="fake_registry",
                         name="register")
    unmapped = []
    login = load_bot(path, tmp_path / "b" / "selectors", unmapped=unmapped)
    _, cut = runnable_setup(login, unmapped)
    with pytest.raises(ConfigError, match=r"setup\[3\] click of setup names a target"):
        upto_index("0", login, unmapped, cut)
