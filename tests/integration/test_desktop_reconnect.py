"""The desktop driver's keyboard and mouse survive an X server restarted under the same name."""

from __future__ import annotations

import pytest

from robot_core.drivers.desktop.input import Input
from tests.integration.desktop_env import desktop_environment, xvfb


def test_input_reconnects_to_an_x_server_restarted_on_the_same_display(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """pyautogui connects once per process; after its X server went away and a new one took
    the same display number, a new Input talks to the new server instead of a dead socket."""
    with xvfb() as first:
        for key, value in desktop_environment(first).items():
            monkeypatch.setenv(key, value)
        Input(first).click(10, 10)
    with xvfb() as second:
        assert second == first  # the number is free again: the very case that broke
        Input(second).click(20, 20)  # a dead connection raised BrokenPipeError here
        import pyautogui  # noqa: PLC0415 - after Input bound it

        assert pyautogui.position() == (20, 20)
