"""``robot check`` counts the targets a bot needs inside its ``if``/``repeat``/``use`` steps too."""

from __future__ import annotations

from helpers import REPO

from robot_core.script.loader import load_bot
from robot_core.tools.check import needed_targets


def test_targets_used_only_inside_a_shared_block_are_needed() -> None:
    """The shipped web bot logs in through blocks/login.yaml: its login targets are needed, so
    a map that lost one fails the check as missing rather than 'not shown'."""
    bot = load_bot(REPO / "bots" / "resident_registration.yaml", REPO / "selectors")
    assert not any(s.action == "click" and s.target_name() == "login.submit" for s in bot.setup)
    assert {"login.user", "login.password", "login.submit"} <= needed_targets(bot)
