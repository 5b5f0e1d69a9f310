"""A page load or a click that waits on a hung answer ends when the answer is overdue.

``goto`` waits for the page and its frames to load, and a click waits for the navigation it
started; both wait inside Playwright, up to the step's timeout, where the driver's own
checks between looks (web_look.py) cannot reach. ``overdue`` watches from a thread while
such a call runs: once a document request has waited past its page's bound (web_pace.py),
the page is told to stop loading, which ends the call at once, and the block raises
``NoResponse``, long before the step's timeout would have.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Error as PlaywrightError

from robot_core.drivers.web_watch import NO_RESPONSE, NavigationWatch
from robot_core.errors import NoResponse

#: How often the watching thread looks at the page's requests (events only: no round trip).
_CHECK_S = 0.1


@contextmanager
def overdue(watch: NavigationWatch, doing: str) -> Iterator[None]:
    """Run the block; a document request overdue meanwhile ends it with ``NoResponse``."""
    done = threading.Event()
    verdict: list[str] = []

    def check() -> None:
        while not done.wait(_CHECK_S):
            stalled = watch.stalled(None)
            if stalled is not None:
                verdict.append(stalled)
                watch.stop()  # the call waiting on the answer returns
                return

    thread = threading.Thread(target=check, name="robot-overdue", daemon=True)
    thread.start()
    try:
        yield
    except PlaywrightError as exc:
        if verdict:
            raise _verdict(watch, doing, verdict[0]) from exc
        raise
    finally:
        done.set()
        thread.join()
    if verdict:
        raise _verdict(watch, doing, verdict[0])


def _verdict(watch: NavigationWatch, doing: str, stalled: str) -> NoResponse:
    watch.give_up()  # what was pending was stopped: forget it
    return NoResponse(f"{NO_RESPONSE} ({doing}; {stalled})")
