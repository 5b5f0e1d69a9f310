"""Shared fixtures: the real fixture registry on loopback, a robot home, the shipped bots."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.legacy_web.process import LegacyWebApp
from fixtures.pg_server import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "cases" / "sample.xlsx"
EXPECTED = json.loads((ROOT / "fixtures" / "cases" / "sample.expected.json").read_text("utf-8"))


@pytest.fixture
def registry(tmp_path: Path) -> Callable[..., LegacyWebApp]:
    """Start the fixture registry with the given fault switches; stopped after the test."""
    apps: list[LegacyWebApp] = []

    def start(**switches: Any) -> LegacyWebApp:
        app = LegacyWebApp(tmp_path / f"registry{len(apps)}.db", **switches).__enter__()
        apps.append(app)
        return app

    yield start  # type: ignore[misc]
    for app in apps:
        app.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL server for the whole session (Debian's binaries; never skipped)."""
    with PostgresServer() as server:
        yield server


@pytest.fixture
def robot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Credentials and ROBOT_HOME for a run; returns the home folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("ROBOT_HOME", str(home))
    monkeypatch.setenv("ROBOT_PROJECT", str(ROOT))
    monkeypatch.setenv("REGISTRY_USER", "clerk")
    monkeypatch.setenv("REGISTRY_PASSWORD", "clerk-pass")
    yield home
