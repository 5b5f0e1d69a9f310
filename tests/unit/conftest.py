"""Fixtures shared by the unit tests of the runner, the worker and the outcome model."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fake_registry import CONFIRM_MAP, Sessions, make_bot

from robot_core.run.runner import Runner
from robot_core.script.model import BotScript
from robot_core.testing import FakeDriver
from robot_core.vault import new_key


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A robot home with credentials and a queue key in the environment."""
    monkeypatch.setenv("FAKE_USER", "clerk")
    monkeypatch.setenv("FAKE_PASSWORD", "clerk-pass-7788")
    monkeypatch.setenv("ROBOT_KEY", new_key())
    return tmp_path / "home"


@pytest.fixture
def bot(tmp_path: Path) -> BotScript:
    """The tiny registry bot."""
    return make_bot(tmp_path)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Callable[[str, FakeDriver], Runner]]:
    """A logged-in runner of a variant of the tiny bot on a given fake driver."""
    sessions = Sessions(tmp_path / "home")

    def start(bot: str, driver: FakeDriver) -> Runner:
        root = tmp_path / f"p{len(sessions.trails)}"
        run = sessions.runner(make_bot(root, bot, CONFIRM_MAP), driver)
        run.open()
        return run

    yield start
    sessions.close()
