"""The CLI's stop: at once by default, gracefully where a case or a workbook may finish."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest

from robot_core.cli.app import GracefulStop
from robot_core.evidence.results import StopRequested


@pytest.fixture
def stopper() -> Iterator[GracefulStop]:
    """A GracefulStop installed for the test; pytest's own handlers come back after."""
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    made = GracefulStop()
    made.install()
    yield made
    signal.signal(signal.SIGINT, before[0])
    signal.signal(signal.SIGTERM, before[1])


def _signal(signum: int = signal.SIGTERM) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(0.05)  # the handler runs in the main thread at the next bytecode


def test_outside_a_graceful_phase_a_signal_stops_at_once(stopper: GracefulStop) -> None:
    """A signal while reading or queueing raises StopRequested where the code is."""
    with pytest.raises(StopRequested):
        _signal()
    assert stopper.exit_code == 143


def test_in_a_graceful_phase_the_first_signal_only_asks(stopper: GracefulStop) -> None:
    """Within graceful(), the first signal sets requested(); the second stops at once."""
    with stopper.graceful():
        _signal(signal.SIGINT)
        assert stopper.requested()
        with pytest.raises(StopRequested):
            _signal(signal.SIGINT)
    assert stopper.exit_code == 130


def test_a_stop_asked_before_an_abortable_phase_stops_it_before_it_starts(
        stopper: GracefulStop) -> None:
    """A signal taken gracefully still keeps the next abortable phase from starting."""
    with stopper.graceful():
        _signal()
    with pytest.raises(StopRequested), stopper.abortable():
        pytest.fail("the phase must not start")


def test_the_deadline_gives_one_grace_second_from_the_later_of_signal_and_start(
        stopper: GracefulStop) -> None:
    """A workbook started after the signal still gets its grace; then the deadline is due."""
    with stopper.graceful("the results workbook"):
        due = stopper.deadline()
        assert not due()
        _signal()
        assert not due()
        time.sleep(stopper.GRACE + 0.1)
        assert due()
        later = stopper.deadline()  # a workbook begun after the signal: its own second
        assert not later()
