"""Fixtures shared by the unit tests of the runner, the worker and the outcome model."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_registry import make_bot

from robot_core.script.model import BotScript
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
