"""How long the application takes to answer a page: the bound past which it is hung.

A hung legacy server (it takes the request and never answers) used to cost a step's whole
timeout (8 s in the shipped bots) before anything was said. The application's own pace is
a much earlier sign: a page it always answers in 200 ms that has waited 1 s is hung.

``Pace`` gives the bound for one document request:

* learned, page by page (method and path; the query left out): once a page has been
  answered ``MIN_SEEN`` times, ``EARLY_MULTIPLE`` times the slowest of its answers, and from
  ``SETTLED`` answers on ``MULTIPLE`` times the slowest of its last ``WINDOW``, never below
  ``FLOOR_S``;
* ``app: {response_timeout_ms: …}`` in the selector map caps that, and is the bound of a
  page not learned yet (the author knows the slowest page the application really serves);
* a screen's own ``response_timeout_ms`` (a search that takes 6 s on a bad night) replaces
  both while a step acts on or waits for that screen's targets (``screen``).

Per page, because legacy systems mix 100 ms forms with a report that takes 20 s; with a
floor and a multiple of the slowest (not of a mean), because on a loaded two-core machine
answers stretch: a false hang costs a retry (and, after a saving click, a verify), never a
wrong record, but it costs. The floor and multiples are measured: no honest answer of a
clean 40-case run was called hung at a load of 6 to 10 on two cores (``bench/faults_bench.py``
counts them: ``clean_false_hangs``).

Without ``response_timeout_ms``, a page not learned yet has no bound: the step's timeout
decides, as before. The bound is only ever an earlier end of a wait; it never lengthens one
(but a screen's own bound, which is the author's word).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

#: Answers of a page before its bound is learned ...
MIN_SEEN = 2
#: ... at first this many times the slowest answer (a wide margin on little evidence) ...
EARLY_MULTIPLE = 8.0
#: ... and from this many answers on ...
SETTLED = 5
#: ... this many times the slowest recent answer ...
MULTIPLE = 4.0
#: ... over this many recent answers ...
WINDOW = 20
#: ... and never less than this.
FLOOR_S = 0.6


class Pace:
    """The answer times of an application's pages, and the bound of a hung answer."""

    def __init__(self, fixed_s: float | None = None) -> None:
        self.fixed_s = fixed_s
        self.screen_s: float | None = None  # the bound of the screen a step is on, if its own
        self._seen: dict[str, deque[float]] = {}

    def answered(self, page: str, seconds: float) -> None:
        """``page`` (``"GET /entry"``) was answered after ``seconds``."""
        self._seen.setdefault(page, deque(maxlen=WINDOW)).append(seconds)

    def bound_s(self, page: str) -> float | None:
        """Seconds after which an unanswered request of ``page`` is hung; None: not known."""
        if self.screen_s is not None:
            return self.screen_s
        seen = self._seen.get(page)
        if seen is None or len(seen) < MIN_SEEN:
            return self.fixed_s
        multiple = MULTIPLE if len(seen) >= SETTLED else EARLY_MULTIPLE
        learned = max(FLOOR_S, multiple * max(seen))
        return learned if self.fixed_s is None else min(learned, self.fixed_s)

    @contextmanager
    def screen(self, seconds: float | None) -> Iterator[None]:
        """While the block runs, ``seconds`` (when given) is every page's bound."""
        if seconds is None:
            yield
            return
        before, self.screen_s = self.screen_s, seconds
        try:
            yield
        finally:
            self.screen_s = before
