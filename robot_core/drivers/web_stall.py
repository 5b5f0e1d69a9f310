"""A page load, a click or a look that waits on a hung answer ends when the answer is overdue.

``goto`` waits for the page and its frames to load, a click waits for the navigation it
started, and a look waits in the page for its slice (web_look.py); all wait where the
driver's own checks between looks cannot reach. ``overdue`` watches from a thread while such
a call runs: once a document request has waited past its page's bound (web_pace.py), the
call is ended and ``NoResponse`` raised, at the bound, long before the step's timeout (or
the look's slice) would have ended it: ``overdue`` tells the page to stop loading, which
ends a load or a click at once; a look is woken (``watching``) and says what it saw.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from playwright.sync_api import Error as PlaywrightError

from robot_core.drivers.web_watch import NO_RESPONSE, NavigationWatch
from robot_core.errors import NoResponse

#: How often the watching thread looks at the page's requests (events only: no round trip);
#: sooner when a pending one passes its bound.
_CHECK_S = 0.1


@contextmanager
def overdue(watch: NavigationWatch, doing: str) -> Iterator[None]:
    """Run the block; a document request overdue meanwhile ends it with ``NoResponse`` (the
    page stops loading, which ends a load or a click waiting on the answer)."""
    with watching(watch, watch.stop) as verdict:
        try:
            yield
        except PlaywrightError as exc:
            if verdict:
                raise _verdict(watch, doing, verdict[0]) from exc
            raise
    if verdict:
        raise _verdict(watch, doing, verdict[0])


@contextmanager
def watching(watch: NavigationWatch, end: Callable[[], None]) -> Iterator[list[str]]:
    """While the block runs, a thread watches the page's requests; the first one overdue is
    described in the list yielded, and ``end`` is called (from that thread) once."""
    done = threading.Event()
    verdict: list[str] = []

    def check() -> None:
        while not done.wait(_next_check_s(watch)):
            stalled = watch.stalled(None)
            if stalled is not None:
                verdict.append(stalled)
                end()  # the call waiting on the answer returns
                return

    thread = threading.Thread(target=check, name="robot-overdue", daemon=True)
    thread.start()
    try:
        yield verdict
    finally:
        done.set()
        thread.join()


def _next_check_s(watch: NavigationWatch) -> float:
    """``_CHECK_S``, or less when a pending request passes its bound sooner: looked at then."""
    due = watch.due_in_s()
    return _CHECK_S if due is None else min(_CHECK_S, due + 0.005)


def _verdict(watch: NavigationWatch, doing: str, stalled: str) -> NoResponse:
    watch.give_up()  # what was pending was stopped: forget it
    return NoResponse(f"{NO_RESPONSE} ({doing}; {stalled})")
