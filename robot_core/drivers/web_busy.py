"""A bound for the Playwright calls that take no timeout, on a page whose renderer is busy.

``is_visible()``, ``evaluate()`` and the keyboard wait for the page's main thread; a legacy
page stuck in its own script (a synchronous loop, a huge table built in one go) keeps them
waiting for ever, and the sync API cannot be interrupted from outside. ``BusyGuard`` arms a
timer around such a call; when it expires it asks Chromium, over the page's DevTools
session, to terminate the running script (``Runtime.terminateExecution``), which the
browser handles even while the page is busy. The call then returns, and the guard reports
``NoResponse``: the page's own state is no longer to be trusted.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from robot_core.drivers.web_watch import NO_RESPONSE
from robot_core.errors import NoResponse

#: A look at the screen (is this on it?) that takes longer than this is a frozen page.
LOOK_S = 5.0
_TERMINATE_MS = 5_000


class BusyGuard:
    """Ends a call on a busy page after its bound, with ``NoResponse``."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        session = context.new_cdp_session(page)
        # The sync API's objects belong to its event loop's thread; from the timer thread
        # only the loop itself may be handed work (call_soon_threadsafe), and there the
        # async object under the sync wrapper is the one to call.
        self._send: Any = session._impl_obj.send
        self._loop: Any = session._loop
        self._session = session
        self._owner = threading.current_thread()

    def stop_loading(self) -> None:
        """Stop every navigation and fetch of the page (``Page.stopLoading``), from any thread.

        A hung answer given up on would otherwise keep the page loading: the next screenshot
        or look waits for it, and its connection stays taken until the server lets go. On
        the page's own thread it is done before returning, so it cannot stop the next load.
        """
        if threading.current_thread() is self._owner:
            with contextlib.suppress(PlaywrightError):  # the page is gone: nothing loads
                self._session.send("Page.stopLoading")
            return
        with contextlib.suppress(RuntimeError):  # a closed loop: the browser is gone anyway
            self._loop.call_soon_threadsafe(self._command, "Page.stopLoading")

    def evaluate_soon(self, expression: str) -> None:
        """Evaluate ``expression`` in the page's main world, from any thread, not waiting
        for it (``Runtime.evaluate``): how a look waiting in the page is woken."""
        with contextlib.suppress(RuntimeError):  # a closed loop: the browser is gone anyway
            self._loop.call_soon_threadsafe(self._command, "Runtime.evaluate",
                                            {"expression": expression})

    @contextmanager
    def bound(self, seconds: float, doing: str) -> Iterator[None]:
        """Run the block; past ``seconds``, stop the page's script and raise ``NoResponse``."""
        fired = threading.Event()
        timer = threading.Timer(seconds, self._interrupt, args=(fired,))
        timer.daemon = True
        timer.start()
        try:
            yield
        except PlaywrightError as exc:
            if fired.is_set():
                raise self._verdict(seconds, doing) from exc
            raise
        finally:
            timer.cancel()
        if fired.is_set():
            raise self._verdict(seconds, doing)

    def _interrupt(self, fired: threading.Event) -> None:
        fired.set()
        # A closed loop means the browser is gone, and the call has ended anyway.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._terminate)

    def _terminate(self) -> None:
        self._command("Runtime.terminateExecution")

    def _command(self, method: str, params: dict[str, Any] | None = None) -> None:
        task = self._loop.create_task(self._send(method, params, _TERMINATE_MS))
        # Nobody awaits the task: collect its outcome so a failure is not logged as lost.
        task.add_done_callback(lambda done: done.cancelled() or done.exception())

    @staticmethod
    def _verdict(seconds: float, doing: str) -> NoResponse:
        return NoResponse(f"{NO_RESPONSE} (the page stayed busy for {seconds:.0f} s "
                          f"while {doing})")
