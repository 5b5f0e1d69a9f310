"""How long the application takes to answer a page: the bound past which it is hung.

A hung legacy server (it takes the request and never answers) used to cost a step's whole
timeout (8 s in the shipped bots) before anything was said. The application's own pace is
a much earlier sign: a page it always answers in 200 ms that has waited 1 s is hung.

``Pace`` gives the bound for one document request:

* learned, page by page (method and path; the query left out): once a page has been
  answered ``MIN_SEEN`` times, ``EARLY_MULTIPLE`` times the slowest of its answers, and from
  ``SETTLED`` answers on ``MULTIPLE`` times the slowest of its last ``WINDOW``, never below
  the floor: ``FLOOR_S`` on a quiet machine, stretched by the machine's own load (``floor_s``);
* ``app: {response_timeout_ms: …}`` in the selector map caps that. A page not learned yet
  is bounded by the application's pace so far: once ``APP_MIN_SEEN`` documents of any page
  were answered, ``EARLY_MULTIPLE`` times the slowest of the last ``WINDOW`` of them (never
  below the floor, never above the cap); before that, by the cap itself (the author knows
  the slowest page the application really serves);
* a page called hung is given a wider bound next time: ``BACKOFF`` times wider for each hang
  of that page in a row (never above the cap), back to its pace once it answers, so a
  loaded machine's slow honest answers are not called hung again and again;
* a screen's own ``response_timeout_ms`` (a search that takes 6 s on a bad night) replaces
  all of these while a step acts on or waits for that screen's targets (``screen``).

Per page, because legacy systems mix 100 ms forms with a report that takes 20 s; with a
floor and a multiple of the slowest (not of a mean), because on a loaded two-core machine
answers stretch: a false hang costs a retry (and, after a saving click, a verify), never a
wrong record, but it costs. The floor and multiples are measured: no honest answer of a
clean 40-case run was called hung at a load of 6 to 10 on two cores with a floor of 0.6 s,
nor with 0.3 s and the backoff at a load of 8 to 13 (``bench/faults_bench.py`` counts them:
``clean_false_hangs``).

**The floor follows the machine's load.** What stretches an honest answer past a multiple of
the slowest recent one is a sudden queue for the CPU (the browser, the app server and the
robot share two cores), and that queue is the machine's load average: the floor is
``FLOOR_S`` times the load per core when that is above 1 (a load of 8 on two cores: 4×, the
0.6 s that held there), and ``FLOOR_S`` on a quiet machine, where a hung answer of a quick
page is then told in 0.15 s rather than 0.3 s. The load average trails a sudden rise by
seconds; the backoff covers that gap.

Without ``response_timeout_ms``, a page not learned yet has no bound (the application's
pace elsewhere is no promise about a report page never opened): the step's timeout decides,
as before. The bound is only ever an earlier end of a wait; it never lengthens one (but a
screen's own bound, which is the author's word).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

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
#: ... and never less than this (on a quiet machine: times the load per core above 1).
FLOOR_S = 0.15
#: Answers of any page before a page not learned yet is bounded by the application's pace.
APP_MIN_SEEN = 3
#: A page called hung waits this many times longer next time, per hang in a row.
BACKOFF = 2.0


def machine_pressure() -> float:
    """The machine's one-minute load average per core (0.0 where the OS does not say)."""
    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:
        return 0.0


class Bound(NamedTuple):
    """Seconds after which an unanswered request is hung, and what says so."""

    seconds: float
    why: str  # "screen", "learned", "app pace", "response_timeout_ms"; "+N hung" after hangs

    def describe(self) -> str:
        """``1.2 s (learned)``: for the message that calls a request hung."""
        return f"{self.seconds:.1f} s ({self.why})"


class Pace:
    """The answer times of an application's pages, and the bound of a hung answer."""

    def __init__(self, fixed_s: float | None = None,
                 pressure: Callable[[], float] = machine_pressure) -> None:
        self.fixed_s = fixed_s
        self._pressure = pressure
        self.screen_s: float | None = None  # the bound of the screen a step is on, if its own
        self._seen: dict[str, deque[float]] = {}
        self._recent: deque[float] = deque(maxlen=WINDOW)  # any page's answers
        self._hung: dict[str, int] = {}  # hangs in a row, per page

    def answered(self, page: str, seconds: float) -> None:
        """``page`` (``"GET /entry"``) was answered after ``seconds``."""
        self._seen.setdefault(page, deque(maxlen=WINDOW)).append(seconds)
        self._recent.append(seconds)
        self._hung.pop(page, None)

    def hung(self, page: str) -> None:
        """A request of ``page`` was given up on past its bound: wait longer next time."""
        self._hung[page] = self._hung.get(page, 0) + 1

    def bound_s(self, page: str) -> float | None:
        """Seconds after which an unanswered request of ``page`` is hung; None: not known."""
        bound = self.bound(page)
        return None if bound is None else bound.seconds

    def bound(self, page: str) -> Bound | None:
        """``bound_s`` and what it comes from."""
        if self.screen_s is not None:
            return Bound(self.screen_s, "screen")
        base = self._paced(page)
        if base is None:
            return None
        hangs = self._hung.get(page, 0)
        if not hangs:
            return base
        return self._capped(base.seconds * BACKOFF ** hangs, f"{base.why}, +{hangs} hung")

    def _paced(self, page: str) -> Bound | None:
        seen = self._seen.get(page)
        if seen is not None and len(seen) >= MIN_SEEN:
            multiple = MULTIPLE if len(seen) >= SETTLED else EARLY_MULTIPLE
            return self._capped(multiple * max(seen), "learned")
        if self.fixed_s is None:
            return None
        if len(self._recent) >= APP_MIN_SEEN:
            return self._capped(EARLY_MULTIPLE * max(self._recent), "app pace")
        return Bound(self.fixed_s, "response_timeout_ms")

    def floor_s(self) -> float:
        """No bound is shorter: ``FLOOR_S``, times the machine's load per core above 1."""
        return FLOOR_S * max(1.0, self._pressure())

    def _capped(self, seconds: float, why: str) -> Bound:
        seconds = max(self.floor_s(), seconds)
        if self.fixed_s is not None and seconds >= self.fixed_s:
            return Bound(self.fixed_s, "response_timeout_ms")
        return Bound(seconds, why)

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
