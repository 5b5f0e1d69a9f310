"""How a run learns it should stop (``Stopper``), and how far it got (``Ending``).

Light on purpose: ``robot run`` needs both before the heavy modules of a run are imported
(they are imported on another thread while the browser starts, ``run/early.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from robot_core.home import RunPaths
    from robot_core.outcome import RunOutcome
    from robot_core.queue import Batch


class Stopper(Protocol):
    """How a run learns that the operator wants it to stop (the CLI's signal handler)."""

    def requested(self) -> bool:
        """A stop was asked for: finish the case in hand, start no other."""

    def graceful(self, doing: str = "the current case") -> AbstractContextManager[None]:
        """Within: the first signal only sets ``requested`` (``doing`` goes on); a second
        stops at once."""

    def abortable(self) -> AbstractContextManager[None]:
        """Within: a signal stops at once (``StopRequested`` is raised where the code is)."""

    def deadline(self) -> Callable[[], bool]:
        """From now: true once a stop asked for has had its short grace (or a second came)."""


class NoStop:
    """A ``Stopper`` that is never asked (library callers, tests)."""

    def requested(self) -> bool:
        """Never."""
        return False

    @contextmanager
    def _same(self) -> Iterator[None]:
        yield

    def graceful(self, doing: str = "") -> AbstractContextManager[None]:
        """Nothing changes."""
        return self._same()

    def abortable(self) -> AbstractContextManager[None]:
        """Nothing changes."""
        return self._same()

    def deadline(self) -> Callable[[], bool]:
        """Never due."""
        return lambda: False


class Polled:
    """``stop`` as seen from a thread other than the main one, which hears no signal: a stop
    is learnt by asking ``requested`` (queueing asks before each row), never raised there."""

    def __init__(self, stop: Stopper) -> None:
        self._stop = stop

    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self._stop.requested()

    def graceful(self, doing: str = "") -> AbstractContextManager[None]:
        """Nothing changes here (the main thread decides)."""
        return nullcontext()

    def abortable(self) -> AbstractContextManager[None]:
        """Nothing changes here: the work polls ``requested``."""
        return nullcontext()

    def deadline(self) -> Callable[[], bool]:
        """The stopper's own."""
        return self._stop.deadline()


@dataclass
class Ending:
    """How far a run got, filled as it goes: what the console tells however it ends."""

    paths: RunPaths | None = None
    batch: Batch | None = None
    outcome: RunOutcome | None = None
    results_written: bool = False
    stopped_in: str = ""  # "queue" or "results" when a stop ended that phase
