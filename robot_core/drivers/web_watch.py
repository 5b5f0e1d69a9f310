"""What the web driver knows about the page's navigations: is the application answering?

A frozen legacy server (it accepts the connection and never answers) and a target that is
simply not on screen look the same to a wait: nothing shows. What tells them apart is a
document request (of the page or of any of its frames) that was sent and got no answer.
``NavigationWatch`` follows those requests through Playwright's page events, and notices
Chromium's own error documents (``chrome-error://``) that a refused or reset connection
leaves in a frame, so both end a step as the system failure they are.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Protocol

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page, Request, Response

from robot_core.drivers.web_pace import Bound, Pace
from robot_core.errors import (
    ApplicationError,
    NoResponse,
    SystemUnavailable,
    TargetNotFound,
    TransientError,
)

NO_RESPONSE = "no response from the application"
_ERROR_DOCUMENT = "chrome-error://"
_NET_ERROR = re.compile(r"net::(ERR_[A-Z_]+)")
# A navigation another one replaced, or one the page itself cancelled: no fault of the server.
_NOT_A_FAULT = frozenset({"ERR_ABORTED"})
# Playwright errors that pass: the page moved on under the step, which may simply repeat.
_TRANSIENT_MARKERS = ("detached", "not attached", "Execution context was destroyed",
                      "Target page, context or browser has been closed", "net::ERR_",
                      "frame was detached", "Navigation failed because page crashed")
_SERIALS = itertools.count(1)  # one per watch, so a new page never repeats an old mark
# A document request younger than this at the end of a wait may just have started.
_STALL_MIN_S = 0.5


def net_error(message: str) -> str | None:
    """The ``ERR_…`` code in a Playwright error that means the server cannot be reached."""
    match = _NET_ERROR.search(message or "")
    if match is None or match.group(1) in _NOT_A_FAULT:
        return None
    return match.group(1)


def playwright_error(name: str, exc: PlaywrightError) -> ApplicationError:
    """What a Playwright error (not a timeout) in a step on ``name`` means for the runner."""
    first = exc.message.splitlines()[0] if exc.message else str(exc)
    code = net_error(exc.message)
    if code is not None:
        return SystemUnavailable(f"{name}: the application cannot be reached (net::{code})")
    if any(marker in exc.message for marker in _TRANSIENT_MARKERS):
        return TransientError(f"{name}: {first}")
    return TargetNotFound(f"{name}: {first}")


class Loading(Protocol):
    """What the watch asks of the page's DevTools session (web_busy.py's ``BusyGuard``)."""

    def stop_loading(self) -> None:
        """Stop every navigation of the page, from any thread."""

    def evaluate_soon(self, expression: str) -> None:
        """Evaluate ``expression`` in the page, from any thread, not waiting."""


class NavigationWatch:
    """Document requests in flight and failed, for one page (events only: no round trip).

    Each answer's time goes to ``pace`` (web_pace.py), which says when an unanswered request
    is overdue. A request given up on is stopped (``stop``: the page stops loading), so a
    hung answer does not keep the page loading, or a connection taken, after the step ended.
    """

    def __init__(self, page: Page, pace: Pace | None = None, busy: Loading | None = None,
                 ) -> None:
        self._page = page
        self._pending: dict[Request, float] = {}
        self._failure = ""
        self._overdue: set[str] = set()  # pages called hung, told to ``pace`` on give_up
        self.error_answer = ""  # the last document answered 5xx (a frame's too), described
        self.pace = pace or Pace()
        # stops the page loading; evaluates a script in it (a look woken): from any thread
        self.stop = busy.stop_loading if busy else lambda: None
        self.soon = busy.evaluate_soon if busy else lambda _script: None
        self.serial = next(_SERIALS)
        self.documents = 0  # documents committed in any frame: a changed screen (page_mark)
        page.on("request", self._sent)
        page.on("response", self._answered)
        page.on("requestfailed", self._failed)
        page.on("framedetached", self._detached)
        page.on("framenavigated", self._navigated)

    @property
    def pending(self) -> bool:
        """Whether a document request (of the page or a frame) awaits its answer."""
        return bool(self._pending)

    def _navigated(self, _frame: Frame) -> None:
        self.documents += 1

    def _sent(self, request: Request) -> None:
        if request.is_navigation_request():
            self._pending[request] = time.monotonic()

    def _answered(self, response: Response) -> None:
        sent = self._pending.pop(response.request, None)
        if sent is not None:
            self._failure = ""
            self._overdue.discard(_page(response.request))  # late, but not hung
            self.pace.answered(_page(response.request), time.monotonic() - sent)
            if response.status >= 500:
                self.error_answer = f"{_page(response.request)} answered HTTP {response.status}"

    def _failed(self, request: Request) -> None:
        if self._pending.pop(request, None) is None:
            return
        code = net_error(request.failure or "")
        if code is not None:
            self._failure = f"{request.method} {_path(request.url)}: net::{code}"

    def _detached(self, frame: Frame) -> None:
        # A removed frame's requests may never report back: forget them.
        for request in [r for r in self._pending if _frame_of(r) is frame]:
            del self._pending[request]

    def stalled(self, after_s: float | None = _STALL_MIN_S) -> str | None:
        """The oldest document request unanswered for ``after_s`` or more (None: for longer
        than its page's bound, ``pace``), described.

        Safe from another thread: it reads a copy of what the page's events keep.
        """
        now = time.monotonic()
        waiting = self._waiting(now, after_s)
        if not waiting:
            return None
        sent, request, bound = min(waiting, key=lambda found: found[0])
        if bound is not None:  # past its bound: hung, once given up on (``give_up``)
            self._overdue.add(_page(request))
        said = f"{request.method} {_path(request.url)} unanswered after {now - sent:.1f} s"
        return said if bound is None else f"{said}, its bound {bound.describe()}"

    def _waiting(self, now: float, after_s: float | None,
                 ) -> list[tuple[float, Request, Bound | None]]:
        """The pending requests past ``after_s`` (None: past their page's bound)."""
        pending = dict(self._pending)  # one C-level copy: the event handlers may add to it
        found: list[tuple[float, Request, Bound | None]] = []
        for request, sent in pending.items():
            bound = self.pace.bound(_page(request)) if after_s is None else None
            limit = after_s if after_s is not None else \
                (bound.seconds if bound is not None else float("inf"))
            if now - sent >= limit:
                found.append((sent, request, bound))
        return found

    def due_in_s(self) -> float | None:
        """Seconds until the first pending document request passes its bound (0: it has);
        None: nothing pending has a bound."""
        now = time.monotonic()
        pending = dict(self._pending)
        dues = [sent + bound - now for request, sent in pending.items()
                if (bound := self.pace.bound_s(_page(request))) is not None]
        return max(0.0, min(dues)) if dues else None

    def raise_if_stalled(self, doing: str, after_s: float | None = _STALL_MIN_S) -> None:
        """``NoResponse`` when a document request has waited ``after_s`` for the server
        (None: its page's bound); the page stops loading first: the answer is given up on."""
        stalled = self.stalled(after_s)
        if stalled is not None:
            self.give_up()
            raise NoResponse(f"{NO_RESPONSE} ({doing}; {stalled})")

    def raise_if_overdue(self, doing: str) -> None:
        """``NoResponse`` when a document request has waited past its page's bound."""
        self.raise_if_stalled(doing, None)

    def give_up(self) -> None:
        """Stop the page loading and forget its requests: their answers no longer count.

        The pages of those past their bound are told to ``pace`` as hung (a wider bound
        next time). A frame whose first document was given up on is left with none, and
        anything that evaluates in it (a screenshot's masks) would wait for ever: it is sent
        to ``about:blank``, which it shows anyway. (On the thread that runs the page.)
        """
        self.stop()
        # Noted when called overdue: a stopped request may have reported back since.
        hung = self._overdue | {_page(r) for _, r, _ in self._waiting(time.monotonic(), None)}
        for page in hung:
            self.pace.hung(page)
        self._overdue = set()
        self._pending.clear()
        try:
            if self._page.url and any(not f.url for f in self._page.frames):
                self._page.evaluate(_BLANK_UNLOADED_JS)
        except PlaywrightError:
            pass  # the page is going anyway: the recovery navigates it

    def raise_if_error_page(self, page: Page) -> None:
        """``SystemUnavailable`` when Chromium shows its own error page in any frame."""
        if any(frame.url.startswith(_ERROR_DOCUMENT) for frame in page.frames):
            what = self._failure or "the connection failed"
            raise SystemUnavailable(f"the application cannot be reached ({what})")


#: Frames (same-origin) still on their initial empty document while a ``src`` is pending.
_BLANK_UNLOADED_JS = """() => {
  for (const holder of document.querySelectorAll('iframe, frame')) {
    try {
      const src = holder.getAttribute('src');
      if (src && src !== 'about:blank' && holder.contentWindow.location.href === 'about:blank')
        holder.src = 'about:blank';
    } catch (e) { /* another origin: not ours to touch */ }
  }
}"""


def _frame_of(request: Request) -> Frame | None:
    try:
        return request.frame
    except PlaywrightError:
        return None  # a request of a page already gone has no frame


def _page(request: Request) -> str:
    """What ``Pace`` learns by: the method and the path, without the query."""
    return f"{request.method} {_path(request.url).split('?', 1)[0]}"


def _path(url: str) -> str:
    # The path is enough to say which screen; the host is the same for every request.
    return re.sub(r"^[a-z]+://[^/]+", "", url) or url
