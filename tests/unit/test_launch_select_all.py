"""`launch.select_all`: the keys that select a desktop field's text, checked at load."""

from __future__ import annotations

import pytest

from robot_core.errors import BotScriptError
from robot_core.script.launch import parse_launch


def test_select_all_defaults_to_ctrl_a_and_keeps_what_the_map_says() -> None:
    """Without the key it is ctrl+a (Windows, GTK); a Tk map's Control+/ is kept as written."""
    assert parse_launch({"window": "w"}).select_all == "ctrl+a"
    assert parse_launch({"window": "w", "select_all": " Control+/ "}).select_all == "Control+/"


@pytest.mark.parametrize("value", ["", "  ", 5, ["ctrl", "a"]])
def test_a_select_all_that_is_not_keys_is_refused(value: object) -> None:
    """An empty or non-text select_all is a script error naming the key."""
    with pytest.raises(BotScriptError, match="select_all names keys"):
        parse_launch({"window": "w", "select_all": value})
