"""The ``Driver`` seam: what the runner needs from a web browser or a desktop program.

Contract shared by every driver:

* Targets come resolved from the selector map; a driver tries their alternatives in order
  and uses the first that is on screen.
* A target that does not appear within ``timeout_ms`` raises ``TargetNotFound``. The number
  is final (``robot_core.run.timeouts`` chose it: step, then target, then the bot); a driver
  never reads ``Target.timeout_ms`` itself.
* A short-lived fault worth repeating the same call for raises ``TransientError``.
* An error page from the legacy system on navigation raises ``SystemUnavailable``.
* A legacy system that takes a request and never answers raises ``NoResponse`` within the
  step's timeout plus the navigation timeout, never ``TargetNotFound``.
* Nothing a driver raises on purpose is outside ``robot_core.errors``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from robot_core.errors import ApplicationError
from robot_core.selectors import Target


@runtime_checkable
class Driver(Protocol):
    """Drives one legacy application for one worker."""

    def set_interrupts(self, interrupts: Sequence[tuple[Target, type[ApplicationError]]]) -> None:
        """Targets that end any wait at once with their error (a login page, an error page)."""

    def start(self) -> None:
        """Open the application (browser, program); called once per worker."""

    def stop(self) -> None:
        """Close everything the driver opened; safe to call twice."""

    def recycle(self) -> None:
        """Throw away session state (web: a fresh context; desktop: restart the program).

        Long runs call this every few dozen cases so memory stays flat; the runner logs in
        again afterwards.
        """

    def restart(self) -> None:
        """Last-resort recovery: close and start again from nothing."""

    def goto(self, url: str, timeout_ms: int) -> None:
        """Navigate to ``url`` (desktop: bring the named window forward)."""

    def click(self, target: Target, timeout_ms: int) -> str:
        """Click the target; returns the description of the alternative that matched."""

    def fill(self, target: Target, value: str, timeout_ms: int) -> str:
        """Replace the target's content with ``value`` (any script, kanji included)."""

    def select(self, target: Target, value: str | None, label: str | None,
               timeout_ms: int) -> str:
        """Pick an option of a list by its value or its visible label."""

    def set_checked(self, target: Target, checked: bool, timeout_ms: int) -> str:
        """Tick or untick a checkbox or radio button."""

    def press(self, target: Target | None, key: str, timeout_ms: int) -> None:
        """Press a key (``Enter``, ``Tab``, ``Control+S``), on the target if one is given."""

    def read_text(self, target: Target, timeout_ms: int) -> str:
        """The visible text (or an input's value) of the target."""

    def read_attribute(self, target: Target, name: str, timeout_ms: int) -> str:
        """The value of the target's attribute ``name`` ("" when it has none; web only)."""

    def current_url(self) -> str:
        """The address of the page shown (web only)."""

    def window_title(self) -> str:
        """The title of the page (web) or of the window holding the keyboard (desktop)."""

    def is_visible(self, target: Target) -> bool:
        """Whether the target is on screen right now, without waiting."""

    def wait_any(self, targets: Sequence[Target], timeout_ms: int) -> Target:
        """Wait until one of ``targets`` is on screen and return it."""

    def wait_gone(self, target: Target, timeout_ms: int) -> None:
        """Wait until no alternative of ``target`` is on screen (a dialog closed).

        Still there after ``timeout_ms``: ``TargetNotFound`` saying so.
        """

    def screenshot(self, path: Path, mask: Sequence[Target], secrets: Sequence[str] = ()) -> Path:
        """Save a full screenshot to ``path`` with every ``mask`` target blacked out.

        A driver that can see text also blacks out wherever one of ``secrets`` shows (a My
        Number typed into a field the selector map forgot to mark secret).
        """


@runtime_checkable
class PageAware(Protocol):
    """What a driver that can tell whether the screen is still the same document offers (the
    web one): a weather failure whose page never changed resumes on it (``run/resume.py``)."""

    def page_mark(self) -> object | None:
        """A token that changes whenever any frame shows another document or the browser is
        new; None: cannot tell now."""


@runtime_checkable
class Launched(Protocol):
    """What a driver that launched a program of its choosing says of it (the web one: which
    Chromium, and a note when the choice costs the operator, ``chromium_pick``)."""

    def launch_facts(self) -> dict[str, str]:
        """Fields for the session's ``session_started`` audit line."""


@runtime_checkable
class CaseAware(Protocol):
    """What a driver that watches its program across cases also offers (the desktop one).

    The runner calls ``begin_case`` when a case's steps start and ``end_case`` when they are
    over (``finished``: they all ran; ``unconfirmed``: the last commit had no confirming
    step after it, so the program may still be saving; ``committed``: a saving click ran, so
    a program that saves on exit may be about to close), and ``revive`` before the next case
    and before recovering: a program that died is started again whatever ``setup`` holds.
    """

    def begin_case(self, variables: Mapping[str, Any]) -> dict[str, str]:
        """Note the windows of the case (start a per-case program); outputs it left."""

    def end_case(self, *, finished: bool, unconfirmed: bool,
                 committed: bool = False) -> dict[str, str]:
        """The case's steps are over (a per-case program is awaited); outputs it left."""

    def revive(self) -> bool:
        """Start the program again if it exited; True when it was (the runner logs in)."""
