"""A program that saves on exit is let finish even when it starts closing only after the
runner wants it stopped (a loaded machine answers the saving click late)."""

from __future__ import annotations

import sys
from pathlib import Path

from robot_core.drivers.desktop.launch import AppProcess
from robot_core.drivers.desktop.program import let_finish_s
from robot_core.script.launch import LaunchSpec


class Windows:
    """A display whose program's windows go away ``after`` calls to ``find``."""

    def __init__(self, after: int) -> None:
        self.left = after

    def find(self, title: str, *, exact: bool = True) -> object | None:
        self.left -= 1
        return object() if self.left > 0 else None


def _app(tmp_path: Path, **spec: object) -> AppProcess:
    launch = LaunchSpec(window="台帳", ready="台帳", command=(sys.executable, "-c",
                        "import time; time.sleep(30)"), cwd=str(tmp_path), **spec)  # type: ignore[arg-type]
    app = AppProcess(launch, ":0")
    app.start()
    return app


def test_a_program_that_starts_closing_after_a_save_gets_its_exit_time(tmp_path: Path) -> None:
    """After a saving case, windows that go within settle_ms mean the program is closing by
    itself: it gets exit_timeout_ms before any signal."""
    app = _app(tmp_path, settle_ms=3000, exit_timeout_ms=7000)
    try:
        wait = let_finish_s(app, app.spec, Windows(after=6), unconfirmed=False,  # type: ignore[arg-type]
                            committed=True)
        assert wait == 7.0
    finally:
        app.stop()


def test_a_program_back_at_its_form_is_not_waited_for(tmp_path: Path) -> None:
    """A program whose windows stay through settle_ms is at rest: no exit wait (and without
    a save in the case, not even the settle watch)."""
    app = _app(tmp_path, settle_ms=200, exit_timeout_ms=7000)
    try:
        assert let_finish_s(app, app.spec, Windows(after=10**6), unconfirmed=False,  # type: ignore[arg-type]
                            committed=True) == 0.0
        assert let_finish_s(app, app.spec, Windows(after=2), unconfirmed=False,  # type: ignore[arg-type]
                            committed=False) == 0.0
    finally:
        app.stop()
