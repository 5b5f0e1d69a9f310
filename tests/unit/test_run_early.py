"""``run/early.py``: the browser started on this thread while another prepares the run."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from robot_core.errors import CaseDataError, ConfigError
from robot_core.run.early import start_while
from robot_core.run.ending import NoStop


class Browser:
    """A driver that records what was asked of it, and on which thread."""

    def __init__(self, fails: bool = False) -> None:
        self.calls: list[str] = []
        self.threads: set[str] = set()
        self.fails = fails

    def _called(self, name: str) -> None:
        self.calls.append(name)
        self.threads.add(threading.current_thread().name)

    def begin(self) -> None:
        """Node alone."""
        self._called("begin")

    def start(self) -> None:
        """Chromium."""
        self._called("start")
        if self.fails:
            raise ConfigError("cannot start Chromium")

    def stop(self) -> None:
        """Everything."""
        self._called("stop")


def test_the_browser_starts_on_this_thread_while_prepare_runs_on_another() -> None:
    """``prepare`` runs on its own thread, the driver on the caller's; its value comes back."""
    browser, seen = Browser(), []

    def prepare(ready: Callable[[], None]) -> str:
        seen.append(threading.current_thread().name)
        ready()
        return "queued"

    assert start_while(browser, prepare, NoStop()) == "queued"  # type: ignore[arg-type]
    assert browser.calls == ["begin", "start"]
    assert browser.threads == {threading.current_thread().name}
    assert seen == ["prepare"]


def test_a_failure_before_ready_launches_no_browser() -> None:
    """A bad header (before ``ready``) is raised as it is, and Chromium never launched."""
    browser = Browser()

    def prepare(_ready: Callable[[], None]) -> str:
        raise CaseDataError("cases.xlsx: no header row with 受付番号")

    with pytest.raises(CaseDataError, match="no header row"):
        start_while(browser, prepare, NoStop())  # type: ignore[arg-type]
    assert browser.calls == ["begin", "stop"]


def test_a_failure_after_ready_stops_the_browser_and_is_raised() -> None:
    """An intake that fails once Chromium may launch leaves no browser behind."""
    browser = Browser()

    def prepare(ready: Callable[[], None]) -> str:
        ready()
        raise CaseDataError("cases.xlsx: unreadable at row 40")

    with pytest.raises(CaseDataError, match="row 40"):
        start_while(browser, prepare, NoStop())  # type: ignore[arg-type]
    assert browser.calls[-1] == "stop"
    assert browser.calls.count("begin") == 1


def test_a_stop_while_preparing_is_raised_here_and_stops_the_browser() -> None:
    """``StopRequested`` from the preparing thread (a rolled-back batch) reaches the caller."""
    from robot_core.errors import StopRequested  # noqa: PLC0415

    browser = Browser()

    def prepare(ready: Callable[[], None]) -> str:
        ready()
        raise StopRequested

    with pytest.raises(StopRequested):
        start_while(browser, prepare, NoStop())  # type: ignore[arg-type]
    assert browser.calls[-1] == "stop"


def test_a_browser_that_will_not_start_is_left_to_the_worker() -> None:
    """Chromium failing to launch is not raised here: the batch is still queued, and the
    worker's own start meets the error where the run tells it."""
    browser = Browser(fails=True)
    assert start_while(browser, lambda ready: ready() or "queued",  # type: ignore[arg-type]
                       NoStop()) == "queued"
    assert browser.calls == ["begin", "start", "stop"]
