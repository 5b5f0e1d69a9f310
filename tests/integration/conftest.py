"""Fixtures shared by the integration tests (real Chromium, real fixture apps)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from robot_core.drivers.web import WebDriver


@pytest.fixture
def driver() -> Iterator[WebDriver]:
    """A started web driver; stopped after the test (a module may keep one of its own)."""
    made = WebDriver()
    made.start()
    yield made
    made.stop()
