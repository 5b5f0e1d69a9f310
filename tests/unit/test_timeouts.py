"""How long a step waits is decided once, in the run layer: step, then target, then the bot.

The driver (a ``FakeDriver`` here) is handed the resolved number and nothing else decides it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_registry import Sessions
from helpers import dedent, write_project

from robot_core.intake import CaseRow
from robot_core.run.timeouts import resolve_timeout
from robot_core.script.loader import load_bot
from robot_core.script.model import BotScript
from robot_core.testing import FakeDriver

SELECTORS = dedent("""\
    app: waits
    driver: web
    screens:
      form:
        targets:
          slow: {timeout_ms: 4000, any: [{css: '#slow'}]}
          plain: '#plain'
          sex: {timeout_ms: 2500, options: {男: '#m', 女: {timeout_ms: 700, any: [{css: '#f'}]}}}
    """)

BOT = dedent("""\
    name: waits
    driver: web
    app: waits
    input:
      key: id
      columns:
        id: {header: 番号, required: true}
    steps:
      - goto: http://app/form
      - fill: {target: form.slow, value: step wins, timeout_ms: 1234}
      - fill: {target: form.slow, value: target wins}
      - fill: {target: form.plain, value: bot default}
      - choose: {target: form.sex, value: 男}
      - choose: {target: form.sex, value: 女}
      - wait_for: form.slow
      - wait_for: {target: form.slow, timeout_ms: 99}
    timeouts: {step_ms: 6000, navigation_ms: 8000}
    """)


@pytest.fixture
def bot(tmp_path: Path) -> BotScript:
    """The bot above, loaded as ``robot run`` would."""
    path = write_project(tmp_path, BOT, selectors=SELECTORS, app="waits", name="waits")
    return load_bot(path, tmp_path / "selectors")


@pytest.fixture
def waits(bot: BotScript, tmp_path: Path) -> Iterator[list[tuple[str, str | None, int]]]:
    """(verb, value, timeout_ms) of every waiting call the bot's one case made."""
    sessions = Sessions(tmp_path / "home")
    driver = FakeDriver()
    runner = sessions.runner(bot, driver)
    runner.open()
    runner.run_case(CaseRow(2, "1", {"id": "1"}, {"番号": "1"}, []))
    runner.close()
    sessions.close()
    yield [(c.verb, c.value, c.args[-1]) for c in driver.calls
           if c.verb in {"goto", "fill", "set_checked", "wait_any"}]


def test_a_steps_own_timeout_beats_the_targets(waits: list[tuple[str, str | None, int]]) -> None:
    """A fill with its own timeout_ms waits that long, though its target sets another."""
    assert ("fill", "step wins", 1234) in waits


def test_a_targets_timeout_beats_the_bots_default(
        waits: list[tuple[str, str | None, int]]) -> None:
    """A fill without timeout_ms waits as long as its target's timeout_ms in the map."""
    assert ("fill", "target wins", 4000) in waits


def test_without_either_the_bots_default_applies(
        waits: list[tuple[str, str | None, int]]) -> None:
    """A fill of a target without timeout_ms waits the bot's timeouts.step_ms."""
    assert ("fill", "bot default", 6000) in waits


def test_choose_asks_the_option_then_its_target(waits: list[tuple[str, str | None, int]]) -> None:
    """choose waits an option's own timeout_ms, else the timeout_ms of the target it is in."""
    chosen = [w for w in waits if w[0] == "set_checked"]
    assert chosen == [("set_checked", "true", 2500), ("set_checked", "true", 700)]


def test_goto_and_wait_for_use_the_bots_timeouts(
        waits: list[tuple[str, str | None, int]]) -> None:
    """goto waits navigation_ms; wait_for its own timeout_ms, else step_ms (never a target's)."""
    assert waits[0] == ("goto", "http://app/form", 8000)
    assert [w[2] for w in waits if w[0] == "wait_any"] == [6000, 99]


def test_resolve_timeout_reads_the_step_before_the_target(bot: BotScript) -> None:
    """resolve_timeout itself: the step's number, the target's, then the bot's, in that order."""
    step_set, target_only, plain = bot.steps[1], bot.steps[2], bot.steps[3]
    slow, neither = bot.selectors.get("form.slow"), bot.selectors.get("form.plain")
    assert resolve_timeout(step_set, slow, bot) == 1234
    assert resolve_timeout(target_only, slow, bot) == 4000
    assert resolve_timeout(plain, neither, bot) == 6000
